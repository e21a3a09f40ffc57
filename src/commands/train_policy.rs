//! `npc-minds train-policy`: trains the decision policy (the work is in `sim::train`).

use std::process::ExitCode;

use crate::sim::train::{TrainOptions, train};

/// Trains as `opts` says, with progress on stderr.
pub fn run(opts: TrainOptions) -> anyhow::Result<ExitCode> {
    train(&opts, &mut |l| eprintln!("{l}"))?;
    Ok(ExitCode::SUCCESS)
}
