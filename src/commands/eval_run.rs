//! How `npc-minds eval ...` runs and prints, shared by `eval dialogue` and `eval memory`: output
//! options, seed, threads, and loading the cast, the world's names and the dialogue models.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::case::{case_dirs, find_case};
use crate::config::files::load_cast;
use crate::config::{DEFAULT_CASE, NpcConfig};
use crate::inference::WorldNames;
use crate::ml::dialogue::{Dialogue, request};
use crate::ml::model_files::{self, dialogue_model_path};

impl EvalRun {
    /// The cast (without mods; problems are warned about).
    pub(crate) fn cast(&self) -> Vec<NpcConfig> {
        let (cast, problems) = load_cast(&self.npc_dir, "no-mods".as_ref());
        for p in &problems {
            eprintln!("warning: {p}");
        }
        cast
    }

    /// The world's names for `cast` and the dialogue models (fetched if missing).
    pub(crate) fn load(&self, cast: &[NpcConfig]) -> anyhow::Result<(Arc<WorldNames>, Dialogue)> {
        let dirs = case_dirs(&self.npc_dir, "no-mods".as_ref());
        let case = find_case(&dirs, DEFAULT_CASE).ok();
        let world = Arc::new(request::world_names(cast, case.as_ref()));
        let path = dialogue_model_path(&mut |l| eprintln!("{l}"))?;
        let models = model_files::models_dir();
        let d = Dialogue::load(&path, &models, self.threads, &mut |l| eprintln!("{l}"))?;
        Ok((world, d))
    }
}

/// How an evaluation runs and prints (shared by `eval dialogue` and `eval memory`).
#[derive(Debug, clap::Args)]
pub struct EvalRun {
    /// Print one JSON object (summary and every reply) instead of text.
    #[arg(long)]
    pub(crate) json: bool,
    /// Print every reply on stderr as it is scored.
    #[arg(long)]
    pub(crate) verbose: bool,
    /// Seed of the sampling.
    #[arg(long, default_value_t = 7)]
    pub(crate) seed: u64,
    /// Threads for the model.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Folder of the cast.
    #[arg(long, default_value = "assets/npcs")]
    pub(crate) npc_dir: PathBuf,
}
