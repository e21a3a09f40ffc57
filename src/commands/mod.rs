//! What the binary's subcommands do: each takes its own clap argument struct and hands the work to
//! the library (game, sim, ml), printing results. Errors come back as `anyhow` errors with context;
//! `main` prints them.

pub mod bench;
pub mod chat;
pub mod check;
pub mod emotion;
pub mod eval;
pub mod fetch;
pub mod play;
pub mod serve;
pub mod sim;
pub mod train_policy;

use std::path::PathBuf;

use clap::ValueEnum;

use crate::sim::policy::PolicyChoice;

/// Who decides what villagers do.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PolicyKind {
    Utility,
    Random,
    Net,
}

/// The decision-policy arguments shared by `play` and `sim`.
#[derive(Clone, Debug, clap::Args)]
pub struct PolicyArgs {
    /// Who decides what villagers do: `play` defaults to the trained network, `sim` to the
    /// utility AI (`net` falls back to the utility AI, saying why, when the weights cannot be
    /// loaded).
    #[arg(long, value_enum)]
    pub policy: Option<PolicyKind>,
    /// Weights of the policy network.
    #[arg(long, default_value = "models/policy.safetensors")]
    pub policy_file: PathBuf,
}

impl PolicyArgs {
    /// The choice (`default` when none was given), with `seed` for the random policy.
    pub fn choice(&self, default: PolicyKind, seed: u64) -> PolicyChoice {
        match self.policy.unwrap_or(default) {
            PolicyKind::Utility => PolicyChoice::Utility,
            PolicyKind::Random => PolicyChoice::Random { seed },
            PolicyKind::Net => PolicyChoice::Net(self.policy_file.clone()),
        }
    }
}
