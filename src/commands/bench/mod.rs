//! `npc-minds bench dialogue`, `bench emotion`, `bench policy`, `bench serve`, `bench music` and `bench players`: speed as medians over
//! several runs, printed as one JSON object with `--json` (one per engine when several are
//! compared side by side).

mod bandwidth;
mod dialogue;
mod emotion;
mod music;
mod players;
mod policy;
mod serve;
mod speculative;

use std::process::ExitCode;

use serde::Serialize;

use crate::inference::metrics::percentile;
pub(crate) use dialogue::DialogueBenchArgs;
pub(crate) use emotion::EmotionBenchArgs;
pub(crate) use players::PlayersBenchArgs;
pub(crate) use policy::PolicyBenchArgs;
pub(crate) use serve::ServeBenchArgs;

/// What to measure.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Prompt and decode tokens/s and time to first token, cold and with a cached persona prefix.
    Dialogue(DialogueBenchArgs),
    /// Latency of one sentence and throughput of batches of 32.
    Emotion(EmotionBenchArgs),
    /// The decision policy deciding for a batch of NPCs (encoding, network, masked softmax).
    Policy(PolicyBenchArgs),
    /// Concurrent streamed chats against the model service on loopback (continuous batching).
    Serve(ServeBenchArgs),
    /// Composing and rendering music on one core, as multiples of real time.
    Music(music::MusicBenchArgs),
    /// Simulated players talking to the villagers at a human pace, through the service's path:
    /// turns per second, first words and whole replies p50/p99, retries, CPU use, per level.
    Players(PlayersBenchArgs),
}

/// Arguments of each benchmark.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// Threads for the model.
    #[arg(long, default_value_t = 2)]
    pub(crate) threads: usize,
    /// Measured runs (after one warm-up); medians are reported (default: 5 for dialogue, 20 for
    /// emotion, 50 for policy).
    #[arg(long)]
    pub(crate) runs: Option<usize>,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

impl BenchCommand {
    pub fn threads(&self) -> usize {
        match self {
            BenchCommand::Dialogue(a) => a.common.threads,
            BenchCommand::Emotion(a) => a.common.threads,
            BenchCommand::Policy(_) | BenchCommand::Music(_) => 1,
            BenchCommand::Serve(a) => a.threads,
            BenchCommand::Players(a) => a.threads,
        }
    }
}

/// `npc-minds bench ...`.
pub fn run(c: BenchCommand) -> anyhow::Result<ExitCode> {
    match c {
        BenchCommand::Dialogue(a) => dialogue::run(a),
        BenchCommand::Emotion(a) => emotion::run(a),
        BenchCommand::Policy(a) => policy::run(a),
        BenchCommand::Serve(a) => serve::run(a),
        BenchCommand::Music(a) => music::run(a),
        BenchCommand::Players(a) => players::run(a),
    }
}

fn print<T: Serialize + std::fmt::Debug>(r: &T, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string(r)?);
    } else {
        println!("{r:#?}");
    }
    Ok(ExitCode::SUCCESS)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    percentile(&v, 0.5)
}
