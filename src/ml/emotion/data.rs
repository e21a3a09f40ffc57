//! The labelled emotion dataset: TSV files with a header `text label valence arousal dominance`.
//! Bad rows are reported as `file:line: problem`, all of them at once.

use std::path::Path;

use crate::decide::EmotionLabel;

/// One labelled sentence.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub text: String,
    pub label: EmotionLabel,
    pub vad: [f32; 3],
}

/// The expected header.
pub(crate) const HEADER: &str = "text\tlabel\tvalence\tarousal\tdominance";

/// Why the dataset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{}", .0.join("\n"))]
    Rows(Vec<String>),
}

/// Parses the text of one TSV file; `name` prefixes error messages.
pub(crate) fn parse(name: &str, text: &str) -> Result<Vec<Example>, DataError> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim_end() == HEADER => {}
        _ => errors.push(format!(
            "{name}:1: the first line must be the header {HEADER:?}"
        )),
    }
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{name}:{}", i + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != 5 {
            errors.push(format!("{at}: {} fields, expected 5", fields.len()));
            continue;
        }
        let Some(label) = EmotionLabel::parse(fields[1]) else {
            errors.push(format!("{at}: unknown label {:?}", fields[1]));
            continue;
        };
        let mut vad = [0.0f32; 3];
        let mut ok = true;
        for (v, f) in vad.iter_mut().zip(&fields[2..]) {
            match f.trim().parse::<f32>() {
                Ok(x) if (-1.0..=1.0).contains(&x) => *v = x,
                _ => {
                    errors.push(format!("{at}: {f:?} is not a number in [-1, 1]"));
                    ok = false;
                }
            }
        }
        let text = fields[0].trim();
        if text.is_empty() {
            errors.push(format!("{at}: empty text"));
            ok = false;
        }
        if ok {
            out.push(Example {
                text: text.to_string(),
                label,
                vad,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(DataError::Rows(errors))
    }
}

/// Reads one TSV file.
pub fn load(path: &Path) -> Result<Vec<Example>, DataError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| DataError::Io(path.display().to_string(), e))?;
    parse(&path.display().to_string(), &text)
}

/// How many examples each label has, in [`EmotionLabel::ALL`] order.
pub fn label_counts(examples: &[Example]) -> [usize; 7] {
    let mut n = [0; 7];
    for e in examples {
        n[e.label.index()] += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_reports_every_bad_one() {
        let good = format!("{HEADER}\nThank you!\tjoy\t0.8\t0.4\t0.3\n\n");
        let rows = parse("t.tsv", &good).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].label, EmotionLabel::Joy);
        let bad = format!("{HEADER}\nhi\tglee\t0\t0\t0\nhi\tjoy\t2\t0\t0\nonly\tthree\tfields\n");
        let DataError::Rows(errors) = parse("t.tsv", &bad).unwrap_err() else {
            panic!("expected row errors");
        };
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].starts_with("t.tsv:2: unknown label"));
        assert!(errors[1].starts_with("t.tsv:3:"));
        assert!(parse("t.tsv", "no header\n").is_err());
    }
}
