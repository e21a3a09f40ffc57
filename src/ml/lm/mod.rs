//! Our own forward pass for llama-family models (the dialogue model, SmolLM2): weights packed once
//! at load (`load`), the arithmetic in the `npc_kernels` crate (SIMD dot products chosen at run
//! time, parallel products on the caller's rayon pool), a KV cache per sequence that grows in
//! place, and scratch buffers reused from token to token. No Bevy types; candle is used only to
//! read the GGUF header. `engine` puts it and candle's stock model behind one interface.

pub mod chat;
pub mod engine;
pub mod error;
pub mod llama;
mod load;
pub mod model;
pub mod sample;
pub mod speed;
pub mod tokenizer;

use npc_kernels::attention::{self, Heads, Span, push_key};
use npc_kernels::blocks::{ActBlock, QK, quantize_activations};
use npc_kernels::matmul::{Product, QMatrix, product, products};
use npc_kernels::ops::{self, Rope};

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

fn sized<T: Clone + Default>(v: &mut Vec<T>, n: usize) -> &mut [T] {
    v.resize(n, T::default());
    &mut v[..n]
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

    /// Feeds `tokens` at the end of `cache` and returns the next-token logits after the last
    /// one. Runs on the current rayon pool.
    pub(crate) fn forward<'s>(
        &self,
        tokens: &[u32],
        cache: &mut KvCache,
        s: &'s mut Scratch,
    ) -> Result<&'s [f32], String> {
        self.forward_batch(&mut [Feed { cache, tokens }], s)
    }

    /// One step for several sequences at once: each feed's tokens go at the end of its cache, and
    /// the logits after each feed's last token come back (`feeds.len() × vocab`, in feed order).
    /// Every weight matrix is read once for all the rows. Runs on the current rayon pool.
    pub(crate) fn forward_batch<'s>(
        &self,
        feeds: &mut [Feed<'_>],
        s: &'s mut Scratch,
    ) -> Result<&'s [f32], String> {
        let rows = self.rows(feeds)?;
        let d = self.cfg.dim;
        // The residual stream, out of the scratch while the layers borrow the rest of it.
        let mut xs = std::mem::take(&mut s.x);
        let x = sized(&mut xs, rows.len() * d);
        let ids = feeds.iter().flat_map(|f| f.tokens.iter());
        for (row, &id) in x.chunks_exact_mut(d).zip(ids) {
            self.embed.dequantize_row(id as usize, row);
        }
        for (li, l) in self.layers.iter().enumerate() {
            self.attention_block(li, l, x, &rows, feeds, s);
            self.feed_forward_block(l, x, s);
        }
        self.last_rows(feeds, x, s);
        s.x = xs;
        // The output projection for every feed's last row at once.
        let (n, k) = (feeds.len(), self.kernel);
        let acts = sized(&mut s.acts, n * d / QK);
        quantize_activations(&s.h[..n * d], acts);
        let out = self.output.as_ref().unwrap_or(&self.embed);
        let logits = sized(&mut s.logits, n * out.rows);
        product(k, out, acts, n, logits);
        Ok(logits)
    }

    /// (feed, position) of every row, feeds one after another; an error for a feed this model
    /// cannot take (empty, past the context, another model's cache, a token outside the vocabulary).
    fn rows(&self, feeds: &[Feed<'_>]) -> Result<Vec<(usize, usize)>, String> {
        let mut rows: Vec<(usize, usize)> = Vec::new();
        for (f, feed) in feeds.iter().enumerate() {
            if feed.tokens.is_empty() {
                return Err("no tokens to feed".into());
            }
            let end = feed.cache.len + feed.tokens.len();
            if end > self.rope.positions() {
                return Err(format!(
                    "{end} positions exceed the model's context of {}",
                    self.rope.positions()
                ));
            }
            if feed.cache.k.len() != self.cfg.layers {
                return Err("the cache was not made by this model".into());
            }
            if let Some(&bad) = feed
                .tokens
                .iter()
                .find(|&&id| id as usize >= self.embed.rows)
            {
                return Err(format!("token {bad} is outside the vocabulary"));
            }
            rows.extend((feed.cache.len..end).map(|p| (f, p)));
        }
        if rows.is_empty() {
            return Err("nothing to feed".into());
        }
        Ok(rows)
    }

    /// Layer `li`'s attention half on every row of `x`: keys and values go into each feed's cache.
    fn attention_block(
        &self,
        li: usize,
        l: &Layer,
        x: &mut [f32],
        rows: &[(usize, usize)],
        feeds: &mut [Feed<'_>],
        s: &mut Scratch,
    ) {
        let (c, k, t) = (self.cfg, self.kernel, rows.len());
        let (d, kv) = (c.dim, c.kv_dim());
        let heads = Heads {
            heads: c.heads,
            kv_heads: c.kv_heads,
            head_dim: c.head_dim,
        };
        let h = sized(&mut s.h, t * d);
        ops::rms_norm(x, &l.attn_norm, c.eps, h);
        let acts = sized(&mut s.acts, t * d / QK);
        quantize_activations(h, acts);
        let (q, kk, vv) = (
            sized(&mut s.q, t * d),
            sized(&mut s.k, t * kv),
            sized(&mut s.v, t * kv),
        );
        products(
            k,
            &mut [
                Product {
                    w: &l.q,
                    out: &mut *q,
                },
                Product {
                    w: &l.k,
                    out: &mut *kk,
                },
                Product {
                    w: &l.v,
                    out: &mut *vv,
                },
            ],
            acts,
            t,
        );
        for (i, &(f, p)) in rows.iter().enumerate() {
            self.rope.apply(&mut q[i * d..(i + 1) * d], p);
            self.rope.apply(&mut kk[i * kv..(i + 1) * kv], p);
            push_key(&mut feeds[f].cache.k[li], p, &kk[i * kv..(i + 1) * kv]);
            feeds[f].cache.v[li].extend_from_slice(&vv[i * kv..(i + 1) * kv]);
        }
        let spans: Vec<Span<'_>> = rows
            .iter()
            .map(|&(f, p)| Span {
                keys: &feeds[f].cache.k[li],
                values: &feeds[f].cache.v[li],
                len: p + 1,
            })
            .collect();
        let att = sized(&mut s.att, t * d);
        attention::attention(k, heads, q, &spans, att);
        quantize_activations(att, acts);
        let proj = sized(&mut s.proj, t * d);
        product(k, &l.o, acts, t, proj);
        ops::add(x, proj);
    }

    /// A layer's feed-forward half (SwiGLU) on every row of `x`.
    fn feed_forward_block(&self, l: &Layer, x: &mut [f32], s: &mut Scratch) {
        let (c, k) = (self.cfg, self.kernel);
        let t = x.len() / c.dim;
        let h = sized(&mut s.h, t * c.dim);
        ops::rms_norm(x, &l.ffn_norm, c.eps, h);
        let acts = sized(&mut s.acts, t * c.dim / QK);
        quantize_activations(h, acts);
        let (g, u) = (
            sized(&mut s.gate, t * c.hidden),
            sized(&mut s.up, t * c.hidden),
        );
        products(
            k,
            &mut [
                Product {
                    w: &l.gate,
                    out: &mut *g,
                },
                Product {
                    w: &l.up,
                    out: &mut *u,
                },
            ],
            acts,
            t,
        );
        ops::swiglu(k, g, u);
        let acts = sized(&mut s.acts, t * c.hidden / QK);
        quantize_activations(g, acts);
        let proj = sized(&mut s.proj, t * c.dim);
        product(k, &l.down, acts, t, proj);
        ops::add(x, proj);
    }

    /// The last row of each feed, normed into `s.h` (feed order); each cache grows by its feed.
    fn last_rows(&self, feeds: &mut [Feed<'_>], x: &[f32], s: &mut Scratch) {
        let (d, eps) = (self.cfg.dim, self.cfg.eps);
        let h = sized(&mut s.h, feeds.len() * d);
        let mut end = 0;
        for (f, feed) in feeds.iter_mut().enumerate() {
            end += feed.tokens.len();
            feed.cache.len += feed.tokens.len();
            ops::rms_norm(
                &x[(end - 1) * d..end * d],
                &self.norm,
                eps,
                &mut h[f * d..(f + 1) * d],
            );
        }
    }
}
