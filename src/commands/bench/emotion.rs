//! `npc-minds bench emotion`: latency of one sentence and throughput of batches of 32.

use std::process::ExitCode;

use serde::Serialize;

use super::{median, print};
use crate::inference::metrics::percentile;

/// Figures of `bench emotion` (medians).
#[derive(Debug, Serialize)]
pub struct EmotionBench {
    pub model: String,
    pub threads: usize,
    pub runs: usize,
    /// One sentence per forward pass.
    pub single_ms: f64,
    pub single_p90_ms: f64,
    pub batch_size: usize,
    /// A batch of `batch_size` sentences per forward pass.
    pub batch_ms: f64,
    pub batch_sentences_per_s: f64,
}

/// What players typically type, of mixed length.
const SENTENCES: [&str; 8] = [
    "Good morning! How are you today?",
    "You useless old fool, get out of my way before I knock you down.",
    "Please help me, there are wolves behind the mill and I can't see in the dark!",
    "Thank you so much for the bread, it was the best I have ever eaten.",
    "My brother never came back from the woods last winter.",
    "Wait, the mayor's bell is gone? Since when?",
    "That stew smells like something died in it.",
    "Where can I find the blacksmith?",
];

pub fn run(threads: usize, runs: usize, json: bool) -> anyhow::Result<ExitCode> {
    let classifier =
        crate::ml::emotion::EmotionClassifier::load_default(&mut |l| eprintln!("{l}"))?;
    let batch: Vec<&str> = SENTENCES.iter().cycle().take(32).copied().collect();
    let runs = runs.max(1);
    let (mut single, mut batched) = (Vec::new(), Vec::new());
    for run in 0..=runs {
        for s in SENTENCES {
            let t = std::time::Instant::now();
            classifier.classify(&[s])?;
            if run > 0 {
                single.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        let t = std::time::Instant::now();
        classifier.classify(&batch)?;
        if run > 0 {
            batched.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    let batch_ms = median(batched);
    let r = EmotionBench {
        model: classifier.model_id(),
        threads,
        runs,
        single_ms: median(single.clone()),
        single_p90_ms: {
            single.sort_by(f64::total_cmp);
            percentile(&single, 0.9)
        },
        batch_size: batch.len(),
        batch_ms,
        batch_sentences_per_s: batch.len() as f64 / (batch_ms / 1e3),
    };
    print(&r, json)
}
