//! The dialogue model behind one interface: our own forward pass on the file's Q4_1 blocks (the
//! default), ours on the requantised Q8_0 copy, or candle's stock quantized llama on that copy, the
//! reference ours is checked against (`NPC_MINDS_LM_ENGINE=ours|candle`, or `npc-minds bench
//! dialogue --engine ...`). A [`Sequence`] is one conversation's state (its KV
//! cache); cloning it forks the conversation, which is how persona prefixes are cached.

use std::io::{Read, Seek};
use std::path::Path;
use std::sync::Arc;

use candle_core::quantized::gguf_file::Content;
use candle_core::{Device, Tensor};
use candle_transformers::models::quantized_llama::ModelWeights;

use super::error::LmError;
use super::{KvCache, Llama, Scratch};

/// Which implementation runs the model, and on which weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EngineKind {
    /// Our forward pass on the requantised Q8_0 weights (the ones candle runs).
    Ours,
    /// Our forward pass on the file's own Q4_1 blocks (the default: 111 MB read per token
    /// instead of 151).
    OursQ4,
    /// candle's quantized llama on the requantised Q8_0 weights (the reference).
    Candle,
}

impl EngineKind {
    /// `NPC_MINDS_LM_ENGINE` (`ours`, `ours-q4`, `candle`), else [`EngineKind::OursQ4`].
    pub(crate) fn from_env() -> Result<Self, String> {
        match std::env::var("NPC_MINDS_LM_ENGINE") {
            Err(_) => Ok(EngineKind::OursQ4),
            Ok(v) => <Self as clap::ValueEnum>::from_str(&v, true).map_err(|_| {
                format!("NPC_MINDS_LM_ENGINE={v:?} is not one of: ours, ours-q4, candle")
            }),
        }
    }

    /// Whether this engine reads the requantised Q8_0 copy.
    pub(crate) fn requantised(self) -> bool {
        self != EngineKind::OursQ4
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            EngineKind::Ours => "ours",
            EngineKind::OursQ4 => "ours-q4",
            EngineKind::Candle => "candle",
        }
    }
}

/// A loaded model.
pub(crate) enum Engine {
    Ours {
        model: Arc<Llama>,
        scratch: Scratch,
        kind: EngineKind,
    },
    Candle(ModelWeights),
}

/// One conversation's state.
#[derive(Clone)]
pub(crate) enum Sequence {
    Ours(KvCache),
    Candle(Box<ModelWeights>),
}

impl Engine {
    /// Reads the model in `ct` (parsed from `path`) for `kind`.
    pub(crate) fn read<R: Read + Seek>(
        kind: EngineKind,
        ct: Content,
        r: &mut R,
        path: &Path,
    ) -> Result<Self, LmError> {
        Ok(match kind {
            EngineKind::Candle => {
                Engine::Candle(ModelWeights::from_gguf(ct, r, &Device::Cpu).map_err(|e| {
                    LmError::Load {
                        path: path.display().to_string(),
                        message: e.to_string(),
                    }
                })?)
            }
            EngineKind::Ours | EngineKind::OursQ4 => Engine::Ours {
                model: Arc::new(super::read(&ct, r, path)?),
                scratch: Scratch::default(),
                kind,
            },
        })
    }

    /// What computes, for reports: engine, weight format and kernel.
    pub(crate) fn describe(&self) -> String {
        match self {
            Engine::Ours { model, kind, .. } => format!(
                "{} ({} weights, {} kernel, {:.0} MB read per token)",
                kind.name(),
                model.format(),
                model.kernel().name(),
                model.bytes_per_token() as f64 / 1e6
            ),
            Engine::Candle(_) => "candle (q8_0 weights, candle's kernels)".into(),
        }
    }

    /// Bytes of weights one decoded token reads (our engine; candle's is not counted).
    pub(crate) fn bytes_per_token(&self) -> Option<usize> {
        match self {
            Engine::Ours { model, .. } => Some(model.bytes_per_token()),
            Engine::Candle(_) => None,
        }
    }

    /// Computes with kernel `k` from now on (our engine only; tests compare kernels). Returns
    /// whether it could: a model shared with a live sequence keeps its kernel.
    pub(crate) fn set_kernel(&mut self, k: super::Kernel) -> bool {
        match self {
            Engine::Ours { model, .. } => Arc::get_mut(model).map(|m| m.set_kernel(k)).is_some(),
            Engine::Candle(_) => false,
        }
    }

    /// A new, empty conversation.
    pub(crate) fn start(&self) -> Sequence {
        match self {
            Engine::Ours { model, .. } => Sequence::Ours(model.new_cache()),
            Engine::Candle(m) => {
                let mut m = m.clone();
                m.clear_kv_cache();
                Sequence::Candle(Box::new(m))
            }
        }
    }

    /// Makes room in `seq` for `more` positions (our KV cache grows once, not per token).
    pub(crate) fn reserve(&self, seq: &mut Sequence, more: usize) {
        if let (Engine::Ours { model, .. }, Sequence::Ours(c)) = (self, seq) {
            c.reserve(&model.cfg, more);
        }
    }

    /// One decoding step for several sequences: `tokens[i]` goes at the end of `seqs[i]`; the
    /// logits after each come back in order (see [`Engine::step_feeds`]).
    pub(crate) fn step_batch(
        &mut self,
        seqs: &mut [&mut Sequence],
        tokens: &[u32],
        positions: &[usize],
    ) -> Result<Vec<Tensor>, LmError> {
        let feeds: Vec<&[u32]> = tokens.iter().map(std::slice::from_ref).collect();
        self.step_feeds(seqs, &feeds, positions)
    }

    /// One step for several sequences, each fed its own tokens (a decoded token, or a prompt
    /// being read): `feeds[i]` goes at the end of `seqs[i]`, which holds `positions[i]`; the
    /// logits after each feed's last token come back in order. Our engine does them in one
    /// forward step (the weights read once for all); candle's does them one after another.
    pub(crate) fn step_feeds(
        &mut self,
        seqs: &mut [&mut Sequence],
        feeds: &[&[u32]],
        positions: &[usize],
    ) -> Result<Vec<Tensor>, LmError> {
        if seqs.len() != feeds.len() || seqs.len() != positions.len() {
            return Err(LmError::Engine(
                "a batch needs one feed and one position per sequence".into(),
            ));
        }
        if let Engine::Ours { model, scratch, .. } = self {
            let mut batch = Vec::with_capacity(seqs.len());
            for ((seq, &tokens), &pos) in seqs.iter_mut().zip(feeds).zip(positions) {
                match &mut **seq {
                    Sequence::Ours(cache) if cache.len() == pos => {
                        batch.push(super::Feed { cache, tokens })
                    }
                    _ => {
                        return Err(LmError::Engine(
                            "a batched sequence is not at its position or not ours".into(),
                        ));
                    }
                }
            }
            let logits = model
                .forward_batch(&mut batch, scratch)
                .map_err(LmError::Engine)?;
            let vocab = logits.len() / feeds.len();
            return logits
                .chunks_exact(vocab)
                .map(|l| Ok(Tensor::from_slice(l, vocab, &Device::Cpu)?))
                .collect();
        }
        seqs.iter_mut()
            .zip(feeds)
            .zip(positions)
            .map(|((seq, &tokens), &pos)| self.forward(seq, tokens, pos))
            .collect()
    }

    /// Whether this engine can verify draft tokens ([`Engine::forward_every`],
    /// [`Engine::truncate`]): ours can; candle's keeps its cache inside the model and gives the
    /// logits after the last token only.
    pub(crate) fn verifies_drafts(&self) -> bool {
        matches!(self, Engine::Ours { .. })
    }

    /// Feeds `tokens` at position `pos` of `seq` and returns the logits after every one of them,
    /// `tokens.len()` rows of the vocabulary's width, from one forward step (our engine).
    pub(crate) fn forward_every(
        &mut self,
        seq: &mut Sequence,
        tokens: &[u32],
        pos: usize,
    ) -> Result<Vec<f32>, LmError> {
        match (self, seq) {
            (Engine::Ours { model, scratch, .. }, Sequence::Ours(cache)) if cache.len() == pos => {
                Ok(model
                    .forward_every(tokens, cache, scratch)
                    .map_err(LmError::Engine)?
                    .to_vec())
            }
            _ => Err(LmError::Engine(
                "draft tokens are verified by our engine, on a sequence at its position".into(),
            )),
        }
    }

    /// Cuts `seq` back to its first `len` positions (rejected draft tokens; our engine).
    pub(crate) fn truncate(&self, seq: &mut Sequence, len: usize) -> Result<(), LmError> {
        match seq {
            Sequence::Ours(cache) => {
                cache.truncate(len);
                Ok(())
            }
            Sequence::Candle(_) => Err(LmError::Engine(
                "candle's sequences cannot be cut back".into(),
            )),
        }
    }

    /// Feeds `tokens` at position `pos` of `seq` and returns the logits after the last one.
    pub(crate) fn forward(
        &mut self,
        seq: &mut Sequence,
        tokens: &[u32],
        pos: usize,
    ) -> Result<Tensor, LmError> {
        match (self, seq) {
            (Engine::Ours { model, scratch, .. }, Sequence::Ours(cache)) => {
                if cache.len() != pos {
                    return Err(LmError::Engine(format!(
                        "fed at position {pos} but the sequence holds {}",
                        cache.len()
                    )));
                }
                let logits = model
                    .forward(tokens, cache, scratch)
                    .map_err(LmError::Engine)?;
                Ok(Tensor::from_slice(logits, logits.len(), &Device::Cpu)?)
            }
            (Engine::Candle(_), Sequence::Candle(m)) => {
                let x = Tensor::new(tokens, &Device::Cpu)?.unsqueeze(0)?;
                Ok(m.forward(&x, pos)?.squeeze(0)?)
            }
            _ => Err(LmError::Engine(
                "a sequence was fed to another engine than the one that started it".into(),
            )),
        }
    }
}
