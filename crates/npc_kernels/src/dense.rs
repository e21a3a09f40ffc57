//! Dense float layers for small networks (the decision policy): `out = act(W·x + b)` row by row,
//! with the weights stored input-major so that a row's outputs accumulate as whole vectors (one
//! multiply-add of the input value across every output per input). The AVX2 path is the same loop
//! compiled for AVX2 with fused multiply-adds.

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
            // SAFETY: `Avx2` is only handed out when the CPU has AVX2 and FMA.
            Kernel::Avx2 => unsafe { forward_avx2(self, x, rows, relu, out) },
            _ => forward_rows::<false>(self, x, rows, relu, out),
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn forward_avx2(l: &Dense, x: &[f32], rows: usize, relu: bool, out: &mut [f32]) {
    forward_rows::<true>(l, x, rows, relu, out)
}

/// The loop both paths share; `FMA` fuses the multiply-adds (only where the CPU has them, or
/// `mul_add` would be a library call).
#[inline(always)]
fn forward_rows<const FMA: bool>(l: &Dense, x: &[f32], rows: usize, relu: bool, out: &mut [f32]) {
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
                *oj = if FMA {
                    xi.mul_add(wj, *oj)
                } else {
                    *oj + xi * wj
                };
            }
        }
        if relu {
            for v in o.iter_mut() {
                *v = v.max(0.0);
            }
        }
    }
}
