//! Emotion detection: the sentence encoder plus our trained head, its dataset and its training.
//! [`EmotionClassifier`] turns text into a label, a probability per label and valence/arousal/
//! dominance; [`EmotionBackend`] serves it on the emotion lane. No Bevy types.

pub mod data;
pub mod head;
pub mod pipeline;
pub mod train;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::{Device, Tensor};

use super::encoder::{EncoderError, EncoderPath, SentenceEncoder};
use super::model_files::{self, FetchError, ModelEntry};
use crate::decide::EmotionLabel;
use crate::inference::backends::fail_batch;
use crate::inference::{
    Backend, BackendFactory, InferenceError, JobInput, JobOutput, StreamContext, factory,
};
use head::{EmotionHead, HeadError};

/// File name of the trained head under `models/` (committed: it is small).
pub const HEAD_FILE: &str = "emotion_head.safetensors";
/// Longer text is cut to this many characters before tokenising (the encoder reads at most 256
/// word pieces anyway); the result carries a warning.
pub(crate) const MAX_CHARS: usize = 2000;

/// Why the classifier could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum EmotionError {
    #[error(transparent)]
    Files(#[from] FetchError),
    #[error(transparent)]
    Encoder(#[from] EncoderError),
    #[error(transparent)]
    Head(#[from] HeadError),
    #[error("emotion head: {0}")]
    Candle(#[from] candle_core::Error),
}

/// The emotion read from one text.
#[derive(Clone, Debug, PartialEq)]
pub struct EmotionResult {
    pub label: EmotionLabel,
    /// Probability per label, in [`EmotionLabel::ALL`] order.
    pub scores: [f32; 7],
    pub vad: [f32; 3],
    /// Set when the text was not classified as given (empty, cut, not in a Latin script).
    pub warning: Option<String>,
}

impl EmotionResult {
    /// The result for text the model should not or cannot read.
    pub(crate) fn neutral(warning: Option<String>) -> Self {
        let mut scores = [0.0; 7];
        scores[EmotionLabel::Neutral.index()] = 1.0;
        EmotionResult {
            label: EmotionLabel::Neutral,
            scores,
            vad: [0.0; 3],
            warning,
        }
    }
}

/// The id a head must be trained for: the pinned encoder package and version.
pub(crate) fn encoder_id(entry: &ModelEntry) -> String {
    format!("{}=={}", entry.package, entry.version)
}

/// The encoder's entry in the manifest and the folder its files are in.
pub(crate) fn encoder_files(models: &Path) -> Result<(ModelEntry, PathBuf), FetchError> {
    let entry = model_files::read_manifest(models)?
        .into_iter()
        .find(|e| e.id == "encoder")
        .ok_or_else(|| FetchError::UnknownModel("encoder".into()))?;
    let first = entry.files.first().map(|f| f.path.as_str()).unwrap_or("");
    let dir = models.join(Path::new(first).parent().unwrap_or(Path::new("")));
    Ok((entry, dir))
}

/// What to do with one text before the model sees it.
enum Prepared {
    Read {
        text: String,
        warning: Option<String>,
    },
    Skip(EmotionResult),
}

/// True when most letters are outside the Latin script (the encoder was trained on English).
fn mostly_non_latin(text: &str) -> bool {
    let (mut latin, mut other) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        if c.is_ascii_alphabetic() || ('\u{00C0}'..='\u{024F}').contains(&c) {
            latin += 1;
        } else {
            other += 1;
        }
    }
    other > latin
}

fn prepare(text: &str) -> Prepared {
    let text = text.trim();
    if text.is_empty() {
        return Prepared::Skip(EmotionResult::neutral(None));
    }
    if !text.chars().any(char::is_alphanumeric) {
        return Prepared::Skip(EmotionResult::neutral(Some(
            "no words in the text; read as neutral".into(),
        )));
    }
    if mostly_non_latin(text) {
        return Prepared::Skip(EmotionResult::neutral(Some(
            "the text is not in a Latin script and the emotion model reads English only; \
             read as neutral"
                .into(),
        )));
    }
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => Prepared::Read {
            text: text[..cut].to_string(),
            warning: Some(format!(
                "text longer than {MAX_CHARS} characters: only its start was read"
            )),
        },
        None => Prepared::Read {
            text: text.to_string(),
            warning: None,
        },
    }
}

/// Softmax of one row of logits.
fn softmax(row: &[f32]) -> [f32; 7] {
    let max = row.iter().copied().fold(f32::MIN, f32::max);
    let mut out = [0.0f32; 7];
    let mut sum = 0.0;
    for (o, x) in out.iter_mut().zip(row) {
        *o = (x - max).exp();
        sum += *o;
    }
    out.iter_mut().for_each(|o| *o /= sum);
    out
}

/// Encoder + head.
pub struct EmotionClassifier {
    /// Shared where another part of the program embeds text too (the service's dialogue workers).
    pub(crate) encoder: Arc<SentenceEncoder>,
    pub head: EmotionHead,
    encoder_id: String,
}

impl EmotionClassifier {
    /// Loads the pinned encoder (it must have been fetched) and the head at `head_path`, checking
    /// that the head was trained for this encoder.
    pub fn load(models: &Path, head_path: &Path) -> Result<Self, EmotionError> {
        Self::load_with(models, head_path, EncoderPath::best())
    }

    /// As [`EmotionClassifier::load`], with the encoder on the given forward pass.
    pub(crate) fn load_with(
        models: &Path,
        head_path: &Path,
        path: EncoderPath,
    ) -> Result<Self, EmotionError> {
        let (_, dir) = encoder_files(models)?;
        Self::with_encoder(
            models,
            head_path,
            Arc::new(SentenceEncoder::load_with(&dir, path)?),
        )
    }

    /// The head at `head_path` on an encoder already loaded (from the pinned files in `models`).
    pub(crate) fn with_encoder(
        models: &Path,
        head_path: &Path,
        encoder: Arc<SentenceEncoder>,
    ) -> Result<Self, EmotionError> {
        let (entry, _) = encoder_files(models)?;
        let encoder_id = encoder_id(&entry);
        let head = EmotionHead::load(head_path, &encoder_id, encoder.dim)?;
        Ok(EmotionClassifier {
            encoder,
            head,
            encoder_id,
        })
    }

    /// Loads from the default models folder, fetching the encoder first when it is missing.
    pub(crate) fn load_default(log: &mut dyn FnMut(&str)) -> Result<Self, EmotionError> {
        let models = model_files::models_dir();
        model_files::ensure(&models, "encoder", log)?;
        Self::load(&models, &models.join(HEAD_FILE))
    }

    /// Identifies encoder and head in records and reports.
    pub(crate) fn model_id(&self) -> String {
        format!("emotion:{}+head", self.encoder_id)
    }

    /// Classifies every text in one forward pass. Empty text is neutral; text the model cannot
    /// read is neutral with a warning.
    pub fn classify(&self, texts: &[&str]) -> Result<Vec<EmotionResult>, EmotionError> {
        let prepared: Vec<Prepared> = texts.iter().map(|t| prepare(t)).collect();
        let to_read: Vec<&str> = prepared
            .iter()
            .filter_map(|p| match p {
                Prepared::Read { text, .. } => Some(text.as_str()),
                Prepared::Skip(_) => None,
            })
            .collect();
        let mut read = Vec::new();
        if !to_read.is_empty() {
            let emb = self.encoder.embed(&to_read)?;
            let rows = emb.len();
            let flat: Vec<f32> = emb.into_iter().flatten().collect();
            let x = Tensor::from_vec(flat, (rows, self.encoder.dim), &Device::Cpu)?;
            let out = self.head.forward(&x, None)?;
            let logits = out.logits.to_vec2::<f32>()?;
            let vads = out.vad.to_vec2::<f32>()?;
            read = logits.into_iter().zip(vads).collect();
        }
        let mut read = read.into_iter();
        Ok(prepared
            .into_iter()
            .map(|p| match p {
                Prepared::Skip(r) => r,
                Prepared::Read { warning, .. } => {
                    let (logits, vad) = read.next().expect("one row per text read");
                    let scores = softmax(&logits);
                    let best = (0..7).fold(0, |b, i| if scores[i] > scores[b] { i } else { b });
                    EmotionResult {
                        label: EmotionLabel::ALL[best],
                        scores,
                        vad: [vad[0], vad[1], vad[2]],
                        warning,
                    }
                }
            })
            .collect())
    }
}

/// Builds the emotion lane's backend from the pinned encoder in `models` and the head at `head`.
pub fn backend_factory(models: PathBuf, head: PathBuf) -> BackendFactory {
    factory(move || {
        EmotionClassifier::load(&models, &head)
            .map(EmotionBackend)
            .map_err(|e| InferenceError::Unavailable(e.to_string()))
    })
}

/// As [`backend_factory`], on the encoder `encoder` hands out (loaded once and shared with other
/// lanes; `None` when it could not be loaded).
pub(crate) fn backend_factory_sharing(
    models: PathBuf,
    head: PathBuf,
    encoder: impl Fn() -> Option<Arc<SentenceEncoder>> + Send + Sync + 'static,
) -> BackendFactory {
    factory(move || {
        let e = encoder().ok_or_else(|| {
            InferenceError::Unavailable("the sentence encoder could not be loaded".into())
        })?;
        EmotionClassifier::with_encoder(&models, &head, e)
            .map(EmotionBackend)
            .map_err(|e| InferenceError::Unavailable(e.to_string()))
    })
}

/// The classifier as the emotion lane's backend.
pub(crate) struct EmotionBackend(pub EmotionClassifier);

impl Backend for EmotionBackend {
    fn model_id(&self) -> String {
        self.0.model_id()
    }

    fn infer(
        &mut self,
        batch: &[JobInput],
        _ctx: &mut dyn StreamContext,
    ) -> Vec<Result<JobOutput, InferenceError>> {
        let texts = crate::inference::backends::emotion_texts(batch);
        let results = match self.0.classify(&texts) {
            Ok(r) => r,
            Err(e) => {
                return fail_batch(batch, e);
            }
        };
        batch
            .iter()
            .zip(results)
            .map(|(input, r)| {
                if !matches!(input, JobInput::Emotion { .. }) {
                    return Err(InferenceError::WrongInput);
                }
                if let Some(w) = &r.warning {
                    tracing::warn!("emotion: {w}");
                }
                Ok(JobOutput::Emotion {
                    label: r.label,
                    scores: r.scores.to_vec(),
                    vad: r.vad,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_the_model_cannot_read_is_neutral_with_a_warning() {
        assert!(matches!(prepare("   "), Prepared::Skip(r) if r.warning.is_none()));
        assert!(matches!(prepare("!!! ???"), Prepared::Skip(r) if r.warning.is_some()));
        assert!(
            matches!(prepare("Доброе утро, как дела?"), Prepared::Skip(r) if r.warning.is_some())
        );
        assert!(matches!(prepare("村の鐘が盗まれた"), Prepared::Skip(r) if r.warning.is_some()));
        assert!(matches!(
            prepare("Grüß Gott, schöner Tag!"),
            Prepared::Read { warning: None, .. }
        ));
        let long = "é".repeat(MAX_CHARS + 10);
        let Prepared::Read { text, warning } = prepare(&long) else {
            panic!("long Latin text is read");
        };
        assert_eq!(text.chars().count(), MAX_CHARS);
        assert!(warning.is_some());
    }

    #[test]
    fn softmax_sums_to_one() {
        let p = softmax(&[1.0, 2.0, 3.0, 0.0, -1.0, 0.5, 0.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!(p[2] > p[1] && p[1] > p[0]);
    }
}
