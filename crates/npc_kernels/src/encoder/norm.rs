//! The encoder's residual connection and LayerNorm in one pass over each row:
//! `x = LN(x + residual) · γ + β`, the mean and variance taken in two passes as candle takes them.

use crate::dot::Kernel;

/// `x[r] = (y − mean(y)) / sqrt(var(y) + eps) · γ + β` with `y = x[r] + residual[r]` (no residual
/// when `residual` is empty), row by row (`x.len()` a multiple of `gamma.len()`).
pub fn add_layer_norm(
    k: Kernel,
    x: &mut [f32],
    residual: &[f32],
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
) {
    let d = gamma.len();
    assert!(
        d > 0 && beta.len() == d && x.len().is_multiple_of(d),
        "layer norm of {} values with {} and {} parameters",
        x.len(),
        d,
        beta.len()
    );
    assert!(
        residual.is_empty() || residual.len() == x.len(),
        "residual of another size"
    );
    #[cfg(target_arch = "x86_64")]
    if k.has_avx2() {
        // SAFETY: the SIMD kernels are only handed out when the CPU has AVX2 and FMA.
        unsafe { rows_avx2(x, residual, gamma, beta, eps) };
        return;
    }
    let _ = k;
    rows(x, residual, gamma, beta, eps);
}

/// The same loops compiled for AVX2, so that they run eight lanes wide.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn rows_avx2(x: &mut [f32], residual: &[f32], gamma: &[f32], beta: &[f32], eps: f32) {
    rows(x, residual, gamma, beta, eps);
}

#[inline(always)]
fn rows(x: &mut [f32], residual: &[f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let d = gamma.len();
    for (r, xr) in x.chunks_exact_mut(d).enumerate() {
        if !residual.is_empty() {
            for (v, &res) in xr.iter_mut().zip(&residual[r * d..(r + 1) * d]) {
                *v += res;
            }
        }
        let mean = xr.iter().sum::<f32>() / d as f32;
        let var = xr.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / d as f32;
        let inv = 1.0 / (var + eps).sqrt();
        for ((v, &g), &b) in xr.iter_mut().zip(gamma).zip(beta) {
            *v = (*v - mean) * inv * g + b;
        }
    }
}
