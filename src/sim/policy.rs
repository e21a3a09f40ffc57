//! Which policy serves the decision lane (utility AI, random, or the trained network), and the
//! lane's backend for that choice: shared by the sim, training and the game.

use std::path::PathBuf;
use std::sync::Arc;

use crate::inference::backends::random::RandomBackend;
use crate::inference::backends::utility::UtilityBackend;
use crate::inference::{Backend, BackendFactory, InferenceError};
use crate::ml::policy::PolicyBackend;

/// Which policy serves the decision lane.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyChoice {
    /// The hand-written utility AI.
    Utility,
    /// Uniform among possible actions.
    Random { seed: u64 },
    /// The network in this file (the utility AI when it cannot be loaded).
    Net(PathBuf),
}

impl PolicyChoice {
    /// Name in reports.
    pub fn name(&self) -> &'static str {
        match self {
            PolicyChoice::Utility => "utility",
            PolicyChoice::Random { .. } => "random",
            PolicyChoice::Net(_) => "policy",
        }
    }
}

/// The decision lane's backend for `choice`. A network that cannot be loaded is reported once
/// through `warn` and replaced by the utility AI.
pub fn backend_factory(choice: PolicyChoice, warn: fn(&str)) -> BackendFactory {
    Arc::new(move || -> Result<Box<dyn Backend>, InferenceError> {
        Ok(match &choice {
            PolicyChoice::Utility => Box::new(UtilityBackend),
            PolicyChoice::Random { seed } => Box::new(RandomBackend { seed: *seed }),
            PolicyChoice::Net(path) => match PolicyBackend::load(path) {
                Ok(b) => Box::new(b),
                Err(e) => {
                    warn(&format!("{e}; the utility AI decides instead"));
                    Box::new(UtilityBackend)
                }
            },
        })
    })
}
