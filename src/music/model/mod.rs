//! The music model (candle, no Bevy): the network, its training on the chorales, and the n-gram
//! baseline it is measured against.

pub mod net;
pub mod ngram;
pub mod train;

pub use net::MusicNet;

use std::path::{Path, PathBuf};

use super::MusicError;

/// Where the trained model ships: `models/music.safetensors`.
pub(crate) fn default_path() -> PathBuf {
    crate::ml::model_files::models_dir().join("music.safetensors")
}

/// Loads the music model, saying how to get one when it is missing.
pub(crate) fn load(path: &Path) -> Result<MusicNet, MusicError> {
    if !path.is_file() {
        return Err(MusicError::Invalid(format!(
            "{}: no music model there; it ships in the repository's models/ folder, or train one \
             with `npc-minds train-music`",
            path.display()
        )));
    }
    Ok(MusicNet::load(path)?)
}
