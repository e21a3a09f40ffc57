//! `npc-minds fetch-models`: download and verify the pinned models.

use std::process::ExitCode;

use crate::ml::model_files::{self, FetchError};

/// Fetches every model in the manifest (or only `only`).
pub fn run(only: Option<&str>) -> ExitCode {
    let dir = model_files::models_dir();
    let result = (|| -> Result<usize, FetchError> {
        let manifest = model_files::read_manifest(&dir)?;
        let chosen: Vec<_> = manifest
            .iter()
            .filter(|e| only.is_none_or(|id| e.id == id))
            .collect();
        if chosen.is_empty() {
            return Err(FetchError::UnknownModel(
                only.unwrap_or_default().to_string(),
            ));
        }
        for entry in &chosen {
            model_files::fetch(&dir, entry, &mut |line| eprintln!("{line}"))?;
        }
        Ok(chosen.len())
    })();
    match result {
        Ok(n) => {
            eprintln!("{n} model(s) ready in {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The dialogue model's path, fetched first if missing (saying so on stderr).
pub fn dialogue_model_path() -> Result<std::path::PathBuf, FetchError> {
    let dir = model_files::models_dir();
    let entry = model_files::ensure(&dir, "dialogue", &mut |l| eprintln!("{l}"))?;
    Ok(dir.join(&entry.files[0].path))
}
