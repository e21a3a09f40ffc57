//! `npc-minds sim` and `sim --compare-policies`: run the headless village and print its report.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::PolicyArgs;
use crate::sim::{SimOptions, run_sim};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ReportFormat {
    Text,
    Json,
}

/// Arguments of `npc-minds sim`.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Number of villagers (the cast is repeated to reach it).
    #[arg(long, default_value_t = 100)]
    pub(crate) npcs: usize,
    /// Game seconds to simulate.
    #[arg(long, default_value_t = 60.0)]
    pub(crate) seconds: f64,
    /// Seed of everything random in the world.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Apply results at a fixed tick offset so the same seed gives the same state hash.
    #[arg(long)]
    pub(crate) lockstep: bool,
    /// Write every model output to FILE (implies --lockstep).
    #[arg(long, value_name = "FILE", conflicts_with = "replay")]
    pub(crate) record: Option<PathBuf>,
    /// Run from a recording instead of models; checks the state hash (implies --lockstep;
    /// --npcs, --seconds and --seed come from the recording).
    #[arg(long, value_name = "FILE")]
    pub(crate) replay: Option<PathBuf>,
    /// Save the whole village to FILE at the end (atomically; the save before is kept as
    /// FILE.prev).
    #[arg(long, value_name = "FILE", conflicts_with = "compare_policies")]
    pub(crate) save: Option<PathBuf>,
    /// Continue from a save: its villagers, seed and time step, for --seconds more (--npcs and
    /// --seed come from the save).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["replay", "compare_policies"])]
    pub(crate) load: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub(crate) report: ReportFormat,
    /// Folder of the cast.
    #[arg(long, default_value = "assets/npcs")]
    pub(crate) npc_dir: PathBuf,
    /// Folder of modded NPCs.
    #[arg(long, default_value = "mods")]
    pub(crate) mods: PathBuf,
    #[command(flatten)]
    pub(crate) policy: PolicyArgs,
    /// The visitor says real lines, answered through the dialogue and emotion lanes (scripted
    /// here, or a server's with --remote); the report gains `talk`.
    #[arg(long)]
    pub(crate) talk: bool,
    /// With --remote the sim talks through that server (implies --talk) at the clock's pace: a
    /// 60-second run takes a minute.
    #[command(flatten)]
    pub(crate) remote: super::RemoteArgs,
    /// Run random, utility and the policy network on the same seeds (lockstep) and print
    /// `{"random": {...}, "utility": {...}, "policy": {...}}`.
    #[arg(long, conflicts_with_all = ["record", "replay"])]
    pub(crate) compare_policies: bool,
    /// Seeds for --compare-policies.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    pub(crate) seeds: Vec<u64>,
}

/// `npc-minds sim`.
pub fn run(a: SimArgs) -> anyhow::Result<ExitCode> {
    let opts = SimOptions {
        npcs: a.npcs,
        seconds: a.seconds,
        seed: a.seed,
        lockstep: a.lockstep,
        record: a.record,
        replay: a.replay,
        save: a.save,
        load: a.load,
        npc_dir: a.npc_dir,
        mods_dir: a.mods,
        policy: a.policy.choice(super::PolicyKind::Utility, a.seed),
        talk: a.talk,
        remote: a.remote.options()?,
        ..SimOptions::default()
    };
    if a.compare_policies {
        anyhow::ensure!(
            opts.remote.is_none() && !opts.talk,
            "--compare-policies runs in lockstep: it cannot take --talk or --remote"
        );
        let table = crate::sim::compare::compare_policies(&opts, &a.seeds, a.policy.policy_file)?;
        println!("{}", serde_json::to_string_pretty(&table)?);
        return Ok(ExitCode::SUCCESS);
    }
    report(opts, matches!(a.report, ReportFormat::Json))
}

/// One sim run, reported as JSON or one line of text; exit 1 when a replay does not match.
fn report(opts: SimOptions, json: bool) -> anyhow::Result<ExitCode> {
    let replaying = opts.replay.is_some();
    match run_sim(opts) {
        Ok(report) => {
            match json {
                true => println!("{}", serde_json::to_string_pretty(&report)?),
                false => {
                    println!(
                        "{} NPCs, {:.0} game s in {:.2} s: {:.0} ticks/s; frame p50 {:.3} ms p99 {:.3} ms; \
                         AI p50 {:.3} ms p99 {:.3} ms; gossip p99 {:.3} ms, {} exchanges, {} rumours \
                         learnt, widest known by {}; mean reward {:.4}/NPC/s; harmed {}; state {}",
                        report.npcs,
                        report.simulated_seconds,
                        report.wall_seconds,
                        report.ticks_per_second,
                        report.frame_ms.p50,
                        report.frame_ms.p99,
                        report.ai_ms_per_frame.p50,
                        report.ai_ms_per_frame.p99,
                        report.gossip_ms_per_frame.p99,
                        report.gossip.exchanges,
                        report.gossip.learnt,
                        report.gossip.max_reach,
                        report.mean_reward,
                        report.harmed,
                        report.state_hash
                    );
                }
            }
            if let (false, Some(t)) = (json, &report.talk) {
                println!(
                    "talk ({}): {} lines and {} loaves; {} replies, {} from fallback lines, {} \
                     superseded, {} unfinished at the end{}",
                    t.models,
                    t.lines,
                    t.gifts,
                    t.replies,
                    t.fallbacks,
                    t.superseded,
                    t.in_flight,
                    t.reply_ms.map_or(String::new(), |p| format!(
                        "; reply p50 {:.0} ms p99 {:.0} ms",
                        p.p50, p.p99
                    )),
                );
            }
            if replaying && report.replay_matches != Some(true) {
                anyhow::bail!("the replay did not reproduce the recorded state hash");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e.into()),
    }
}
