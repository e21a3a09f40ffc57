//! The emotion head's training pipeline (`npc-minds train-emotion`): embed our dataset with the
//! pinned sentence encoder, train the head, score it on the held-out split (or, with `validate`,
//! on every 5th training sentence, for choosing settings), write it.

use std::path::PathBuf;

use super::EmotionError;
use super::data::{self, DataError, Example};
use super::train::{self, Evaluation, TrainSettings};
use crate::decide::EmotionLabel;
use crate::ml::encoder::{EncoderError, SentenceEncoder};
use crate::ml::model_files;

/// Why training stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PipelineError {
    #[error(transparent)]
    Model(#[from] EmotionError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("{0} test sentence(s) also appear in train.tsv; the test split must be held out")]
    Overlap(usize),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<EncoderError> for PipelineError {
    fn from(e: EncoderError) -> Self {
        PipelineError::Model(e.into())
    }
}

/// What to train on, where to write, and how.
#[derive(Clone, Debug)]
pub(crate) struct PipelineOptions {
    /// Folder with `train.tsv` and `test.tsv`.
    pub(crate) data: PathBuf,
    /// Score on every 5th training sentence instead of the test split; write nothing.
    pub(crate) validate: bool,
    pub(crate) out: PathBuf,
    pub(crate) settings: TrainSettings,
}

/// Sentences per forward pass when embedding a dataset or a burst of stdin lines.
pub(crate) const BATCH: usize = 32;

/// Embeds every example's text, `BATCH` at a time, reporting progress.
fn embed_all(
    encoder: &SentenceEncoder,
    examples: &[Example],
    what: &str,
) -> Result<Vec<Vec<f32>>, EncoderError> {
    let mut out = Vec::with_capacity(examples.len());
    for chunk in examples.chunks(BATCH) {
        let texts: Vec<&str> = chunk.iter().map(|e| e.text.as_str()).collect();
        out.extend(encoder.embed(&texts)?);
        eprint!("\rembedding {what}: {}/{}", out.len(), examples.len());
    }
    eprintln!();
    Ok(out)
}

/// Trains a head as `opts` says, prints the scores on the held-out (or validation) split and,
/// unless validating, writes the head. Progress goes to stderr.
pub(crate) fn train_and_evaluate(opts: &PipelineOptions) -> Result<Evaluation, PipelineError> {
    let models = model_files::models_dir();
    model_files::ensure(&models, "encoder", &mut |l| eprintln!("{l}"))
        .map_err(EmotionError::from)?;
    let (entry, dir) = super::encoder_files(&models).map_err(EmotionError::from)?;
    let encoder = SentenceEncoder::load(&dir).map_err(EmotionError::from)?;
    let mut train_set = data::load(&opts.data.join("train.tsv"))?;
    let mut test_set = data::load(&opts.data.join("test.tsv"))?;
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
        return Err(PipelineError::Overlap(overlap));
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
        &super::encoder_id(&entry),
        s,
        &mut |l| eprintln!("{l}"),
    )
    .map_err(EmotionError::from)?;
    let x = train::stack(&test_emb, encoder.dim).map_err(EmotionError::from)?;
    let (pred, vad) = train::predict(&head, &x).map_err(EmotionError::from)?;
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
        return Ok(eval);
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
        std::fs::create_dir_all(parent).map_err(|source| PipelineError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    head.save(&opts.out).map_err(EmotionError::from)?;
    eprintln!("wrote {}", opts.out.display());
    Ok(eval)
}
