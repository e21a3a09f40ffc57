//! The encoder's self-attention: every token of a sentence attends to every token of the same
//! sentence. Sentences lie one after another in the rows (no padding, so no mask); each row holds
//! the fused projection `[q | k | v]`, heads side by side in each. One job per (sentence, head),
//! shared out over the rayon pool when there is enough work.
//!
//! Under AVX-512 a job first lays its keys out transposed (`[dim][position]`), so a query's scores
//! for sixteen positions are `head_dim` multiply-adds with no horizontal sums; the softmax runs
//! sixteen at a time with [`crate::simd`]'s `exp`; the weighted sum of values keeps the head's
//! output in registers.

use std::ops::Range;

use rayon::prelude::*;

use crate::dot::Kernel;

/// Below this many multiply-adds (over all jobs) the attention runs on the calling thread.
const PARALLEL_MACS: usize = 1 << 18;

/// The shape of the heads in a row of `[q | k | v]`.
#[derive(Clone, Copy, Debug)]
pub struct Heads {
    pub heads: usize,
    pub head_dim: usize,
}

impl Heads {
    fn hidden(self) -> usize {
        self.heads * self.head_dim
    }
}

/// `out[i] = softmax(q_i · K / √d) · V` per head, over the rows of `i`'s own span.
/// `qkv`: `rows × 3·hidden`; `out`: `rows × hidden`; the spans cover rows without overlapping.
pub fn attend(k: Kernel, shape: Heads, qkv: &[f32], spans: &[Range<usize>], out: &mut [f32]) {
    let h = shape.hidden();
    let rows = qkv.len() / (3 * h);
    assert!(
        qkv.len() == rows * 3 * h && out.len() == rows * h,
        "attention buffers do not match {rows} rows of {h}"
    );
    assert!(
        spans.iter().all(|s| s.start <= s.end && s.end <= rows),
        "a span lies outside the rows"
    );
    let jobs: Vec<(usize, usize)> = (0..spans.len())
        .flat_map(|s| (0..shape.heads).map(move |head| (s, head)))
        .collect();
    let macs: usize = spans.iter().map(|s| s.len() * s.len()).sum::<usize>() * 2 * h;
    let dst = Out(out.as_mut_ptr());
    let run = |&(s, head): &(usize, usize)| {
        // SAFETY: this job alone writes its span's rows in its head's columns.
        unsafe { job(k, shape, qkv, spans[s].clone(), head, dst) };
    };
    if macs < PARALLEL_MACS || rayon::current_num_threads() <= 1 {
        jobs.iter().for_each(run);
    } else {
        jobs.par_iter().for_each(run);
    }
}

/// A raw pointer that may cross threads: each job writes its own disjoint outputs.
#[derive(Clone, Copy)]
struct Out(*mut f32);
// SAFETY: jobs write disjoint elements (see `attend`), and the borrow of the outputs outlives the
// parallel job.
unsafe impl Send for Out {}
unsafe impl Sync for Out {}

/// # Safety
/// `out` points at a `rows × hidden` buffer whose rows `span`, columns of `head`, no other thread
/// touches meanwhile.
unsafe fn job(k: Kernel, shape: Heads, qkv: &[f32], span: Range<usize>, head: usize, out: Out) {
    #[cfg(target_arch = "x86_64")]
    if k == Kernel::Avx512Vnni && shape.head_dim.is_multiple_of(16) && shape.head_dim <= 128 {
        // SAFETY: `Avx512Vnni` is only handed out when the CPU has AVX-512 F; the caller owns
        // the outputs.
        unsafe { avx512::job(shape, qkv, span, head, out) };
        return;
    }
    let _ = k;
    let (h, d) = (shape.hidden(), shape.head_dim);
    let row = |i: usize, part: usize| &qkv[i * 3 * h + part * h + head * d..][..d];
    let scale = 1.0 / (d as f32).sqrt();
    let mut p = vec![0f32; span.len()];
    let mut o = vec![0f32; d];
    for i in span.clone() {
        let q = row(i, 0);
        for (pj, j) in p.iter_mut().zip(span.clone()) {
            *pj = q.iter().zip(row(j, 1)).map(|(a, b)| a * b).sum::<f32>() * scale;
        }
        let m = p.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for pj in p.iter_mut() {
            *pj = (*pj - m).exp();
            sum += *pj;
        }
        o.fill(0.0);
        for (&pj, j) in p.iter().zip(span.clone()) {
            for (ov, &v) in o.iter_mut().zip(row(j, 2)) {
                *ov += pj * v;
            }
        }
        for (c, ov) in o.iter().enumerate() {
            // SAFETY: (i, head·d + c) is inside the output and belongs to this job.
            unsafe { *out.0.add(i * h + head * d + c) = ov / sum };
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;
    use std::ops::Range;

    use super::{Heads, Out};
    use crate::simd::avx512::exp;

    /// Registers of a head's output (head_dim up to 128).
    const MAX_REGS: usize = 8;

    /// # Safety
    /// AVX-512 F; `head_dim` a multiple of 16 up to 128; as [`super::job`].
    #[target_feature(enable = "avx512f")]
    pub unsafe fn job(shape: Heads, qkv: &[f32], span: Range<usize>, head: usize, out: Out) {
        let (h, d) = (shape.hidden(), shape.head_dim);
        let (n, regs) = (span.len(), d / 16);
        let n16 = n.div_ceil(16) * 16;
        let at = |i: usize, part: usize| (span.start + i) * 3 * h + part * h + head * d;
        // Keys transposed, the padding positions zero.
        let mut kt = vec![0f32; d * n16];
        for j in 0..n {
            for (c, &v) in qkv[at(j, 1)..at(j, 1) + d].iter().enumerate() {
                kt[c * n16 + j] = v;
            }
        }
        let mut p = vec![0f32; n16];
        let scale = _mm512_set1_ps(1.0 / (d as f32).sqrt());
        let q_all = qkv.as_ptr();
        // SAFETY (every access below): `kt` holds d rows of n16; `p` n16; a row's q and v parts
        // hold d floats at `at(.., 0)` and `at(.., 2)`; output stores stay in this job's row and
        // head.
        unsafe {
            for i in 0..n {
                let q = q_all.add(at(i, 0));
                let mut max = _mm512_set1_ps(f32::NEG_INFINITY);
                for c16 in (0..n16).step_by(16) {
                    let mut s = _mm512_setzero_ps();
                    for c in 0..d {
                        let kv = _mm512_loadu_ps(kt.as_ptr().add(c * n16 + c16));
                        s = _mm512_fmadd_ps(_mm512_set1_ps(*q.add(c)), kv, s);
                    }
                    s = _mm512_mul_ps(s, scale);
                    let real = n - c16;
                    let m: __mmask16 = if real >= 16 { 0xffff } else { (1 << real) - 1 };
                    s = _mm512_mask_mov_ps(_mm512_set1_ps(f32::NEG_INFINITY), m, s);
                    max = _mm512_max_ps(max, s);
                    _mm512_storeu_ps(p.as_mut_ptr().add(c16), s);
                }
                let m = _mm512_set1_ps(_mm512_reduce_max_ps(max));
                let mut sum = _mm512_setzero_ps();
                for c16 in (0..n16).step_by(16) {
                    let e = exp(_mm512_sub_ps(_mm512_loadu_ps(p.as_ptr().add(c16)), m));
                    // Padding lanes hold −∞: exp clamps to e^−87, so zero them outright.
                    let real = n - c16;
                    let mk: __mmask16 = if real >= 16 { 0xffff } else { (1 << real) - 1 };
                    let e = _mm512_maskz_mov_ps(mk, e);
                    sum = _mm512_add_ps(sum, e);
                    _mm512_storeu_ps(p.as_mut_ptr().add(c16), e);
                }
                let inv = _mm512_set1_ps(1.0 / _mm512_reduce_add_ps(sum));
                let mut o = [_mm512_setzero_ps(); MAX_REGS];
                for (j, &pj) in p.iter().enumerate().take(n) {
                    let pj = _mm512_set1_ps(pj);
                    let v = q_all.add(at(j, 2));
                    for (r, or) in o.iter_mut().enumerate().take(regs) {
                        *or = _mm512_fmadd_ps(pj, _mm512_loadu_ps(v.add(16 * r)), *or);
                    }
                }
                let dst = out.0.add((span.start + i) * h + head * d);
                for (r, or) in o.iter().enumerate().take(regs) {
                    _mm512_storeu_ps(dst.add(16 * r), _mm512_mul_ps(*or, inv));
                }
            }
        }
    }
}
