//! `npc-minds train-music`: trains the music model on the chorales (the work is in
//! `music::model::train`) and prints the perplexities as JSON.

use std::process::ExitCode;

use crate::music::model::train::{TrainMusicOptions, train};

pub fn run(opts: TrainMusicOptions) -> anyhow::Result<ExitCode> {
    let report = train(&opts, &mut |l| eprintln!("{l}"))?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}
