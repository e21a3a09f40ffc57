//! `npc-minds train-emotion` (train the head on our dataset, score it on the held-out split) and
//! `npc-minds emotion` (classify stdin lines, one JSON object per line).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

use serde_json::{Map, Value, json};

use crate::inference::EmotionLabel;
use crate::ml::emotion::data::{self, Example};
use crate::ml::emotion::train::{self, TrainSettings};
use crate::ml::emotion::{self, EmotionClassifier, EmotionResult};
use crate::ml::encoder::SentenceEncoder;
use crate::ml::model_files;

/// Sentences per forward pass when embedding a dataset or a burst of stdin lines.
const BATCH: usize = 32;

/// Embeds every example's text, `BATCH` at a time, reporting progress.
fn embed_all(
    encoder: &SentenceEncoder,
    examples: &[Example],
    what: &str,
) -> Result<Vec<Vec<f32>>, String> {
    let mut out = Vec::with_capacity(examples.len());
    for chunk in examples.chunks(BATCH) {
        let texts: Vec<&str> = chunk.iter().map(|e| e.text.as_str()).collect();
        out.extend(encoder.embed(&texts).map_err(|e| e.to_string())?);
        eprint!("\rembedding {what}: {}/{}", out.len(), examples.len());
    }
    eprintln!();
    Ok(out)
}

/// Options of `train-emotion`.
pub struct TrainOptions {
    pub data: PathBuf,
    /// Hold out every 5th training sentence and score on it instead of the test split (for
    /// choosing settings without looking at the test split); writes nothing.
    pub validate: bool,
    pub out: PathBuf,
    pub settings: TrainSettings,
}

pub fn train_head(opts: TrainOptions) -> ExitCode {
    match try_train(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn try_train(opts: &TrainOptions) -> Result<(), String> {
    let models = model_files::models_dir();
    model_files::ensure(&models, "encoder", &mut |l| eprintln!("{l}"))
        .map_err(|e| e.to_string())?;
    let (entry, dir) = emotion::encoder_files(&models).map_err(|e| e.to_string())?;
    let encoder = SentenceEncoder::load(&dir).map_err(|e| e.to_string())?;
    let mut train_set = data::load(&opts.data.join("train.tsv")).map_err(|e| e.to_string())?;
    let mut test_set = data::load(&opts.data.join("test.tsv")).map_err(|e| e.to_string())?;
    if opts.validate {
        let (fit, held): (Vec<_>, Vec<_>) = train_set
            .into_iter()
            .enumerate()
            .partition(|(i, _)| i % 5 != 0);
        train_set = fit.into_iter().map(|(_, e)| e).collect();
        test_set = held.into_iter().map(|(_, e)| e).collect();
        eprintln!(
            "validation run: scoring on every 5th training sentence; the test split is not used"
        );
    }
    let overlap = test_set
        .iter()
        .filter(|t| {
            train_set
                .iter()
                .any(|e| e.text.eq_ignore_ascii_case(&t.text))
        })
        .count();
    if overlap > 0 {
        return Err(format!(
            "{overlap} test sentence(s) also appear in train.tsv; the test split must be held out"
        ));
    }
    eprintln!(
        "{} training and {} test sentences; per label (train) {:?}",
        train_set.len(),
        test_set.len(),
        EmotionLabel::ALL
            .iter()
            .zip(data::label_counts(&train_set))
            .map(|(l, n)| format!("{}={n}", l.name()))
            .collect::<Vec<_>>()
    );
    let train_emb = embed_all(&encoder, &train_set, "train")?;
    let test_emb = embed_all(&encoder, &test_set, "test")?;
    let s = &opts.settings;
    let mut head = train::train(
        &train_set,
        &train_emb,
        encoder.dim,
        &emotion::encoder_id(&entry),
        s,
        &mut |l| eprintln!("{l}"),
    )
    .map_err(|e| e.to_string())?;
    let x = train::stack(&test_emb, encoder.dim).map_err(|e| e.to_string())?;
    let (pred, vad) = train::predict(&head, &x).map_err(|e| e.to_string())?;
    let truth: Vec<EmotionLabel> = test_set.iter().map(|e| e.label).collect();
    let vad_true: Vec<[f32; 3]> = test_set.iter().map(|e| e.vad).collect();
    let eval = train::evaluate(&truth, &pred, &vad_true, &vad);
    let split = if opts.validate {
        "validation"
    } else {
        "held-out test"
    };
    println!("{split} split ({} sentences):", test_set.len());
    print!("{}", eval.table());
    if opts.validate {
        return Ok(());
    }
    head.meta.notes = vec![
        ("seed".into(), s.seed.to_string()),
        ("epochs".into(), s.epochs.to_string()),
        ("train_examples".into(), train_set.len().to_string()),
        ("test_examples".into(), test_set.len().to_string()),
        ("test_accuracy".into(), format!("{:.4}", eval.accuracy)),
        ("test_macro_f1".into(), format!("{:.4}", eval.macro_f1)),
    ];
    if let Some(parent) = opts.out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    head.save(&opts.out).map_err(|e| e.to_string())?;
    eprintln!("wrote {}", opts.out.display());
    Ok(())
}

/// One output line of `npc-minds emotion`.
pub fn result_json(text: &str, r: &EmotionResult) -> Value {
    let scores: Map<String, Value> = EmotionLabel::ALL
        .iter()
        .zip(r.scores)
        .map(|(l, p)| (l.name().to_string(), json!(round(p))))
        .collect();
    let mut v = json!({
        "text": text,
        "label": r.label.name(),
        "scores": scores,
        "valence": round(r.vad[0]),
        "arousal": round(r.vad[1]),
        "dominance": round(r.vad[2]),
    });
    if let Some(w) = &r.warning {
        v["warning"] = json!(w);
    }
    v
}

fn round(x: f32) -> f64 {
    (x as f64 * 10_000.0).round() / 10_000.0
}

/// A line read from stdin: its number and text, or why it is not text.
type Line = (usize, Result<String, String>);

/// Reads stdin lines on a thread, so that lines already typed or piped are classified together
/// and an interactive line is answered at once.
fn read_lines() -> mpsc::Receiver<Line> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = Vec::new();
        for n in 1.. {
            buf.clear();
            match stdin.read_until(b'\n', &mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    let _ = tx.send((n, Err(format!("cannot read stdin: {e}"))));
                    break;
                }
            }
            while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                buf.pop();
            }
            let line = String::from_utf8(buf.clone()).map_err(|e| {
                format!(
                    "line {n} is not valid UTF-8 (bad byte at offset {}); it was skipped",
                    e.utf8_error().valid_up_to()
                )
            });
            if tx.send((n, line)).is_err() {
                break;
            }
        }
    });
    rx
}

pub fn classify_stdin(head: Option<&Path>) -> ExitCode {
    let models = model_files::models_dir();
    let loaded = match head {
        Some(h) => model_files::ensure(&models, "encoder", &mut |l| eprintln!("{l}"))
            .map_err(emotion::EmotionError::from)
            .and_then(|_| EmotionClassifier::load(&models, h)),
        None => EmotionClassifier::load_default(&mut |l| eprintln!("{l}")),
    };
    let classifier = match loaded {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rx = read_lines();
    let mut out = std::io::stdout().lock();
    while let Ok(first) = rx.recv() {
        let mut lines = vec![first];
        while lines.len() < BATCH {
            match rx.try_recv() {
                Ok(l) => lines.push(l),
                Err(_) => break,
            }
        }
        let texts: Vec<&str> = lines
            .iter()
            .map(|(_, l)| l.as_deref().unwrap_or(""))
            .collect();
        let results = match classifier.classify(&texts) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        for ((n, line), r) in lines.iter().zip(results) {
            let v = match line {
                Ok(text) => result_json(text, &r),
                Err(e) => {
                    eprintln!("warning: {e}");
                    json!({ "line": n, "error": e })
                }
            };
            if writeln!(out, "{v}").and_then(|_| out.flush()).is_err() {
                return ExitCode::SUCCESS; // the reader went away (e.g. `| head`)
            }
        }
    }
    ExitCode::SUCCESS
}
