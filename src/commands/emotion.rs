//! `npc-minds emotion` (classify stdin lines, one JSON object per line) and `npc-minds
//! train-emotion` (the pipeline in `ml::emotion::pipeline`).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use serde_json::{Map, Value, json};

use crate::decide::EmotionLabel;
use crate::ml::emotion::pipeline::{self, BATCH, PipelineOptions};
use crate::ml::emotion::train::TrainSettings;
use crate::ml::emotion::{self, EmotionClassifier, EmotionResult};
use crate::ml::model_files;

/// Arguments of `npc-minds emotion`.
#[derive(Debug, clap::Args)]
pub struct EmotionArgs {
    /// A head other than models/emotion_head.safetensors.
    #[arg(long, value_name = "FILE")]
    pub(crate) head: Option<PathBuf>,
    /// Threads for the model.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

/// Arguments of `npc-minds train-emotion`.
#[derive(Debug, clap::Args)]
pub struct TrainEmotionArgs {
    /// Folder with train.tsv and test.tsv.
    #[arg(long, default_value = "assets/datasets/emotion")]
    pub(crate) data: PathBuf,
    /// Where to write the head.
    #[arg(long, default_value = "models/emotion_head.safetensors")]
    pub(crate) out: PathBuf,
    #[arg(long, default_value_t = TrainSettings::default().seed)]
    pub(crate) seed: u64,
    #[arg(long, default_value_t = TrainSettings::default().epochs)]
    pub(crate) epochs: usize,
    /// Hidden units of the head.
    #[arg(long, default_value_t = TrainSettings::default().hidden)]
    pub(crate) hidden: usize,
    /// Dropout probability of hidden units while training.
    #[arg(long, default_value_t = TrainSettings::default().dropout)]
    pub(crate) dropout: f32,
    #[arg(long, default_value_t = TrainSettings::default().weight_decay)]
    pub(crate) weight_decay: f64,
    /// Score on every 5th training sentence instead of the test split, write nothing (for
    /// choosing the settings above).
    #[arg(long)]
    pub(crate) validate: bool,
}

/// `npc-minds train-emotion`.
pub fn train(a: TrainEmotionArgs) -> anyhow::Result<ExitCode> {
    let settings = TrainSettings {
        seed: a.seed,
        epochs: a.epochs,
        hidden: a.hidden,
        dropout: a.dropout,
        weight_decay: a.weight_decay,
        ..TrainSettings::default()
    };
    pipeline::train_and_evaluate(&PipelineOptions {
        data: a.data,
        validate: a.validate,
        out: a.out,
        settings,
    })?;
    Ok(ExitCode::SUCCESS)
}

/// One output line of `npc-minds emotion`.
pub(crate) fn result_json(text: &str, r: &EmotionResult) -> Value {
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

/// `npc-minds emotion`.
pub fn classify(a: EmotionArgs) -> anyhow::Result<ExitCode> {
    let models = model_files::models_dir();
    let classifier = match &a.head {
        Some(h) => {
            model_files::ensure(&models, "encoder", &mut |l| eprintln!("{l}"))
                .map_err(emotion::EmotionError::from)?;
            EmotionClassifier::load(&models, h)?
        }
        None => EmotionClassifier::load_default(&mut |l| eprintln!("{l}"))?,
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
        let results = classifier.classify(&texts)?;
        for ((n, line), r) in lines.iter().zip(results) {
            let v = match line {
                Ok(text) => result_json(text, &r),
                Err(e) => {
                    eprintln!("warning: {e}");
                    json!({ "line": n, "error": e })
                }
            };
            if writeln!(out, "{v}").and_then(|_| out.flush()).is_err() {
                return Ok(ExitCode::SUCCESS); // the reader went away (e.g. `| head`)
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
