//! A quantized weight matrix (rows of packed blocks, one row per output) and the products of a
//! layer: `out[t][n] = W[n] · x[t]` for a batch of token rows. Rows are split across the caller's
//! rayon pool in chunks; for each weight row (or tile of sixteen rows) every token is done before
//! the next, so a row is read from memory once per product however many tokens there are. Several
//! matrices that read the same input (q, k and v; gate and up) run as one parallel job.

use rayon::prelude::*;

use crate::blocks::{ActBlock, Q8Block, Q41Block, QK};
use crate::dot::{Kernel, Tiled};
use crate::tiled::{Q8Tiles, Q41Tiles, TILE_ROWS, block_sums};

/// The blocks of a matrix, in one of the packed formats.
#[derive(Clone, Debug, PartialEq)]
pub enum Packed {
    Q8(Vec<Q8Block>),
    Q41(Vec<Q41Block>),
    /// Q4_1 repacked in tiles of sixteen rows for the AVX-512 VNNI kernel (see
    /// [`QMatrix::prepare`]).
    Q41Tiles(Q41Tiles),
    /// Q8_0 in tiles of sixteen rows, for the same kernel.
    Q8Tiles(Q8Tiles),
}

/// A `rows × cols` matrix of packed blocks, row-major (`cols` a multiple of 32).
#[derive(Clone, Debug)]
pub struct QMatrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Packed,
}

/// Why blocks do not make a matrix.
#[derive(Debug, PartialEq, Eq)]
pub struct ShapeError(pub String);

impl std::fmt::Display for ShapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ShapeError {}

impl QMatrix {
    pub fn new(rows: usize, cols: usize, data: Packed) -> Result<Self, ShapeError> {
        let blocks = match &data {
            Packed::Q8(b) => b.len(),
            Packed::Q41(b) => b.len(),
            Packed::Q41Tiles(t) if t.rows() == rows && t.nb * QK == cols => rows * t.nb,
            Packed::Q8Tiles(t) if t.rows() == rows && t.nb * QK == cols => rows * t.nb,
            Packed::Q41Tiles(_) | Packed::Q8Tiles(_) => usize::MAX,
        };
        if !cols.is_multiple_of(QK) || blocks != rows * cols / QK {
            return Err(ShapeError(format!(
                "{blocks} blocks do not make a {rows}×{cols} matrix of {QK}-value blocks"
            )));
        }
        Ok(QMatrix { rows, cols, data })
    }

    /// Blocks per row.
    pub fn row_blocks(&self) -> usize {
        self.cols / QK
    }

    /// Bytes of packed weights (what one product reads).
    pub fn bytes(&self) -> usize {
        match &self.data {
            Packed::Q8(b) => std::mem::size_of_val(b.as_slice()),
            Packed::Q41(b) => std::mem::size_of_val(b.as_slice()),
            Packed::Q41Tiles(t) => t.bytes(),
            Packed::Q8Tiles(t) => t.bytes(),
        }
    }

    /// Lays the weights out for kernel `k`: for AVX-512 VNNI in tiles of sixteen rows where the
    /// rows come in sixteens (every matrix of the models we load), otherwise plain blocks (which
    /// every kernel reads). The values are the same either way.
    pub fn prepare(&mut self, k: Kernel) {
        let vnni = k == Kernel::Avx512Vnni;
        let (nb, rows) = (self.row_blocks(), self.rows);
        let tiles = vnni && rows.is_multiple_of(TILE_ROWS) && rows > 0;
        // Back to plain blocks first, then into the layout `k` wants.
        self.data = match std::mem::replace(&mut self.data, Packed::Q8(Vec::new())) {
            Packed::Q41Tiles(t) => Packed::Q41(t.to_blocks()),
            Packed::Q8Tiles(t) => Packed::Q8(t.to_blocks()),
            plain => plain,
        };
        self.data = match std::mem::replace(&mut self.data, Packed::Q8(Vec::new())) {
            Packed::Q41(b) if tiles => Packed::Q41Tiles(Q41Tiles::from_blocks(&b, nb)),
            Packed::Q8(b) if tiles => Packed::Q8Tiles(Q8Tiles::from_blocks(&b, nb)),
            plain => plain,
        };
    }

    /// The matrix in tiles, if it is laid out so.
    fn tiles(&self) -> Option<Tiled<'_>> {
        match &self.data {
            Packed::Q41Tiles(t) => Some(Tiled::Q41(t)),
            Packed::Q8Tiles(t) => Some(Tiled::Q8(t)),
            _ => None,
        }
    }

    pub fn format(&self) -> &'static str {
        match &self.data {
            Packed::Q8(_) | Packed::Q8Tiles(_) => "q8_0",
            Packed::Q41(_) | Packed::Q41Tiles(_) => "q4_1",
        }
    }

    /// Row `n` · `a` (one token's quantized activations). A tiled matrix is unpacked row by row
    /// here (slow: products use its own path).
    #[inline]
    pub fn row_dot(&self, k: Kernel, n: usize, a: &[ActBlock]) -> f32 {
        let nb = self.row_blocks();
        match &self.data {
            Packed::Q8(b) => k.dot_q8(&b[n * nb..(n + 1) * nb], a),
            Packed::Q41(b) => k.dot_q41(&b[n * nb..(n + 1) * nb], a),
            Packed::Q41Tiles(t) => k.dot_q41(&t.row(n), a),
            Packed::Q8Tiles(t) => k.dot_q8(&t.row(n), a),
        }
    }

    /// Row `n` · four tokens' activations, each as [`QMatrix::row_dot`] computes it.
    #[inline]
    pub fn row_dot_x4(&self, k: Kernel, n: usize, a: [&[ActBlock]; 4]) -> [f32; 4] {
        let nb = self.row_blocks();
        match &self.data {
            Packed::Q8(b) => k.dot_q8_x4(&b[n * nb..(n + 1) * nb], a),
            Packed::Q41(b) => k.dot_q41_x4(&b[n * nb..(n + 1) * nb], a),
            Packed::Q41Tiles(t) => k.dot_q41_x4(&t.row(n), a),
            Packed::Q8Tiles(t) => k.dot_q8_x4(&t.row(n), a),
        }
    }

    /// Row `n` as floats (an embedding lookup).
    pub fn dequantize_row(&self, n: usize, out: &mut [f32]) {
        let nb = self.row_blocks();
        for (i, chunk) in out[..self.cols].chunks_exact_mut(QK).enumerate() {
            match &self.data {
                Packed::Q8(b) => b[n * nb + i].dequantize(chunk),
                Packed::Q41(b) => b[n * nb + i].dequantize(chunk),
                Packed::Q41Tiles(t) => t.block(n * nb + i).dequantize(chunk),
                Packed::Q8Tiles(t) => t.block(n * nb + i).dequantize(chunk),
            }
        }
    }
}

/// One product of a group: `out` is `tokens × w.rows`, row-major.
pub struct Product<'a> {
    pub w: &'a QMatrix,
    pub out: &'a mut [f32],
}

/// A raw pointer that may cross threads: each task writes its own disjoint rows.
#[derive(Clone, Copy)]
struct Out(*mut f32);
// SAFETY: tasks write disjoint elements (see `products`), and the borrow of the outputs outlives
// the parallel job.
unsafe impl Send for Out {}
unsafe impl Sync for Out {}

/// Rows per task: enough tasks for every thread to share, not so many that scheduling shows.
fn chunk_rows(rows: usize, threads: usize) -> usize {
    let tasks = (threads * 4).max(1);
    rows.div_ceil(tasks).clamp(8, 1024)
}

/// Runs every product of `group` on the same input `acts` (`tokens` rows of `cols / 32` blocks),
/// in parallel on the current rayon pool.
pub fn products(k: Kernel, group: &mut [Product<'_>], acts: &[ActBlock], tokens: usize) {
    let threads = rayon::current_num_threads();
    let mut tasks: Vec<(usize, usize, usize)> = Vec::new(); // (product, first row, end row)
    let mut outs = Vec::with_capacity(group.len());
    for (i, p) in group.iter_mut().enumerate() {
        let nb = p.w.row_blocks();
        assert_eq!(
            acts.len(),
            tokens * nb,
            "activations do not match the matrix"
        );
        assert_eq!(
            p.out.len(),
            tokens * p.w.rows,
            "output does not match the matrix"
        );
        let mut step = chunk_rows(p.w.rows, threads);
        if p.w.tiles().is_some() {
            step = step.next_multiple_of(TILE_ROWS);
        }
        let mut r = 0;
        while r < p.w.rows {
            tasks.push((i, r, (r + step).min(p.w.rows)));
            r += step;
        }
        outs.push(Out(p.out.as_mut_ptr()));
    }
    let mats: Vec<&QMatrix> = group.iter().map(|p| p.w).collect();
    let mut sums = Vec::new();
    if mats.iter().any(|m| matches!(m.tiles(), Some(Tiled::Q8(_)))) {
        block_sums(acts, &mut sums);
    }
    let run = |&(i, from, to): &(usize, usize, usize)| {
        let w = mats[i];
        let nb = w.row_blocks();
        let out = outs[i];
        if let Some(t) = w.tiles() {
            // SAFETY: rows from..to (whole tiles) of the output belong to this task alone.
            unsafe { k.tile_rows(t, (from, to), (acts, &sums), tokens, out.0, w.rows) };
            return;
        }
        let act = |t: usize| &acts[t * nb..(t + 1) * nb];
        for n in from..to {
            // Tokens four at a time share the row's loads (and give the CPU four independent
            // sums); each result is bit-identical to a one-token product.
            let mut t = 0;
            while t + 4 <= tokens {
                let v = w.row_dot_x4(k, n, [act(t), act(t + 1), act(t + 2), act(t + 3)]);
                for (i, v) in v.into_iter().enumerate() {
                    // SAFETY: (t + i, n) is inside the `tokens × rows` output, and row n belongs
                    // to this task alone.
                    unsafe { *out.0.add((t + i) * w.rows + n) = v };
                }
                t += 4;
            }
            for t in t..tokens {
                let v = w.row_dot(k, n, act(t));
                // SAFETY: as above.
                unsafe { *out.0.add(t * w.rows + n) = v };
            }
        }
    };
    if threads <= 1 || tasks.len() <= 1 {
        tasks.iter().for_each(run);
    } else {
        tasks.par_iter().for_each(run);
    }
}

/// `out = W · x` for the token rows of `acts` (a group of one).
pub fn product(k: Kernel, w: &QMatrix, acts: &[ActBlock], tokens: usize, out: &mut [f32]) {
    products(k, &mut [Product { w, out }], acts, tokens);
}
