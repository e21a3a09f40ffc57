//! Dense float layers for small networks (the decision policy): `out = act(W·x + b)` row by row,
//! with the weights stored input-major so that a row's outputs accumulate as whole vectors (one
//! multiply-add of the input value across every output per input). The AVX2 path keeps 64 outputs
//! of a row in registers for the whole row; the AVX-512 path keeps 64 outputs of four rows, so each
//! weight loaded serves four rows.

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
            // SAFETY: `Avx512Vnni` is only handed out when the CPU has AVX-512 F, BW, VL and VNNI.
            Kernel::Avx512Vnni => unsafe { avx512::forward(self, x, rows, relu, out) },
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

/// Four rows at a time share each weight load (the AVX2 path loads every weight once per row, which
/// bounds it by loads, not arithmetic): up to 64 outputs of four rows in 16 registers, the last
/// columns masked. Per output the same fused multiply-adds in the same order as the AVX2 path, so
/// both give the same bits.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::Dense;

    /// Lanes in the last of `n` columns' registers.
    fn tail_mask(n: usize) -> __mmask16 {
        match n % 16 {
            0 => 0xffff,
            r => (1u16 << r) - 1,
        }
    }

    /// # Safety
    /// AVX-512 F must be present; `x` and `out` hold `rows` rows (checked by `Dense::forward`).
    #[target_feature(enable = "avx512f")]
    pub unsafe fn forward(l: &Dense, x: &[f32], rows: usize, relu: bool, out: &mut [f32]) {
        let regs = l.outputs.div_ceil(16);
        let mut r = 0;
        while r < rows {
            let take = if rows - r >= 4 { 4 } else { 1 };
            let mut c = 0;
            while c < regs {
                let n = (regs - c).min(4);
                // SAFETY: rows r..r+take and registers c..c+n exist (the last one masked).
                unsafe {
                    match (take, n) {
                        (4, 4) => block::<4, 4>(l, x, r, c, relu, out),
                        (4, 3) => block::<4, 3>(l, x, r, c, relu, out),
                        (4, 2) => block::<4, 2>(l, x, r, c, relu, out),
                        (4, _) => block::<4, 1>(l, x, r, c, relu, out),
                        (_, 4) => block::<1, 4>(l, x, r, c, relu, out),
                        (_, 3) => block::<1, 3>(l, x, r, c, relu, out),
                        (_, 2) => block::<1, 2>(l, x, r, c, relu, out),
                        _ => block::<1, 1>(l, x, r, c, relu, out),
                    }
                }
                c += n;
            }
            r += take;
        }
    }

    /// Rows `r..r + R`, output registers `c..c + N` (16 outputs each; the layer's last register
    /// masked to its outputs).
    ///
    /// # Safety
    /// AVX-512 F; the rows and registers exist.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn block<const R: usize, const N: usize>(
        l: &Dense,
        x: &[f32],
        r: usize,
        c: usize,
        relu: bool,
        out: &mut [f32],
    ) {
        let (n_in, n_out) = (l.inputs, l.outputs);
        let regs = n_out.div_ceil(16);
        let mask: [__mmask16; N] = std::array::from_fn(|j| {
            if c + j + 1 == regs {
                tail_mask(n_out)
            } else {
                0xffff
            }
        });
        // SAFETY (every access below): masked lanes are never read or written, and the unmasked
        // ones lie inside the bias, the weight rows, `x`'s rows r..r+R and `out`'s.
        unsafe {
            let mut acc = [[_mm512_setzero_ps(); N]; R];
            for row in acc.iter_mut() {
                for (j, a) in row.iter_mut().enumerate() {
                    *a = _mm512_maskz_loadu_ps(mask[j], l.b.as_ptr().add((c + j) * 16));
                }
            }
            let xs = x.as_ptr().add(r * n_in);
            for i in 0..n_in {
                let w = l.wt.as_ptr().add(i * n_out + c * 16);
                let wv: [__m512; N] =
                    std::array::from_fn(|j| _mm512_maskz_loadu_ps(mask[j], w.add(16 * j)));
                for (k, row) in acc.iter_mut().enumerate() {
                    let xv = _mm512_set1_ps(*xs.add(k * n_in + i));
                    for (a, w) in row.iter_mut().zip(&wv) {
                        *a = _mm512_fmadd_ps(xv, *w, *a);
                    }
                }
            }
            let zero = _mm512_setzero_ps();
            for (k, row) in acc.iter().enumerate() {
                let o = out.as_mut_ptr().add((r + k) * n_out + c * 16);
                for (j, a) in row.iter().enumerate() {
                    let v = if relu { _mm512_max_ps(*a, zero) } else { *a };
                    _mm512_mask_storeu_ps(o.add(16 * j), mask[j], v);
                }
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
