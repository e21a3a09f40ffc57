//! `npc-minds check-config`: validate NPC configs without starting the game.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::files::{expand, load_all};

/// Arguments of `npc-minds check-config`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or folders (default: assets/npcs and mods).
    pub paths: Vec<PathBuf>,
}

/// Validates `*.npc.ron` files or folders (default `assets/npcs` and `mods`): one line per
/// problem, exit 1 if any.
pub fn run(CheckArgs { paths }: CheckArgs) -> anyhow::Result<ExitCode> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("assets/npcs"), PathBuf::from("mods")]
    } else {
        paths
    };
    let files = expand(&paths);
    let missing: Vec<_> = paths.iter().filter(|p| !p.exists()).collect();
    let (good, problems) = load_all(&files);
    for p in &missing {
        if p.as_os_str() != "mods" {
            println!("{}: no such file or folder", p.display());
        }
    }
    for p in &problems {
        println!("{p}");
    }
    let bad_paths = missing.iter().filter(|p| p.as_os_str() != "mods").count();
    if problems.is_empty() && bad_paths == 0 {
        eprintln!("{} NPC config(s) OK", good.len());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} problem(s) in {} file(s)",
            problems.len() + bad_paths,
            files.len()
        );
        Ok(ExitCode::FAILURE)
    }
}
