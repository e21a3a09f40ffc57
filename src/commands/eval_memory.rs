//! `npc-minds eval memory`: runs a memory question set (tell a villager things, ask in a later
//! conversation) and prints the rates (the work is in `ml::dialogue::eval::memory`).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::ml::dialogue::eval::memory::{MemoryScored, load_memory_set, run_memory};

/// Arguments of `npc-minds eval memory`.
#[derive(Debug, clap::Args)]
pub struct MemoryEvalArgs {
    /// Memory set (TSV: npc, told, question, expect). Default: our held-out set.
    #[arg(long, default_value = "assets/datasets/memory/heldout.tsv")]
    pub(crate) set: PathBuf,
    #[command(flatten)]
    pub run: super::eval_run::EvalRun,
}

fn line(s: &MemoryScored) -> String {
    let mut flags = Vec::new();
    if !s.offered {
        flags.push("NOT OFFERED");
    }
    if !s.recalled {
        flags.push("NOT RECALLED");
    }
    if s.template {
        flags.push("template");
    }
    format!(
        "{}: {:?} -> {:?} [{}] {}",
        s.npc,
        s.question,
        s.reply,
        s.rejections.join("; "),
        flags.join(" ")
    )
}

/// `npc-minds eval memory`.
pub(crate) fn run(a: MemoryEvalArgs) -> anyhow::Result<ExitCode> {
    let cast = a.run.cast();
    let rows = load_memory_set(&a.set, &cast)?;
    let (world, mut d) = a.run.load(&cast)?;
    let total = rows.len();
    let mut done = 0;
    let (scored, summary) = run_memory(&mut d, &cast, &world, &rows, a.run.seed, &mut |s| {
        done += 1;
        if a.run.verbose {
            eprintln!("{done}/{total} {}", line(s));
        } else {
            eprint!("\r{done}/{total} replies");
        }
    })?;
    eprintln!();
    if a.run.json {
        let out = serde_json::json!({ "set": a.set, "summary": summary, "replies": scored });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for s in scored.iter().filter(|s| !s.recalled || !s.offered) {
            println!("{}", line(s));
        }
        println!("memory set: {} ({} rows)", a.set.display(), summary.rows);
        println!(
            "right memory offered (top {}): {:.1}%",
            crate::ml::dialogue::recall::RECALLED,
            summary.offered * 100.0
        );
        println!("recalled in the reply: {:.1}%", summary.recalled * 100.0);
        println!("template lines: {:.1}%", summary.template * 100.0);
    }
    Ok(ExitCode::SUCCESS)
}
