//! `npc-minds cases`: the cases there are to play (`play --case ID`), without giving any away.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::config::case::{case_dirs, load_cases};

/// Arguments of `npc-minds cases`.
#[derive(Debug, clap::Args)]
pub struct CasesArgs {
    /// One JSON array of {id, title, premise, judge} instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    /// Folder of mods; its `cases/` folder adds cases or replaces them by id.
    #[arg(long, default_value = "mods")]
    pub(crate) mods: PathBuf,
}

/// Lists the cases in `assets/cases` and the mods' `cases/`: id and title (no culprit), and the
/// problems of those that do not load.
pub fn run(a: CasesArgs) -> anyhow::Result<ExitCode> {
    let (cases, problems) = load_cases(&case_dirs("assets/npcs".as_ref(), &a.mods));
    for p in &problems {
        eprintln!("warning: {p}");
    }
    anyhow::ensure!(
        !cases.is_empty(),
        "no case loads from assets/cases or {}/cases",
        a.mods.display()
    );
    if a.json {
        let list: Vec<serde_json::Value> = cases
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id,
                    "title": c.title,
                    "premise": c.premise,
                    "judge": c.judge,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        let width = cases.iter().map(|c| c.id.len()).max().unwrap_or(0);
        for c in &cases {
            println!("{:width$}  {}", c.id, c.title);
        }
        eprintln!("play one with: npc-minds play --case ID");
    }
    Ok(ExitCode::SUCCESS)
}
