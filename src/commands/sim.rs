//! `npc-minds sim` and `sim --compare-policies`: run the headless village and print its report.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::sim::{SimOptions, run_sim};

/// `sim --compare-policies`: the side-by-side table as JSON.
pub fn compare(opts: SimOptions, seeds: &[u64], policy_file: PathBuf) -> ExitCode {
    match crate::sim::compare::compare_policies(&opts, seeds, policy_file) {
        Ok(table) => match serde_json::to_string_pretty(&table) {
            Ok(s) => {
                println!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot print the report: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One sim run, reported as JSON or one line of text; exit 1 when a replay does not match.
pub fn run(opts: SimOptions, json: bool) -> ExitCode {
    let replaying = opts.replay.is_some();
    match run_sim(opts) {
        Ok(report) => {
            match json {
                true => match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => eprintln!("error: cannot print the report: {e}"),
                },
                false => {
                    println!(
                        "{} NPCs, {:.0} game s in {:.2} s: {:.0} ticks/s; frame p50 {:.3} ms p99 {:.3} ms; \
                         AI p50 {:.3} ms p99 {:.3} ms; mean reward {:.4}/NPC/s; harmed {}; state {}",
                        report.npcs,
                        report.simulated_seconds,
                        report.wall_seconds,
                        report.ticks_per_second,
                        report.frame_ms.p50,
                        report.frame_ms.p99,
                        report.ai_ms_per_frame.p50,
                        report.ai_ms_per_frame.p99,
                        report.mean_reward,
                        report.harmed,
                        report.state_hash
                    );
                }
            }
            if replaying && report.replay_matches != Some(true) {
                eprintln!("error: the replay did not reproduce the recorded state hash");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
