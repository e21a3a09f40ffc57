//! `assets/mystery.ron`: the demo game's mystery (who is guilty, who judges, what is said). Parsed
//! and checked here with messages that name the file; the game plays it (`game::mystery`).

use std::path::Path;

use serde::Deserialize;

use super::validate::{MAX_FILE_BYTES, MAX_NESTING};

/// The mystery as a modder writes it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MysteryConfig {
    pub title: String,
    pub premise: String,
    /// Name of the guilty villager.
    pub culprit: String,
    /// Name of the villager who hears accusations.
    pub judge: String,
    /// Wrong accusations before the game is lost.
    pub max_wrong: u32,
    pub win_line: String,
    pub wrong_line: String,
    pub lose_line: String,
}

/// Why `mystery.ron` could not be used; the message starts with the file's name.
#[derive(Debug, thiserror::Error)]
pub enum MysteryError {
    #[error("{file}: could not read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
}

impl MysteryConfig {
    /// Reads and checks the file.
    pub fn load(path: &Path) -> Result<Self, MysteryError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| MysteryError::Io {
            file: file.clone(),
            source,
        })?;
        Self::parse(&text, &file)
    }

    /// Parses and checks `text` (read from `file`).
    pub fn parse(text: &str, file: &str) -> Result<Self, MysteryError> {
        let invalid = |message: String| MysteryError::Invalid {
            file: file.to_string(),
            message,
        };
        if text.len() > MAX_FILE_BYTES {
            return Err(invalid(format!(
                "file is {} bytes; the limit is {MAX_FILE_BYTES}",
                text.len()
            )));
        }
        let options = ron::Options::default().with_recursion_limit(MAX_NESTING);
        let c: MysteryConfig = options.from_str(text).map_err(|e| MysteryError::Syntax {
            file: file.to_string(),
            line: e.span.start.line,
            col: e.span.start.col,
            message: e.code.to_string(),
        })?;
        if c.max_wrong == 0 || c.culprit.trim().is_empty() || c.judge.trim().is_empty() {
            return Err(invalid(
                "culprit and judge must be named and max_wrong at least 1".into(),
            ));
        }
        Ok(c)
    }

    /// `line` with `{suspect}` and `{left}` filled in.
    pub fn say(line: &str, suspect: &str, left: u32) -> String {
        line.replace("{suspect}", suspect)
            .replace("{left}", &left.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_mystery_loads_and_broken_ones_say_where() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/mystery.ron");
        let m = MysteryConfig::load(&path).expect("the shipped mystery loads");
        assert_eq!(m.judge, "Aldric");
        let e = MysteryConfig::parse("(title: 3)", "m.ron")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.ron:1:"), "{e}");
        let e = MysteryConfig::parse(
            &std::fs::read_to_string(&path)
                .unwrap()
                .replace("max_wrong: 3", "max_wrong: 0"),
            "m.ron",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("m.ron: "), "{e}");
    }
}
