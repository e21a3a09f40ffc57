//! `npc-minds fetch-models`: download and verify the pinned models.

use std::process::ExitCode;

use crate::ml::model_files::{self, FetchError};

/// Arguments of `npc-minds fetch-models`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Only this model id from models/manifest.ron (default: all).
    #[arg(long)]
    pub(crate) model: Option<String>,
}

/// Fetches every model in the manifest (or only `--model`).
pub fn run(a: FetchArgs) -> anyhow::Result<ExitCode> {
    let dir = model_files::models_dir();
    let manifest = model_files::read_manifest(&dir)?;
    let chosen: Vec<_> = manifest
        .iter()
        .filter(|e| a.model.as_ref().is_none_or(|id| &e.id == id))
        .collect();
    if chosen.is_empty() {
        return Err(FetchError::UnknownModel(a.model.unwrap_or_default()).into());
    }
    for entry in &chosen {
        model_files::fetch(&dir, entry, &mut |line| eprintln!("{line}"))?;
    }
    eprintln!("{} model(s) ready in {}", chosen.len(), dir.display());
    Ok(ExitCode::SUCCESS)
}
