//! What music is saved as: WAV audio and standard MIDI files, each written whole.

pub mod midi;
pub mod wav;

use std::io::Write;
use std::path::Path;

use crate::music::MusicError;

/// Writes the file whole: into a temporary file next to it, then renamed, so a failed write
/// leaves no half file.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), MusicError> {
    let io = |e: std::io::Error| MusicError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("out")
    ));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}
