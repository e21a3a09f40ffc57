//! Causal attention with grouped KV heads over each sequence's cache.
//!
//! Keys are cached in tiles of [`TILE`] positions, each tile transposed (`kv_dim × TILE`: value `c`
//! of the tile's `TILE` positions side by side), so that one query head's scores for a whole tile
//! are `head_dim` wide multiply-adds with no horizontal sums, and the query heads that share a KV
//! head read its keys once. Values stay one row per position (`kv_dim` floats): the weighted sum
//! keeps each head's output in registers while it walks the rows.
//!
//! Every kernel runs the same steps: scores for a group of query heads, a softmax, then the values.
//! The AVX-512 path (head width 64, up to four query heads per KV head, SmolLM2's shape) does them
//! in registers with a polynomial `exp` ([`crate::simd`]); the portable path, the reference, uses `f32::exp`, and
//! runs with 256-bit vectors under the AVX2 kernel. A job is one (query row, KV head) pair; jobs run
//! in parallel on the current rayon pool.

use rayon::prelude::*;

use crate::dot::Kernel;

/// Positions per key tile.
pub const TILE: usize = 16;

/// The shape of attention in one layer.
#[derive(Clone, Copy, Debug)]
pub struct Heads {
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
}

impl Heads {
    fn kv_dim(&self) -> usize {
        self.kv_heads * self.head_dim
    }

    /// Query heads per KV head.
    fn group(&self) -> usize {
        self.heads / self.kv_heads
    }
}

/// Appends one position's keys (`key`, `kv_dim` values) to `tiles`, which holds `len` positions
/// (a new tile, zeroed, every [`TILE`] positions).
pub fn push_key(tiles: &mut Vec<f32>, len: usize, key: &[f32]) {
    let kv_dim = key.len();
    let (tile, slot) = (len / TILE, len % TILE);
    if slot == 0 {
        tiles.resize((tile + 1) * kv_dim * TILE, 0.0);
    }
    let base = tile * kv_dim * TILE + slot;
    for (c, &v) in key.iter().enumerate() {
        tiles[base + c * TILE] = v;
    }
}

/// Keeps the first `len` positions of `tiles` (filled by [`push_key`], values `kv_dim` wide) and
/// zeroes the slots after them in the last tile, as [`push_key`] would have left them: a sequence
/// cut back to `len` positions is the sequence that read only those.
pub fn truncate_keys(tiles: &mut Vec<f32>, len: usize, kv_dim: usize) {
    tiles.truncate(key_floats(len, kv_dim).min(tiles.len()));
    let (tile, slot) = (len / TILE, len % TILE);
    if slot == 0 || tiles.len() < (tile + 1) * kv_dim * TILE {
        return;
    }
    let base = tile * kv_dim * TILE;
    for c in 0..kv_dim {
        tiles[base + c * TILE + slot..base + (c + 1) * TILE].fill(0.0);
    }
}

/// Floats of key tiles that hold `len` positions of `kv_dim` values.
pub fn key_floats(len: usize, kv_dim: usize) -> usize {
    len.div_ceil(TILE) * kv_dim * TILE
}

/// What one query row attends to: the first `len` positions of a sequence's cache, keys in tiles
/// ([`push_key`]), values in rows of `kv_heads·head_dim`.
#[derive(Clone, Copy, Debug)]
pub struct Span<'a> {
    pub keys: &'a [f32],
    pub values: &'a [f32],
    pub len: usize,
}

/// One job: the query heads of KV head `kv` (`q`, `group × head_dim`) over `span`, into `out`.
#[derive(Clone, Copy)]
struct Job<'a> {
    q: &'a [f32],
    span: Span<'a>,
    kv_dim: usize,
    /// Where the KV head's values start in a row.
    off: usize,
    dim: usize,
    scale: f32,
}

/// Attention for query rows that may belong to different sequences: row `r` of `q`
/// (`heads·head_dim` values) attends `spans[r]`; `out` gets `rows × heads·head_dim`.
pub fn attention(k: Kernel, h: Heads, q: &[f32], spans: &[Span<'_>], out: &mut [f32]) {
    let (hd, kv_dim, group) = (h.head_dim, h.kv_dim(), h.group());
    assert!(
        h.kv_heads > 0 && h.heads == group * h.kv_heads,
        "{} query heads do not share {} KV heads evenly",
        h.heads,
        h.kv_heads
    );
    let n_out = spans.len() * h.heads * hd;
    assert!(
        q.len() >= n_out && out.len() >= n_out,
        "attention buffers too short"
    );
    for s in spans {
        assert!(
            s.keys.len() >= key_floats(s.len, kv_dim) && s.values.len() >= s.len * kv_dim,
            "a span reaches past its cache"
        );
    }
    let scale = 1.0 / (hd as f32).sqrt();
    let one = |scores: &mut Vec<f32>, (i, o): (usize, &mut [f32])| {
        let (r, kv) = (i / h.kv_heads, i % h.kv_heads);
        let job = Job {
            q: &q[i * group * hd..(i + 1) * group * hd],
            span: spans[r],
            kv_dim,
            off: kv * hd,
            dim: hd,
            scale,
        };
        run(k, job, scores, o);
    };
    let jobs = out[..n_out].chunks_mut(group * hd).enumerate();
    if rayon::current_num_threads() <= 1 {
        let mut scores = Vec::new();
        jobs.for_each(|j| one(&mut scores, j));
    } else {
        out[..n_out]
            .par_chunks_mut(group * hd)
            .enumerate()
            .for_each_init(Vec::new, one);
    }
}

/// One job on kernel `k`.
fn run(k: Kernel, job: Job<'_>, scores: &mut Vec<f32>, out: &mut [f32]) {
    let group = job.q.len() / job.dim;
    let tiles = job.span.len.div_ceil(TILE);
    scores.clear();
    scores.resize(group * tiles * TILE, 0.0);
    if job.span.len == 0 {
        out.fill(0.0);
        return;
    }
    match k {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Avx512Vnni` is only handed out when the CPU has AVX-512 F; `attention` checked
        // that the span's tiles and rows exist, and the buffers are sized for the group.
        Kernel::Avx512Vnni if job.dim == 64 && (1..=4).contains(&group) => unsafe {
            match group {
                1 => avx512::group::<1>(job, scores, out),
                2 => avx512::group::<2>(job, scores, out),
                3 => avx512::group::<3>(job, scores, out),
                _ => avx512::group::<4>(job, scores, out),
            }
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: every SIMD kernel is only handed out when the CPU has AVX2 and FMA.
        k if k.has_avx2() => unsafe { portable_avx2(job, scores, out) },
        _ => portable(job, scores, out),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn portable_avx2(job: Job<'_>, scores: &mut [f32], out: &mut [f32]) {
    portable(job, scores, out)
}

/// The reference: per query head, a tile's scores as `TILE`-wide sums over the head's values (which
/// the compiler vectorises), the softmax with `f32::exp`, then the weighted values.
#[inline(always)]
fn portable(job: Job<'_>, scores: &mut [f32], out: &mut [f32]) {
    let Job {
        q,
        span,
        kv_dim,
        off,
        dim,
        scale,
    } = job;
    let tiles = span.len.div_ceil(TILE);
    for (h, (qh, o)) in q
        .chunks_exact(dim)
        .zip(out.chunks_exact_mut(dim))
        .enumerate()
    {
        let sc = &mut scores[h * tiles * TILE..(h + 1) * tiles * TILE];
        for (t, st) in sc.chunks_exact_mut(TILE).enumerate() {
            let tile = &span.keys[t * kv_dim * TILE + off * TILE..][..dim * TILE];
            let mut acc = [0f32; TILE];
            for (&qd, kd) in qh.iter().zip(tile.chunks_exact(TILE)) {
                for (a, &kv) in acc.iter_mut().zip(kd) {
                    *a += qd * kv;
                }
            }
            for (s, a) in st.iter_mut().zip(acc) {
                *s = a * scale;
            }
        }
        let sc = &mut sc[..span.len];
        let max = sc.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = 0f32;
        for s in sc.iter_mut() {
            *s = (*s - max).exp();
            sum += *s;
        }
        o.fill(0.0);
        for (j, &e) in sc.iter().enumerate() {
            let v = &span.values[j * kv_dim + off..][..dim];
            for (x, &vv) in o.iter_mut().zip(v) {
                *x += e * vv;
            }
        }
        for x in o.iter_mut() {
            *x /= sum;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{Job, TILE};
    use crate::simd::avx512::exp;

    /// Which of tile `t`'s positions are among the first `len`.
    #[inline]
    fn valid(len: usize, t: usize) -> __mmask16 {
        let n = len - t * TILE;
        if n >= TILE { 0xffff } else { (1u16 << n) - 1 }
    }

    /// One job with `G` query heads of width 64.
    ///
    /// # Safety
    /// AVX-512 F; the span's key tiles and value rows exist (checked by `attention`), `scores`
    /// holds `G` rows of whole tiles, `out` and `job.q` `G × 64` floats.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn group<const G: usize>(job: Job<'_>, scores: &mut [f32], out: &mut [f32]) {
        const D: usize = 64;
        let (len, kv_dim, off) = (job.span.len, job.kv_dim, job.off);
        let tiles = len.div_ceil(TILE);
        let row = tiles * TILE;
        let q: [[f32; D]; G] =
            std::array::from_fn(|g| std::array::from_fn(|d| job.q[g * D + d] * job.scale));
        let sp = scores.as_mut_ptr();
        let mut max = [_mm512_set1_ps(f32::NEG_INFINITY); G];
        for t in 0..tiles {
            // SAFETY: tile t's KV head spans D rows of TILE floats inside the keys.
            let tile = unsafe { job.span.keys.as_ptr().add(t * kv_dim * TILE + off * TILE) };
            // Four partial sums per head, so that consecutive multiply-adds do not wait.
            let mut acc = [[_mm512_setzero_ps(); 4]; G];
            for d in (0..D).step_by(4) {
                for u in 0..4 {
                    // SAFETY: as above.
                    let k = unsafe { _mm512_loadu_ps(tile.add((d + u) * TILE)) };
                    for g in 0..G {
                        acc[g][u] = _mm512_fmadd_ps(_mm512_set1_ps(q[g][d + u]), k, acc[g][u]);
                    }
                }
            }
            let m = valid(len, t);
            for g in 0..G {
                let [a, b, c, d] = acc[g];
                let s = _mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d));
                let s = _mm512_mask_blend_ps(m, _mm512_set1_ps(f32::NEG_INFINITY), s);
                max[g] = _mm512_max_ps(max[g], s);
                // SAFETY: row g of `scores` holds every tile.
                unsafe { _mm512_storeu_ps(sp.add(g * row + t * TILE), s) };
            }
        }
        let mut inv = [0f32; G];
        for g in 0..G {
            let m = _mm512_set1_ps(_mm512_reduce_max_ps(max[g]));
            let mut sum = _mm512_setzero_ps();
            for t in 0..tiles {
                // SAFETY: as above.
                unsafe {
                    let p = sp.add(g * row + t * TILE);
                    let e = _mm512_maskz_mov_ps(
                        valid(len, t),
                        exp(_mm512_sub_ps(_mm512_loadu_ps(p), m)),
                    );
                    sum = _mm512_add_ps(sum, e);
                    _mm512_storeu_ps(p, e);
                }
            }
            inv[g] = 1.0 / _mm512_reduce_add_ps(sum);
        }
        let mut o = [[_mm512_setzero_ps(); 4]; G];
        for j in 0..len {
            // SAFETY: position j < len has a row of kv_dim values; the KV head's D start at off.
            unsafe {
                let v = job.span.values.as_ptr().add(j * kv_dim + off);
                let v = [0, 16, 32, 48].map(|i| _mm512_loadu_ps(v.add(i)));
                for (g, og) in o.iter_mut().enumerate() {
                    let p = _mm512_set1_ps(*sp.add(g * row + j));
                    for (oi, &vi) in og.iter_mut().zip(&v) {
                        *oi = _mm512_fmadd_ps(p, vi, *oi);
                    }
                }
            }
        }
        for (g, (og, inv)) in o.iter().zip(inv).enumerate() {
            for (i, &oi) in og.iter().enumerate() {
                // SAFETY: `out` holds G × D floats.
                unsafe {
                    _mm512_storeu_ps(
                        out.as_mut_ptr().add(g * D + i * 16),
                        _mm512_mul_ps(oi, _mm512_set1_ps(inv)),
                    )
                };
            }
        }
    }
}
