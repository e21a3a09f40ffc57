//! `npc-minds bench emotion`: latency of one sentence and throughput of batches of 32.

use std::process::ExitCode;

use serde::Serialize;

use super::{BenchArgs, median, print};
use crate::inference::metrics::percentile;
use crate::ml::emotion::{EmotionClassifier, HEAD_FILE};
use crate::ml::encoder::EncoderPath;
use crate::ml::lm::Kernel;
use crate::ml::model_files;

/// Arguments of the emotion benchmark.
#[derive(Debug, clap::Args)]
pub struct EmotionBenchArgs {
    #[command(flatten)]
    pub(crate) common: BenchArgs,
    /// Also measure the classifier on candle's stock BERT (the reference), side by side: the runs
    /// of both are interleaved.
    #[arg(long)]
    pub(crate) reference: bool,
    /// Our encoder's kernel (`scalar`, `avx2`, `avx512-vnni`; one this CPU lacks is refused).
    /// Default: the encoder path this CPU gets (ours on AVX-512, candle's otherwise).
    #[arg(long, value_parser = Kernel::from_name)]
    pub(crate) kernel: Option<Kernel>,
}

/// Figures of `bench emotion` (medians).
#[derive(Debug, Serialize)]
pub(crate) struct EmotionBench {
    pub(crate) model: String,
    /// The encoder's forward pass (`ours (avx512-vnni)`, or `candle` on CPUs without AVX-512).
    pub(crate) encoder: String,
    pub(crate) threads: usize,
    pub(crate) runs: usize,
    /// One sentence per forward pass.
    pub(crate) single_ms: f64,
    pub(crate) single_p90_ms: f64,
    pub(crate) batch_size: usize,
    /// A batch of `batch_size` sentences per forward pass.
    pub(crate) batch_ms: f64,
    pub(crate) batch_sentences_per_s: f64,
    /// With `--reference`: the same on candle's BERT, measured in the same runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reference: Option<EmotionFigures>,
}

/// One encoder's figures (medians).
#[derive(Debug, Serialize)]
pub(crate) struct EmotionFigures {
    pub(crate) encoder: String,
    pub(crate) single_ms: f64,
    pub(crate) single_p90_ms: f64,
    pub(crate) batch_ms: f64,
    pub(crate) batch_sentences_per_s: f64,
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

pub(crate) fn run(a: EmotionBenchArgs) -> anyhow::Result<ExitCode> {
    let models = model_files::models_dir();
    model_files::ensure(&models, "encoder", &mut |l| eprintln!("{l}"))?;
    let head = models.join(HEAD_FILE);
    let path = a.kernel.map_or(EncoderPath::best(), EncoderPath::Kernels);
    let mut classifiers = vec![EmotionClassifier::load_with(&models, &head, path)?];
    if a.reference {
        classifiers.push(EmotionClassifier::load_with(
            &models,
            &head,
            EncoderPath::Candle,
        )?);
    }
    let batch: Vec<&str> = SENTENCES.iter().cycle().take(32).copied().collect();
    let runs = a.common.runs.unwrap_or(20).max(1);
    let mut single = vec![Vec::new(); classifiers.len()];
    let mut batched = vec![Vec::new(); classifiers.len()];
    for run in 0..=runs {
        for (i, c) in classifiers.iter().enumerate() {
            for s in SENTENCES {
                let t = std::time::Instant::now();
                c.classify(&[s])?;
                if run > 0 {
                    single[i].push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
            let t = std::time::Instant::now();
            c.classify(&batch)?;
            if run > 0 {
                batched[i].push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    let mut figures: Vec<EmotionFigures> = classifiers
        .iter()
        .zip(single)
        .zip(batched)
        .map(|((c, mut single), batched)| {
            let batch_ms = median(batched);
            single.sort_by(f64::total_cmp);
            EmotionFigures {
                encoder: c.encoder.path().name(),
                single_ms: median(single.clone()),
                single_p90_ms: percentile(&single, 0.9),
                batch_ms,
                batch_sentences_per_s: batch.len() as f64 / (batch_ms / 1e3),
            }
        })
        .collect();
    let reference = (figures.len() > 1).then(|| figures.remove(1));
    let ours = figures.remove(0);
    let r = EmotionBench {
        model: classifiers[0].model_id(),
        encoder: ours.encoder,
        threads: a.common.threads,
        runs,
        single_ms: ours.single_ms,
        single_p90_ms: ours.single_p90_ms,
        batch_size: batch.len(),
        batch_ms: ours.batch_ms,
        batch_sentences_per_s: ours.batch_sentences_per_s,
        reference,
    };
    print(&r, a.common.json)
}
