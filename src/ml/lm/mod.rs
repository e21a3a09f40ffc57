//! Our own forward pass for llama-family models (the dialogue model, SmolLM2): weights packed once
//! at load (`load`), the arithmetic in the `npc_kernels` crate (SIMD dot products chosen at run
//! time, parallel products on the caller's rayon pool), a KV cache per sequence that grows in
//! place, and scratch buffers reused from token to token. No Bevy types; candle is used only to
//! read the GGUF header. `engine` puts it and candle's stock model behind one interface.

pub mod chat;
pub(crate) mod draft;
pub mod engine;
pub mod error;
mod forward;
pub mod llama;
mod load;
pub mod model;
pub mod sample;
pub mod speed;
pub mod tokenizer;

use npc_kernels::attention;
use npc_kernels::blocks::{ActBlock, QK};
use npc_kernels::matmul::QMatrix;
use npc_kernels::ops::Rope;

pub(crate) use load::read;
pub use model::DialogueModel;
pub use npc_kernels::{self as kernels, Kernel};

/// The model's shape, from the GGUF metadata.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Config {
    pub(crate) layers: usize,
    pub(crate) dim: usize,
    pub(crate) hidden: usize,
    pub(crate) heads: usize,
    pub(crate) kv_heads: usize,
    pub(crate) head_dim: usize,
    pub(crate) rope_base: f32,
    pub(crate) eps: f32,
    /// Positions the model was trained for (the rotary tables cover them).
    pub(crate) context: usize,
}

impl Config {
    fn kv_dim(&self) -> usize {
        self.kv_heads * self.head_dim
    }
}

/// One transformer block's weights.
#[derive(Clone, Debug)]
pub(crate) struct Layer {
    pub(crate) attn_norm: Vec<f32>,
    pub(crate) q: QMatrix,
    pub(crate) k: QMatrix,
    pub(crate) v: QMatrix,
    pub(crate) o: QMatrix,
    pub(crate) ffn_norm: Vec<f32>,
    pub(crate) gate: QMatrix,
    pub(crate) up: QMatrix,
    pub(crate) down: QMatrix,
}

/// A loaded model: read-only, shared by every sequence.
#[derive(Debug)]
pub(crate) struct Llama {
    pub(crate) cfg: Config,
    embed: QMatrix,
    /// The output projection; `None` when tied to the embedding.
    output: Option<QMatrix>,
    norm: Vec<f32>,
    layers: Vec<Layer>,
    rope: Rope,
    kernel: Kernel,
}

/// One sequence's keys and values, per layer: keys in transposed tiles of positions
/// ([`attention::push_key`]), values in rows of `kv_heads·head_dim`.
#[derive(Clone, Debug, Default)]
pub(crate) struct KvCache {
    len: usize,
    k: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
}

impl KvCache {
    /// Positions held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Makes room for `more` positions at once, so that decoding does not reallocate.
    pub(crate) fn reserve(&mut self, cfg: &Config, more: usize) {
        let keys = attention::key_floats(self.len + more, cfg.kv_dim());
        for c in &mut self.k {
            c.reserve(keys.saturating_sub(c.len()));
        }
        for c in &mut self.v {
            c.reserve(more * cfg.kv_dim());
        }
    }
}

impl KvCache {
    /// Forgets every position from `len` on (draft tokens a verification rejected): the cache is
    /// then the one that read only its first `len` positions.
    pub(crate) fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let kv_dim = self.v.first().map_or(0, |v| v.len() / self.len.max(1));
        for k in &mut self.k {
            attention::truncate_keys(k, len, kv_dim);
        }
        for v in &mut self.v {
            v.truncate(len * kv_dim);
        }
        self.len = len;
    }
}

/// Tokens fed to one sequence in a forward step.
pub(crate) struct Feed<'a> {
    pub(crate) cache: &'a mut KvCache,
    pub(crate) tokens: &'a [u32],
}

/// Buffers one forward pass works in, kept between calls.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    x: Vec<f32>,
    h: Vec<f32>,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    att: Vec<f32>,
    proj: Vec<f32>,
    gate: Vec<f32>,
    up: Vec<f32>,
    acts: Vec<ActBlock>,
    logits: Vec<f32>,
}

impl Llama {
    pub(crate) fn new(
        cfg: Config,
        embed: QMatrix,
        output: Option<QMatrix>,
        norm: Vec<f32>,
        layers: Vec<Layer>,
    ) -> Result<Self, String> {
        let out_cols = output.as_ref().map_or(embed.cols, |o| o.cols);
        if embed.cols != cfg.dim || out_cols != cfg.dim || norm.len() != cfg.dim {
            return Err(format!("embedding width does not match dim {}", cfg.dim));
        }
        if !cfg.dim.is_multiple_of(QK) || !cfg.hidden.is_multiple_of(QK) {
            return Err(format!("widths must be multiples of {QK}: {cfg:?}"));
        }
        for (i, l) in layers.iter().enumerate() {
            let ok = l.q.rows == cfg.dim
                && l.k.rows == cfg.kv_dim()
                && l.v.rows == cfg.kv_dim()
                && l.o.rows == cfg.dim
                && l.gate.rows == cfg.hidden
                && l.up.rows == cfg.hidden
                && l.down.rows == cfg.dim
                && l.down.cols == cfg.hidden
                && l.attn_norm.len() == cfg.dim
                && l.ffn_norm.len() == cfg.dim;
            if !ok {
                return Err(format!("block {i}: weight shapes do not match {cfg:?}"));
            }
        }
        let mut model = Llama {
            rope: Rope::new(cfg.head_dim, cfg.rope_base, cfg.context),
            cfg,
            embed,
            output,
            norm,
            layers,
            kernel: Kernel::Scalar,
        };
        model.set_kernel(Kernel::best());
        Ok(model)
    }

    /// Computes with kernel `k` from now on (tests and benchmarks compare kernels), with every
    /// matrix laid out for it.
    pub(crate) fn set_kernel(&mut self, k: Kernel) {
        self.kernel = k;
        let layers = self.layers.iter_mut().flat_map(|l| {
            [
                &mut l.q,
                &mut l.k,
                &mut l.v,
                &mut l.o,
                &mut l.gate,
                &mut l.up,
                &mut l.down,
            ]
        });
        for m in layers.chain(&mut self.output).chain([&mut self.embed]) {
            m.prepare(k);
        }
    }

    pub(crate) fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The packed format of the block weights (`q8_0`, `q4_1`).
    pub(crate) fn format(&self) -> &'static str {
        self.layers.first().map_or("-", |l| l.q.format())
    }

    /// Bytes of weights one decoded token reads.
    pub(crate) fn bytes_per_token(&self) -> usize {
        let layers: usize = self
            .layers
            .iter()
            .map(|l| {
                [&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down]
                    .iter()
                    .map(|m| m.bytes())
                    .sum::<usize>()
            })
            .sum();
        layers + self.output.as_ref().unwrap_or(&self.embed).bytes()
    }

    /// An empty sequence.
    pub(crate) fn new_cache(&self) -> KvCache {
        KvCache {
            len: 0,
            k: vec![Vec::new(); self.cfg.layers],
            v: vec![Vec::new(); self.cfg.layers],
        }
    }
}
