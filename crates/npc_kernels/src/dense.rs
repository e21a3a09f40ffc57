//! Dense float layers for small networks (the decision policy): `out = act(W·x + b)` row by row,
//! with the weights stored input-major so that a row's outputs accumulate as whole vectors (one
//! multiply-add of the input value across every output per input). The AVX2 path keeps 64 outputs
//! in registers for the whole row.

use crate::dot::Kernel;
use crate::matmul::ShapeError;

/// A fully connected layer.
#[derive(Clone, Debug)]
pub struct Dense {
    pub inputs: usize,
    pub outputs: usize,
    /// `inputs × outputs`: the transpose of the usual `outputs × inputs` weight.
    wt: Vec<f32>,
    b: Vec<f32>,
}

impl Dense {
    /// From a weight in the usual `outputs × inputs` row-major layout and its bias.
    pub fn new(inputs: usize, outputs: usize, w: &[f32], b: &[f32]) -> Result<Self, ShapeError> {
        if w.len() != inputs * outputs || b.len() != outputs {
            return Err(ShapeError(format!(
                "a {outputs}×{inputs} layer needs {} weights and {outputs} biases, got {} and {}",
                inputs * outputs,
                w.len(),
                b.len()
            )));
        }
        let mut wt = vec![0f32; inputs * outputs];
        for o in 0..outputs {
            for i in 0..inputs {
                wt[i * outputs + o] = w[o * inputs + i];
            }
        }
        Ok(Dense {
            inputs,
            outputs,
            wt,
            b: b.to_vec(),
        })
    }

    /// `out[r] = W·x[r] + b` for `rows` rows of `x`, then ReLU when `relu`.
    pub fn forward(&self, k: Kernel, x: &[f32], rows: usize, relu: bool, out: &mut [f32]) {
        assert!(
            x.len() >= rows * self.inputs && out.len() >= rows * self.outputs,
            "dense layer buffers too short"
        );
        match k {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the SIMD kernels are only handed out when the CPU has AVX2 and FMA.
            k if k.has_avx2() => unsafe { forward_avx2(self, x, rows, relu, out) },
            _ => forward_rows(self, x, rows, relu, out),
        }
    }
}

/// Outputs in blocks of 64 (eight registers of accumulators held across the whole input), then
/// of 8, then one by one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn forward_avx2(l: &Dense, x: &[f32], rows: usize, relu: bool, out: &mut [f32]) {
    let (n_in, n_out) = (l.inputs, l.outputs);
    for r in 0..rows {
        let xr = &x[r * n_in..(r + 1) * n_in];
        let o = &mut out[r * n_out..(r + 1) * n_out];
        let mut c = 0;
        while c + 64 <= n_out {
            // SAFETY: columns c..c+64 exist in every weight row, the bias and the output row.
            unsafe { avx2::block::<8>(&l.wt, &l.b, xr, n_out, c, relu, o) };
            c += 64;
        }
        while c + 8 <= n_out {
            // SAFETY: as above, for c..c+8.
            unsafe { avx2::block::<1>(&l.wt, &l.b, xr, n_out, c, relu, o) };
            c += 8;
        }
        for (j, oj) in o.iter_mut().enumerate().skip(c) {
            let mut v = l.b[j];
            for (i, &xi) in xr.iter().enumerate() {
                v = xi.mul_add(l.wt[i * n_out + j], v);
            }
            *oj = if relu { v.max(0.0) } else { v };
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Outputs `c..c + 8N` of one row: `N` registers of sums over every input.
    ///
    /// # Safety
    /// AVX2 and FMA must be present; `c + 8N` must not pass `n_out`, and `wt` must hold
    /// `x.len()` rows of `n_out`.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn block<const N: usize>(
        wt: &[f32],
        b: &[f32],
        x: &[f32],
        n_out: usize,
        c: usize,
        relu: bool,
        o: &mut [f32],
    ) {
        debug_assert!(c + 8 * N <= n_out && wt.len() >= x.len() * n_out);
        let mut acc = [_mm256_setzero_ps(); N];
        unsafe {
            for (j, a) in acc.iter_mut().enumerate() {
                *a = _mm256_loadu_ps(b.as_ptr().add(c + 8 * j));
            }
            for (i, &xi) in x.iter().enumerate() {
                let xv = _mm256_set1_ps(xi);
                let w = wt.as_ptr().add(i * n_out + c);
                for (j, a) in acc.iter_mut().enumerate() {
                    *a = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w.add(8 * j)), *a);
                }
            }
            let zero = _mm256_setzero_ps();
            for (j, a) in acc.iter().enumerate() {
                let v = if relu { _mm256_max_ps(*a, zero) } else { *a };
                _mm256_storeu_ps(o.as_mut_ptr().add(c + 8 * j), v);
            }
        }
    }
}

/// The portable loop.
fn forward_rows(l: &Dense, x: &[f32], rows: usize, relu: bool, out: &mut [f32]) {
    let (n_in, n_out) = (l.inputs, l.outputs);
    for r in 0..rows {
        let o = &mut out[r * n_out..(r + 1) * n_out];
        o.copy_from_slice(&l.b);
        for (i, &xi) in x[r * n_in..(r + 1) * n_in].iter().enumerate() {
            if xi == 0.0 {
                continue; // ReLU outputs and one-hot inputs are mostly zeros
            }
            let w = &l.wt[i * n_out..(i + 1) * n_out];
            for (oj, &wj) in o.iter_mut().zip(w) {
                *oj += xi * wj;
            }
        }
        if relu {
            for v in o.iter_mut() {
                *v = v.max(0.0);
            }
        }
    }
}
