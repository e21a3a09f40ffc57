//! `npc-minds check-config`: validate NPC configs and cases without starting the game.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::config::case::{CASE_SUFFIX, CaseConfig, case_files};
use crate::config::case_check::against_cast;
use crate::config::files::{expand, load_all, load_villagers};

/// Arguments of `npc-minds check-config`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or folders (default: assets/npcs, mods, assets/cases and mods/cases). Cases are
    /// checked against the villagers of assets/npcs and mods.
    pub(crate) paths: Vec<PathBuf>,
}

/// Folders that may be missing without a complaint (the modders' ones).
fn optional(p: &Path) -> bool {
    p == Path::new("mods") || p == Path::new("mods/cases")
}

/// Validates `*.npc.ron` and `*.case.ron` files or folders: one line per problem, exit 1 if any.
pub fn run(CheckArgs { paths }: CheckArgs) -> anyhow::Result<ExitCode> {
    let paths = if paths.is_empty() {
        ["assets/npcs", "mods", "assets/cases", "mods/cases"]
            .map(PathBuf::from)
            .to_vec()
    } else {
        paths
    };
    let is_case = |p: &Path| p.to_string_lossy().ends_with(CASE_SUFFIX);
    let npc_files: Vec<PathBuf> = expand(&paths).into_iter().filter(|p| !is_case(p)).collect();
    let cases: Vec<PathBuf> = paths
        .iter()
        .flat_map(|p| {
            if p.is_dir() {
                case_files(p)
            } else if is_case(p) && p.exists() {
                vec![p.clone()]
            } else {
                Vec::new()
            }
        })
        .collect();
    let missing: Vec<_> = paths
        .iter()
        .filter(|p| !p.exists() && !optional(p))
        .collect();
    let (good, mut problems) = load_all(&npc_files);
    let (cast, _) = load_villagers("assets/npcs".as_ref(), "mods".as_ref());
    let mut good_cases = 0;
    for path in &cases {
        let file = path.display().to_string();
        match CaseConfig::load(path) {
            Ok(case) => {
                let found = against_cast(&case, &cast, &file);
                good_cases += usize::from(found.is_empty());
                problems.extend(found);
            }
            Err(e) => problems.extend(e.0),
        }
    }
    for p in &missing {
        println!("{}: no such file or folder", p.display());
    }
    for p in &problems {
        println!("{p}");
    }
    if problems.is_empty() && missing.is_empty() {
        eprintln!("{} NPC config(s) and {good_cases} case(s) OK", good.len());
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "{} problem(s) in {} file(s)",
            problems.len() + missing.len(),
            npc_files.len() + cases.len()
        );
        Ok(ExitCode::FAILURE)
    }
}
