//! The forward pass: a step for several sequences at once, each weight matrix read once for all
//! their rows, layer by layer (attention, then feed-forward), then the output projection for each
//! sequence's last row.

use npc_kernels::attention::{self, Heads, Span, push_key};
use npc_kernels::blocks::{QK, quantize_activations};
use npc_kernels::matmul::{Product, product, products};
use npc_kernels::ops;

use super::{Feed, KvCache, Layer, Llama, Scratch};

fn sized<T: Clone + Default>(v: &mut Vec<T>, n: usize) -> &mut [T] {
    v.resize(n, T::default());
    &mut v[..n]
}

impl Llama {
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
        self.run(feeds, s, false)
    }

    /// Feeds `tokens` at the end of `cache` and returns the next-token logits after every one of
    /// them (`tokens.len() × vocab`, in order): draft tokens verified with one read of the weights.
    /// Runs on the current rayon pool.
    pub(crate) fn forward_every<'s>(
        &self,
        tokens: &[u32],
        cache: &mut KvCache,
        s: &'s mut Scratch,
    ) -> Result<&'s [f32], String> {
        self.run(&mut [Feed { cache, tokens }], s, true)
    }

    /// The layers on every row of every feed, then the output projection for each feed's last row
    /// or, with `every_row`, for every row.
    fn run<'s>(
        &self,
        feeds: &mut [Feed<'_>],
        s: &'s mut Scratch,
        every_row: bool,
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
        let n = if every_row {
            self.every_row(feeds, x, s)
        } else {
            self.last_rows(feeds, x, s)
        };
        s.x = xs;
        // The output projection for the chosen rows at once.
        let k = self.kernel;
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

    /// Every row, normed into `s.h`; each cache grows by its feed. Returns the rows.
    fn every_row(&self, feeds: &mut [Feed<'_>], x: &[f32], s: &mut Scratch) -> usize {
        let (d, eps) = (self.cfg.dim, self.cfg.eps);
        let h = sized(&mut s.h, x.len());
        ops::rms_norm(x, &self.norm, eps, h);
        for feed in feeds.iter_mut() {
            feed.cache.len += feed.tokens.len();
        }
        x.len() / d
    }

    /// The last row of each feed, normed into `s.h` (feed order); each cache grows by its feed.
    /// Returns the rows (one per feed).
    fn last_rows(&self, feeds: &mut [Feed<'_>], x: &[f32], s: &mut Scratch) -> usize {
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
        feeds.len()
    }
}
