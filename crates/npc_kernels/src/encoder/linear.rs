//! Float layers of the sentence encoder: `out = act(x · Wᵀ + b)` for many token rows at once.
//!
//! The weight is repacked once at load into panels of [`PANEL`] outputs: a panel holds, input by
//! input, the 64 weights of its outputs side by side (`[input][64]`, the last panel padded with
//! zeros). The AVX-512 kernel keeps a block of up to six rows × 64 outputs in 24 registers and, per
//! input, loads the panel's four vectors once for all six rows: 24 multiply-adds per 4 loads and 6
//! broadcasts. The AVX2 kernel does three rows × half a panel the same way (12 per 4 and 3). Rows are taken in tiles that stay in the core's cache while every panel passes over
//! them, and (tile, panel) pairs are shared out over the rayon pool.

use rayon::prelude::*;

use super::gelu;
use crate::dot::Kernel;
use crate::matmul::ShapeError;

/// Outputs per panel: four 16-lane registers.
pub const PANEL: usize = 64;
/// Rows per block of the AVX-512 kernel (six rows × four registers = 24 accumulators).
const ROW_BLOCK: usize = 6;
/// Rows per tile: a tile's inputs (up to 64 × 1,536 floats) and a panel stay in L2 together.
const ROW_TILE: usize = 64;
/// Below this many multiply-adds a layer runs on the calling thread.
const PARALLEL_MACS: usize = 1 << 18;

/// What is applied to each output after the bias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Identity,
    /// `x · Φ(x)` with the error function (BERT's "gelu"), see [`gelu`].
    Gelu,
}

/// A fully connected layer with its weight in panels.
#[derive(Clone, Debug)]
pub struct Linear {
    pub inputs: usize,
    pub outputs: usize,
    /// `panels × inputs × PANEL`.
    panels: Vec<f32>,
    /// Padded to `panels × PANEL`.
    bias: Vec<f32>,
}

impl Linear {
    /// From a weight in the usual `outputs × inputs` row-major layout and its bias.
    pub fn new(inputs: usize, outputs: usize, w: &[f32], b: &[f32]) -> Result<Self, ShapeError> {
        if w.len() != inputs * outputs || b.len() != outputs || inputs == 0 || outputs == 0 {
            return Err(ShapeError(format!(
                "a {outputs}×{inputs} layer needs {} weights and {outputs} biases, got {} and {}",
                inputs * outputs,
                w.len(),
                b.len()
            )));
        }
        let n_panels = outputs.div_ceil(PANEL);
        let mut panels = vec![0f32; n_panels * inputs * PANEL];
        for o in 0..outputs {
            let (p, lane) = (o / PANEL, o % PANEL);
            for i in 0..inputs {
                panels[(p * inputs + i) * PANEL + lane] = w[o * inputs + i];
            }
        }
        let mut bias = b.to_vec();
        bias.resize(n_panels * PANEL, 0.0);
        Ok(Linear {
            inputs,
            outputs,
            panels,
            bias,
        })
    }

    fn n_panels(&self) -> usize {
        self.outputs.div_ceil(PANEL)
    }

    fn panel(&self, p: usize) -> &[f32] {
        &self.panels[p * self.inputs * PANEL..(p + 1) * self.inputs * PANEL]
    }

    /// `out[r] = act(W · x[r] + b)` for `rows` rows (`x`: `rows × inputs`, `out`: `rows × outputs`).
    /// The AVX-512 kernel runs under [`Kernel::Avx512Vnni`], the AVX2 one under [`Kernel::Avx2`];
    /// the scalar kernel runs the portable loop, the reference the tests compare against.
    pub fn forward(&self, k: Kernel, x: &[f32], rows: usize, act: Act, out: &mut [f32]) {
        assert!(
            x.len() == rows * self.inputs && out.len() == rows * self.outputs,
            "a {}×{} layer on {rows} rows got {} inputs and {} outputs",
            self.outputs,
            self.inputs,
            x.len(),
            out.len()
        );
        let tiles = rows.div_ceil(ROW_TILE);
        let tasks: Vec<(usize, usize)> = (0..tiles)
            .flat_map(|t| (0..self.n_panels()).map(move |p| (t, p)))
            .collect();
        let dst = Out(out.as_mut_ptr());
        let run = |&(t, p): &(usize, usize)| {
            let r0 = t * ROW_TILE;
            let r1 = (r0 + ROW_TILE).min(rows);
            // SAFETY: this task alone writes rows r0..r1 of the panel's columns.
            unsafe { self.tile(k, x, (r0, r1), p, act, dst) };
        };
        if rows * self.inputs * self.outputs < PARALLEL_MACS || rayon::current_num_threads() <= 1 {
            tasks.iter().for_each(run);
        } else {
            tasks.par_iter().for_each(run);
        }
    }

    /// Rows `r0..r1` of panel `p`.
    ///
    /// # Safety
    /// `out` points at a `rows × outputs` buffer whose rows r0..r1, columns of panel `p`, no other
    /// thread touches meanwhile.
    unsafe fn tile(
        &self,
        k: Kernel,
        x: &[f32],
        (r0, r1): (usize, usize),
        p: usize,
        act: Act,
        out: Out,
    ) {
        #[cfg(target_arch = "x86_64")]
        if k == Kernel::Avx512Vnni {
            // SAFETY: `Avx512Vnni` is only handed out when the CPU has AVX-512 F; the rows and
            // panel exist and the caller owns their outputs.
            unsafe { avx512::tile(self, x, (r0, r1), p, act, out) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if k == Kernel::Avx2 {
            // SAFETY: `Avx2` is only handed out when the CPU has AVX2 and FMA; as above.
            unsafe { avx2::tile(self, x, (r0, r1), p, act, out) };
            return;
        }
        let _ = k;
        let cols = (self.outputs - p * PANEL).min(PANEL);
        let w = self.panel(p);
        let mut acc = [0f32; PANEL];
        for r in r0..r1 {
            acc.copy_from_slice(&self.bias[p * PANEL..(p + 1) * PANEL]);
            for (i, &xi) in x[r * self.inputs..(r + 1) * self.inputs].iter().enumerate() {
                for (a, &wv) in acc.iter_mut().zip(&w[i * PANEL..(i + 1) * PANEL]) {
                    *a += xi * wv;
                }
            }
            for (j, &a) in acc[..cols].iter().enumerate() {
                let v = match act {
                    Act::Identity => a,
                    Act::Gelu => gelu::gelu(a),
                };
                // SAFETY: (r, p·PANEL + j) is inside the output and belongs to this task.
                unsafe { *out.0.add(r * self.outputs + p * PANEL + j) = v };
            }
        }
    }
}

/// A raw pointer that may cross threads: each task writes its own disjoint outputs.
#[derive(Clone, Copy)]
struct Out(*mut f32);
// SAFETY: tasks write disjoint elements (see `Linear::forward`), and the borrow of the outputs
// outlives the parallel job.
unsafe impl Send for Out {}
unsafe impl Sync for Out {}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{Act, Linear, Out, PANEL, ROW_BLOCK};
    use crate::encoder::gelu;

    /// # Safety
    /// AVX-512 F; as [`Linear::tile`].
    #[target_feature(enable = "avx512f")]
    pub unsafe fn tile(
        l: &Linear,
        x: &[f32],
        (r0, r1): (usize, usize),
        p: usize,
        act: Act,
        out: Out,
    ) {
        let mut r = r0;
        while r < r1 {
            let n = (r1 - r).min(ROW_BLOCK);
            // SAFETY: rows r..r+n exist; the caller owns their outputs in this panel.
            unsafe {
                match n {
                    6 => block::<6>(l, x, r, p, act, out),
                    5 => block::<5>(l, x, r, p, act, out),
                    4 => block::<4>(l, x, r, p, act, out),
                    3 => block::<3>(l, x, r, p, act, out),
                    2 => block::<2>(l, x, r, p, act, out),
                    _ => block::<1>(l, x, r, p, act, out),
                }
            }
            r += n;
        }
    }

    /// Lanes of register `j` of panel `p` that are real outputs.
    fn mask(l: &Linear, p: usize, j: usize) -> __mmask16 {
        let first = p * PANEL + 16 * j;
        match l.outputs.saturating_sub(first) {
            n if n >= 16 => 0xffff,
            n => ((1u32 << n) - 1) as __mmask16,
        }
    }

    /// Rows `r..r + R` × the 64 outputs of panel `p`.
    ///
    /// # Safety
    /// AVX-512 F; the rows exist and their outputs in this panel belong to the caller.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn block<const R: usize>(l: &Linear, x: &[f32], r: usize, p: usize, act: Act, out: Out) {
        let n_in = l.inputs;
        let w = l.panel(p).as_ptr();
        debug_assert!(x.len() >= (r + R) * n_in);
        // SAFETY (every access below): the panel holds `n_in × 64` floats and the padded bias 64
        // from p·64; rows r..r+R of `x` hold `n_in` floats each; stores are masked to real outputs.
        unsafe {
            let b = l.bias.as_ptr().add(p * PANEL);
            let bias: [__m512; 4] = std::array::from_fn(|j| _mm512_loadu_ps(b.add(16 * j)));
            let mut acc = [bias; R];
            let xs = x.as_ptr().add(r * n_in);
            for i in 0..n_in {
                let wi = w.add(i * PANEL);
                let wv: [__m512; 4] = std::array::from_fn(|j| _mm512_loadu_ps(wi.add(16 * j)));
                for (k, row) in acc.iter_mut().enumerate() {
                    let xv = _mm512_set1_ps(*xs.add(k * n_in + i));
                    for (a, w) in row.iter_mut().zip(&wv) {
                        *a = _mm512_fmadd_ps(xv, *w, *a);
                    }
                }
            }
            for (k, row) in acc.iter().enumerate() {
                let o = out.0.add((r + k) * l.outputs + p * PANEL);
                for (j, a) in row.iter().enumerate() {
                    let v = match act {
                        Act::Identity => *a,
                        Act::Gelu => gelu::avx512::gelu(*a),
                    };
                    _mm512_mask_storeu_ps(o.add(16 * j), mask(l, p, j), v);
                }
            }
        }
    }
}

/// Three rows × half a panel (32 outputs, four registers) at a time: 12 accumulators, three
/// broadcast inputs and one weight register, AVX2's sixteen.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{Act, Linear, Out, PANEL};
    use crate::encoder::gelu;

    /// # Safety
    /// AVX2 and FMA; as [`Linear::tile`].
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn tile(
        l: &Linear,
        x: &[f32],
        (r0, r1): (usize, usize),
        p: usize,
        act: Act,
        out: Out,
    ) {
        for half in 0..2 {
            if p * PANEL + 32 * half >= l.outputs {
                break; // the last panel's padding
            }
            let mut r = r0;
            while r < r1 {
                let n = (r1 - r).min(3);
                // SAFETY: rows r..r+n exist; the caller owns their outputs in this panel.
                unsafe {
                    match n {
                        3 => block::<3>(l, x, r, p, half, act, out),
                        2 => block::<2>(l, x, r, p, half, act, out),
                        _ => block::<1>(l, x, r, p, half, act, out),
                    }
                }
                r += n;
            }
        }
    }

    /// Rows `r..r + R` × outputs `32·half .. 32·half + 32` of panel `p`.
    ///
    /// # Safety
    /// AVX2 and FMA; the rows exist and their outputs in this panel belong to the caller.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn block<const R: usize>(
        l: &Linear,
        x: &[f32],
        r: usize,
        p: usize,
        half: usize,
        act: Act,
        out: Out,
    ) {
        let n_in = l.inputs;
        let first = p * PANEL + 32 * half;
        let w = l.panel(p).as_ptr().wrapping_add(32 * half);
        debug_assert!(x.len() >= (r + R) * n_in);
        // SAFETY (every access below): the panel holds `n_in × 64` floats and the padded bias 64
        // from p·64, of which this half reads 32; rows r..r+R of `x` hold `n_in` floats each;
        // outputs past the layer's last are kept in a local array and never stored.
        unsafe {
            let b = l.bias.as_ptr().add(first);
            let bias: [__m256; 4] = std::array::from_fn(|j| _mm256_loadu_ps(b.add(8 * j)));
            let mut acc = [bias; R];
            let xs = x.as_ptr().add(r * n_in);
            for i in 0..n_in {
                let xv: [__m256; R] =
                    std::array::from_fn(|k| _mm256_set1_ps(*xs.add(k * n_in + i)));
                let wi = w.add(i * PANEL);
                for j in 0..4 {
                    let wv = _mm256_loadu_ps(wi.add(8 * j));
                    for (row, xk) in acc.iter_mut().zip(&xv) {
                        row[j] = _mm256_fmadd_ps(*xk, wv, row[j]);
                    }
                }
            }
            let real = l.outputs.saturating_sub(first).min(32);
            for (k, row) in acc.iter().enumerate() {
                let o = out.0.add((r + k) * l.outputs + first);
                let mut lanes = [0f32; 32];
                for (j, a) in row.iter().enumerate() {
                    let v = match act {
                        Act::Identity => *a,
                        Act::Gelu => gelu::avx2::gelu(*a),
                    };
                    _mm256_storeu_ps(lanes.as_mut_ptr().add(8 * j), v);
                }
                std::ptr::copy_nonoverlapping(lanes.as_ptr(), o, real);
            }
        }
    }
}
