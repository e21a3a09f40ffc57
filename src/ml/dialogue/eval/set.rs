//! Question sets: a header line, `#` comments, then rows of `npc, trust, kind, fact, line`
//! separated by tabs, each checked against the cast with a located error.

use std::path::Path;

use serde::Serialize;

use crate::config::NpcConfig;

/// What a row checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The fact must be stated (trust allows it).
    Fact,
    /// The fact must not be stated (trust is below its `min_trust`).
    Withheld,
    Chat,
    Adversarial,
}

/// One row of a question set.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub(crate) npc: String,
    pub(crate) trust: f32,
    pub kind: Kind,
    pub(crate) fact: Option<usize>,
    pub(crate) line: String,
    /// Line number in the file.
    pub(crate) at: usize,
}

/// Why a question set could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{file}:{line}: {message}")]
    Row {
        file: String,
        line: usize,
        message: String,
    },
}

/// Parses a question set: a header line, `#` comments, then `npc, trust, kind, fact, line`
/// separated by tabs. The line is kept as written (spaces too).
pub fn parse_set(file: &str, text: &str, cast: &[NpcConfig]) -> Result<Vec<Row>, SetError> {
    let mut rows = Vec::new();
    for (at, raw) in data_lines(text) {
        let bad = |message: String| row_error(file, at, message);
        let cols: Vec<&str> = raw.splitn(5, '\t').collect();
        let [npc, trust, kind, fact, line] = cols[..] else {
            return Err(bad(format!(
                "expected 5 tab-separated columns (npc, trust, kind, fact, line), found {}",
                cols.len()
            )));
        };
        let c = villager(cast, npc).ok_or_else(|| bad(format!("no villager named {npc:?}")))?;
        let trust: f32 = trust
            .trim()
            .parse()
            .ok()
            .filter(|t: &f32| (-1.0..=1.0).contains(t))
            .ok_or_else(|| bad(format!("trust {trust:?} is not a number in [-1, 1]")))?;
        let kind = match kind.trim() {
            "fact" => Kind::Fact,
            "withheld" => Kind::Withheld,
            "chat" => Kind::Chat,
            "adversarial" => Kind::Adversarial,
            k => return Err(bad(format!("unknown kind {k:?}"))),
        };
        let fact = match fact.trim() {
            "-" | "" => None,
            f => Some(
                f.parse::<usize>()
                    .ok()
                    .filter(|k| *k < c.knowledge.len())
                    .ok_or_else(|| bad(format!("{} has no knowledge entry {f:?}", c.name)))?,
            ),
        };
        if matches!(kind, Kind::Fact | Kind::Withheld) && fact.is_none() {
            return Err(bad("fact and withheld rows name a knowledge entry".into()));
        }
        rows.push(Row {
            npc: c.name.clone(),
            trust,
            kind,
            fact,
            line: line.to_string(),
            at,
        });
    }
    Ok(rows)
}

/// Reads a question set from a file.
pub fn load_set(path: &Path, cast: &[NpcConfig]) -> Result<Vec<Row>, SetError> {
    read_set(path, cast, parse_set)
}

/// The lines of a set that hold rows, with their line numbers: past the header line, `#`
/// comments and blank lines.
pub(super) fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
}

/// An error located at `file:line`.
pub(super) fn row_error(file: &str, line: usize, message: String) -> SetError {
    SetError::Row {
        file: file.into(),
        line,
        message,
    }
}

/// The villager of `cast` called `npc` (case and spaces aside).
pub(super) fn villager<'a>(cast: &'a [NpcConfig], npc: &str) -> Option<&'a NpcConfig> {
    cast.iter()
        .find(|c| c.name.eq_ignore_ascii_case(npc.trim()))
}

/// Reads a set file and parses it with `parse` (given the file's name for errors).
pub(super) fn read_set<T>(
    path: &Path,
    cast: &[NpcConfig],
    parse: fn(&str, &str, &[NpcConfig]) -> Result<T, SetError>,
) -> Result<T, SetError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| SetError::Io(path.display().to_string(), e))?;
    parse(&path.display().to_string(), &text, cast)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast() -> Vec<NpcConfig> {
        crate::config::files::load_cast(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/npcs")
                .as_path(),
            Path::new("no-mods"),
        )
        .0
    }

    #[test]
    fn rows_parse_with_located_errors() {
        let cast = cast();
        let text = "npc\ttrust\tkind\tfact\tline\n# c\nGreta\t1.0\tfact\t0\tseen a light?\n\
                    Pip\t0.5\tadversarial\t-\t   \n";
        let rows = parse_set("s.tsv", text, &cast).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].kind, rows[0].fact), (Kind::Fact, Some(0)));
        assert_eq!(rows[1].line, "   ");
        for (bad, want) in [
            ("Nobody\t1\tchat\t-\thi", "s.tsv:2: no villager"),
            ("Greta\t3\tchat\t-\thi", "s.tsv:2: trust"),
            (
                "Greta\t1\tfact\t9\thi",
                "s.tsv:2: Greta has no knowledge entry",
            ),
            ("Greta\t1\tfact\t-\thi", "s.tsv:2: fact and withheld"),
            ("Greta\t1\tchat", "s.tsv:2: expected 5"),
        ] {
            let e = parse_set("s.tsv", &format!("h\n{bad}\n"), &cast)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(want), "{e}");
        }
    }
}
