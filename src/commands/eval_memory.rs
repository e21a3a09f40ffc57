//! `npc-minds eval memory`: runs a memory question set (tell a villager things, ask in a later
//! conversation) and prints the rates (the work is in `ml::dialogue::eval::memory`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::config::MysteryConfig;
use crate::config::files::load_cast;
use crate::ml::dialogue::eval::memory::{MemoryScored, load_memory_set, run_memory};
use crate::ml::dialogue::{Dialogue, request};
use crate::ml::model_files::{self, dialogue_model_path};

/// Arguments of `npc-minds eval memory`.
#[derive(Debug, clap::Args)]
pub struct MemoryEvalArgs {
    /// Memory set (TSV: npc, told, question, expect). Default: our held-out set.
    #[arg(long, default_value = "assets/datasets/memory/heldout.tsv")]
    pub set: PathBuf,
    /// Print one JSON object (summary and every reply) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print every reply on stderr as it is scored.
    #[arg(long)]
    pub verbose: bool,
    /// Seed of the sampling.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Threads for the model.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Folder of the cast.
    #[arg(long, default_value = "assets/npcs")]
    pub npc_dir: PathBuf,
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
pub fn run(a: MemoryEvalArgs) -> anyhow::Result<ExitCode> {
    let (cast, problems) = load_cast(&a.npc_dir, "no-mods".as_ref());
    for p in &problems {
        eprintln!("warning: {p}");
    }
    let rows = load_memory_set(&a.set, &cast)?;
    let mystery = MysteryConfig::load(&a.npc_dir.with_file_name("mystery.ron")).ok();
    let world = Arc::new(request::world_names(&cast, mystery.as_ref()));
    let path = dialogue_model_path(&mut |l| eprintln!("{l}"))?;
    let models = model_files::models_dir();
    let mut d = Dialogue::load(&path, &models, a.threads, &mut |l| eprintln!("{l}"))?;
    let total = rows.len();
    let mut done = 0;
    let (scored, summary) = run_memory(&mut d, &cast, &world, &rows, a.seed, &mut |s| {
        done += 1;
        if a.verbose {
            eprintln!("{done}/{total} {}", line(s));
        } else {
            eprint!("\r{done}/{total} replies");
        }
    })?;
    eprintln!();
    if a.json {
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
