//! Q4_1 weights repacked once at load for the AVX-512 VNNI kernel ([`Q41Pairs`]), and activations
//! laid out to match ([`ActPairs`]).
//!
//! Blocks go in pairs. A pair's 32 bytes of nibbles are ordered so that every group of four bytes
//! alternates between the two blocks: byte `j` holds block `(j / 4) % 2`'s value `(j / 8) * 4 + j % 4`
//! in its low nibble and that value + 16 in its high nibble. The kernel reads a pair with one load,
//! makes its 64 values with one shift and one mask, and each 32-bit lane of `vpdpbusd` (four bytes)
//! then belongs to block `lane % 2`: the two blocks' scales are one 8-byte broadcast, with no
//! shuffles. Scales and Q4_1 offsets are kept per row in their own `f32` arrays, so that the
//! offsets' sum `Σ m·s` is a plain vector dot product.

use crate::blocks::{ActBlock, Q41Block, QK};

/// Where block `(j / 4) % 2`'s value `(j / 8) * 4 + j % 4` sits: the pair byte `j`'s source.
fn source(j: usize) -> (usize, usize) {
    ((j / 4) % 2, (j / 8) * 4 + j % 4)
}

/// A Q4_1 matrix in pairs: row `n` has `nb / 2` pairs (`nb` even), `nb` scales and `nb` offsets.
#[derive(Clone, Debug, PartialEq)]
pub struct Q41Pairs {
    pub qs: Vec<[u8; QK]>,
    pub d: Vec<f32>,
    pub m: Vec<f32>,
}

impl Q41Pairs {
    /// Repacks row-major blocks (`blocks.len()` a multiple of an even row length).
    pub fn from_blocks(blocks: &[Q41Block]) -> Self {
        assert!(blocks.len().is_multiple_of(2), "blocks must pair up");
        let qs = blocks
            .chunks_exact(2)
            .map(|p| {
                std::array::from_fn(|j| {
                    let (b, v) = source(j);
                    p[b].qs[v]
                })
            })
            .collect();
        Q41Pairs {
            qs,
            d: blocks.iter().map(|b| b.d).collect(),
            m: blocks.iter().map(|b| b.m).collect(),
        }
    }

    /// Block `i` (row-major over the whole matrix) as it was before repacking.
    pub fn block(&self, i: usize) -> Q41Block {
        let pair = &self.qs[i / 2];
        let mut qs = [0u8; QK / 2];
        for (j, &byte) in pair.iter().enumerate() {
            let (b, v) = source(j);
            if b == i % 2 {
                qs[v] = byte;
            }
        }
        Q41Block {
            d: self.d[i],
            m: self.m[i],
            qs,
        }
    }

    /// Every block, row-major, as before repacking.
    pub fn to_blocks(&self) -> Vec<Q41Block> {
        (0..self.d.len()).map(|i| self.block(i)).collect()
    }

    /// Bytes the kernel reads for the whole matrix.
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(self.qs.as_slice()) + 8 * self.d.len()
    }

    /// Row `n` of a matrix with `nb` blocks per row.
    pub fn row(&self, n: usize, nb: usize) -> PairRow<'_> {
        PairRow {
            qs: &self.qs[n * nb / 2..(n + 1) * nb / 2],
            d: &self.d[n * nb..(n + 1) * nb],
            m: &self.m[n * nb..(n + 1) * nb],
        }
    }
}

/// One row of a [`Q41Pairs`] matrix.
#[derive(Clone, Copy, Debug)]
pub struct PairRow<'a> {
    pub qs: &'a [[u8; QK]],
    pub d: &'a [f32],
    pub m: &'a [f32],
}

/// Quantized activations of several tokens in the pair layout: per pair 64 signed bytes, the first
/// 32 matching the weights' low nibbles and the last 32 their high nibbles, and the two blocks'
/// scales `d` repeated across a 512-bit register (`[d0, d1, d0, d1, …]`, the lanes of the products),
/// both pair-major (the tokens of one pair side by side, so the kernel walks all its tokens from
/// one pointer); per block `s = d·Σq`, as in [`ActBlock`], token-major.
#[derive(Clone, Debug, Default)]
pub struct ActPairs {
    pub tokens: usize,
    /// Pairs per token.
    pub pairs: usize,
    /// Pair `p` of token `t` at `p * tokens + t`.
    pub qs: Vec<[i8; 2 * QK]>,
    /// As `qs`: the pair's two scales, eight times.
    pub d: Vec<[f32; 16]>,
    /// Block `b` of token `t` at `t * 2 * pairs + b`.
    pub s: Vec<f32>,
}

impl ActPairs {
    /// Rearranges `acts` (`tokens` rows of an even number of blocks each) into this layout.
    pub fn fill(&mut self, acts: &[ActBlock], tokens: usize) {
        let nb = acts.len() / tokens.max(1);
        assert!(
            nb.is_multiple_of(2) && nb * tokens == acts.len(),
            "blocks must pair up"
        );
        (self.tokens, self.pairs) = (tokens, nb / 2);
        self.qs.clear();
        self.d.clear();
        for p in 0..nb / 2 {
            for t in 0..tokens {
                let pair = &acts[t * nb + 2 * p..t * nb + 2 * p + 2];
                self.qs.push(std::array::from_fn(|j| {
                    let (b, v) = source(j % QK);
                    pair[b].qs[v + (j / QK) * (QK / 2)]
                }));
                self.d.push(std::array::from_fn(|i| pair[i % 2].d));
            }
        }
        self.s.clear();
        self.s.extend(acts.iter().map(|a| a.s));
    }
}

/// Row `w` · token `t` of `a` in plain Rust, block by block in pair order (the reference the SIMD
/// path is tested against, and the path for CPUs without AVX-512 VNNI).
pub fn scalar_dot(w: PairRow<'_>, a: &ActPairs, t: usize) -> f32 {
    let (mut sum, mut offset) = (0f32, 0f32);
    for (p, wq) in w.qs.iter().enumerate() {
        let (aq, ad) = (&a.qs[p * a.tokens + t], a.d[p * a.tokens + t]);
        let mut i = [0i32; 2];
        for j in 0..QK {
            let b = (j / 4) % 2;
            i[b] += (wq[j] & 0x0f) as i32 * aq[j] as i32;
            i[b] += (wq[j] >> 4) as i32 * aq[j + QK] as i32;
        }
        for (b, i) in i.into_iter().enumerate() {
            sum += i as f32 * (w.d[2 * p + b] * ad[b]);
            offset += w.m[2 * p + b] * a.s[t * 2 * a.pairs + 2 * p + b];
        }
    }
    sum + offset
}
