//! The float operations of a llama-family layer, on plain slices: RMSNorm, the interleaved rotary
//! embedding GGUF llama weights expect, SwiGLU, and a softmax's denominator (attention has its own
//! module, [`crate::attention`]).

use crate::dot::Kernel;

/// `out = x / sqrt(mean(x²) + eps) * w`, row by row (`x.len()` a multiple of `w.len()`), rounded
/// as candle rounds it.
pub fn rms_norm(x: &[f32], w: &[f32], eps: f32, out: &mut [f32]) {
    let d = w.len();
    for (xr, or) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
        let sum2: f32 = xr.iter().map(|v| v * v).sum();
        let m = (sum2 / d as f32 + eps).sqrt();
        for ((o, &v), &g) in or.iter_mut().zip(xr).zip(w) {
            *o = v / m * g;
        }
    }
}

/// Cosines and sines of the rotary embedding, `positions × head_dim/2` each.
#[derive(Clone, Debug)]
pub struct Rope {
    half: usize,
    cos: Vec<f32>,
    sin: Vec<f32>,
}

impl Rope {
    /// Tables for `positions` positions with frequencies `base^(-2i/head_dim)`.
    pub fn new(head_dim: usize, base: f32, positions: usize) -> Self {
        let half = head_dim / 2;
        let theta: Vec<f32> = (0..head_dim)
            .step_by(2)
            .map(|i| 1.0 / base.powf(i as f32 / head_dim as f32))
            .collect();
        let mut cos = Vec::with_capacity(positions * half);
        let mut sin = Vec::with_capacity(positions * half);
        for p in 0..positions {
            for &t in &theta {
                let a = p as f32 * t;
                cos.push(a.cos());
                sin.push(a.sin());
            }
        }
        Rope { half, cos, sin }
    }

    /// Positions the tables cover.
    pub fn positions(&self) -> usize {
        self.cos.len() / self.half.max(1)
    }

    /// Rotates each head of `x` (one token's heads, `heads × head_dim`) for position `pos`,
    /// pairing neighbouring values (GGUF llama layout).
    pub fn apply(&self, x: &mut [f32], pos: usize) {
        let c = &self.cos[pos * self.half..(pos + 1) * self.half];
        let s = &self.sin[pos * self.half..(pos + 1) * self.half];
        for head in x.chunks_exact_mut(2 * self.half) {
            for i in 0..self.half {
                let (a, b) = (head[2 * i], head[2 * i + 1]);
                head[2 * i] = a * c[i] - b * s[i];
                head[2 * i + 1] = a * s[i] + b * c[i];
            }
        }
    }
}

/// `gate[i] = silu(gate[i]) · up[i]` (SwiGLU's product, in place): with the AVX-512 kernel sixteen
/// at a time through [`crate::simd`]'s `exp`, otherwise with `f32::exp`.
pub fn swiglu(k: Kernel, gate: &mut [f32], up: &[f32]) {
    assert_eq!(gate.len(), up.len(), "swiglu of unequal lengths");
    #[cfg(target_arch = "x86_64")]
    if k == Kernel::Avx512Vnni {
        // SAFETY: `Avx512Vnni` is only handed out when the CPU has AVX-512 F; equal lengths.
        return unsafe { swiglu_avx512(gate, up) };
    }
    let _ = k;
    for (g, &u) in gate.iter_mut().zip(up) {
        *g = *g / (1.0 + (-*g).exp()) * u;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn swiglu_avx512(gate: &mut [f32], up: &[f32]) {
    use std::arch::x86_64::*;
    let one = _mm512_set1_ps(1.0);
    for i in (0..gate.len()).step_by(16) {
        let n = (gate.len() - i).min(16);
        let m: __mmask16 = if n == 16 { 0xffff } else { (1 << n) - 1 };
        // SAFETY: the mask covers only the n floats left in both slices.
        unsafe {
            let g = _mm512_maskz_loadu_ps(m, gate.as_ptr().add(i));
            let u = _mm512_maskz_loadu_ps(m, up.as_ptr().add(i));
            let e = crate::simd::avx512::exp(_mm512_sub_ps(_mm512_setzero_ps(), g));
            let r = _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)), u);
            _mm512_mask_storeu_ps(gate.as_mut_ptr().add(i), m, r);
        }
    }
}

/// `Σ e^((x[i] − shift)·scale)`: a softmax's denominator (with the AVX-512 kernel sixteen at a time
/// through [`crate::simd`]'s `exp`, otherwise with `f32::exp`).
pub fn exp_sum(k: Kernel, x: &[f32], shift: f32, scale: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if k == Kernel::Avx512Vnni {
        // SAFETY: `Avx512Vnni` is only handed out when the CPU has AVX-512 F.
        return unsafe { exp_sum_avx512(x, shift, scale) };
    }
    let _ = k;
    x.iter().map(|&v| ((v - shift) * scale).exp()).sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn exp_sum_avx512(x: &[f32], shift: f32, scale: f32) -> f32 {
    use std::arch::x86_64::*;
    let (sh, sc) = (_mm512_set1_ps(shift), _mm512_set1_ps(scale));
    let mut acc = _mm512_setzero_ps();
    for i in (0..x.len()).step_by(16) {
        let n = (x.len() - i).min(16);
        let m: __mmask16 = if n == 16 { 0xffff } else { (1 << n) - 1 };
        // SAFETY: the mask covers only the n floats left.
        let v = unsafe { _mm512_maskz_loadu_ps(m, x.as_ptr().add(i)) };
        let e = crate::simd::avx512::exp(_mm512_mul_ps(_mm512_sub_ps(v, sh), sc));
        acc = _mm512_add_ps(acc, _mm512_maskz_mov_ps(m, e));
    }
    _mm512_reduce_add_ps(acc)
}

/// `x[i] += y[i]`.
pub fn add(x: &mut [f32], y: &[f32]) {
    for (a, &b) in x.iter_mut().zip(y) {
        *a += b;
    }
}
