//! Q4_1 and Q8_0 weights repacked once at load for the AVX-512 VNNI kernel ([`Q41Pairs`],
//! [`Q8Pairs`]), and activations laid out to match ([`ActPairs`]).
//!
//! Blocks go in pairs. A pair's 32 bytes of nibbles are ordered so that every group of four bytes
//! alternates between the two blocks: byte `j` holds block `(j / 4) % 2`'s value `(j / 8) * 4 + j % 4`
//! in its low nibble and that value + 16 in its high nibble. The kernel reads a pair with one load,
//! makes its 64 values with one shift and one mask, and each 32-bit lane of `vpdpbusd` (four bytes)
//! then belongs to block `lane % 2`: the two blocks' scales are one 8-byte broadcast, with no
//! shuffles. Scales and Q4_1 offsets are kept per row in their own `f32` arrays, so that the
//! offsets' sum `Σ m·s` is a plain vector dot product.

use crate::blocks::{ActBlock, Q8Block, Q41Block, QK};

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

/// Where value `v` of block `b` sits in a pair of 64 bytes (the activations' order, [`ActPairs`]):
/// the inverse of byte `j` holding block `(j % 32 / 4) % 2`'s value `(j % 32 / 8) * 4 + j % 4 +
/// 16 * (j / 32)`.
fn source8(j: usize) -> (usize, usize) {
    let (b, v) = source(j % QK);
    (b, v + (j / QK) * (QK / 2))
}

/// A Q8_0 matrix in pairs for the same kernel: per pair 64 bytes `w + 128` in the activations' byte
/// order (unsigned, so that `vpdpbusd` takes them as its unsigned operand), and per block its scale.
/// The bias comes back out as an offset like Q4_1's: `Σ(w + 128)·a = Σ w·a + 128·Σa`, so a block
/// adds `−128·d` times the activations' unrounded `d·Σq` ([`ActPairs::sums`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Q8Pairs {
    pub qs: Vec<[u8; 2 * QK]>,
    pub d: Vec<f32>,
}

impl Q8Pairs {
    /// Repacks row-major blocks (`blocks.len()` a multiple of an even row length).
    pub fn from_blocks(blocks: &[Q8Block]) -> Self {
        assert!(blocks.len().is_multiple_of(2), "blocks must pair up");
        let qs = blocks
            .chunks_exact(2)
            .map(|p| {
                std::array::from_fn(|j| {
                    let (b, v) = source8(j);
                    (p[b].qs[v] as u8) ^ 0x80
                })
            })
            .collect();
        Q8Pairs {
            qs,
            d: blocks.iter().map(|b| b.d).collect(),
        }
    }

    /// Block `i` (row-major over the whole matrix) as it was before repacking.
    pub fn block(&self, i: usize) -> Q8Block {
        let pair = &self.qs[i / 2];
        let mut qs = [0i8; QK];
        for (j, &byte) in pair.iter().enumerate() {
            let (b, v) = source8(j);
            if b == i % 2 {
                qs[v] = (byte ^ 0x80) as i8;
            }
        }
        Q8Block { d: self.d[i], qs }
    }

    /// Every block, row-major, as before repacking.
    pub fn to_blocks(&self) -> Vec<Q8Block> {
        (0..self.d.len()).map(|i| self.block(i)).collect()
    }

    /// Bytes the kernel reads for the whole matrix.
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(self.qs.as_slice()) + 4 * self.d.len()
    }
}

/// Row `n` (`nb` blocks) of a [`Q8Pairs`] matrix · token `t` of `a` in plain Rust: each block's
/// integer sum, scaled, as Q8_0's reference sums it.
pub fn scalar_dot8(w: &Q8Pairs, n: usize, nb: usize, a: &ActPairs, t: usize) -> f32 {
    let mut sum = 0f32;
    for p in 0..nb / 2 {
        let (wq, aq, ad) = (
            &w.qs[n * nb / 2 + p],
            &a.qs[a.index(p, t)],
            a.d[a.index(p, t)],
        );
        let mut i = [0i32; 2];
        for j in 0..2 * QK {
            i[source8(j).0] += ((wq[j] ^ 0x80) as i8) as i32 * aq[j] as i32;
        }
        for (b, i) in i.into_iter().enumerate() {
            sum += i as f32 * (w.d[n * nb + 2 * p + b] * ad[b]);
        }
    }
    sum
}

/// Quantized activations of several tokens in the pair layout: per pair 64 signed bytes, the first
/// 32 matching the weights' low nibbles and the last 32 their high nibbles, and the two blocks'
/// scales `d` repeated across a 512-bit register (`[d0, d1, d0, d1, …]`, the lanes of the products),
/// both in groups of [`GROUP`] tokens, pair-major within a group (the group's tokens of one pair
/// side by side, so the kernel walks them from one pointer, and a group's pairs lie together, so
/// that a long prompt's groups do not fall on the same cache sets); per block `s = d·Σq`, as in
/// [`ActBlock`], token-major.
#[derive(Clone, Debug, Default)]
pub struct ActPairs {
    pub tokens: usize,
    /// Pairs per token.
    pub pairs: usize,
    /// Pair `p` of token `t` at [`ActPairs::index`]`(p, t)`.
    pub qs: Vec<[i8; 2 * QK]>,
    /// As `qs`: the pair's two scales, eight times.
    pub d: Vec<[f32; 16]>,
    /// Block `b` of token `t` at `t * 2 * pairs + b`.
    pub s: Vec<f32>,
    /// As `s`, but `d·Σq` unrounded (the offset of [`Q8Pairs`]' bias).
    pub sums: Vec<f32>,
}

/// Tokens per group of [`ActPairs`] (the most the kernel takes at once).
pub const GROUP: usize = 8;

impl ActPairs {
    /// Tokens in the group of token `t`.
    pub fn group_len(&self, t: usize) -> usize {
        (self.tokens - t / GROUP * GROUP).min(GROUP)
    }

    /// Where pair `p` of token `t` sits in `qs` and `d`.
    pub fn index(&self, p: usize, t: usize) -> usize {
        let g = t / GROUP * GROUP;
        g * self.pairs + p * self.group_len(t) + t % GROUP
    }

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
        for g in (0..tokens).step_by(GROUP) {
            for p in 0..nb / 2 {
                for t in g..(g + GROUP).min(tokens) {
                    let pair = &acts[t * nb + 2 * p..t * nb + 2 * p + 2];
                    self.qs.push(std::array::from_fn(|j| {
                        let (b, v) = source8(j);
                        pair[b].qs[v]
                    }));
                    self.d.push(std::array::from_fn(|i| pair[i % 2].d));
                }
            }
        }
        self.s.clear();
        self.s.extend(acts.iter().map(|a| a.s));
        self.sums.clear();
        self.sums.extend(
            acts.iter()
                .map(|a| a.d * a.qs.iter().map(|&q| q as i32).sum::<i32>() as f32),
        );
    }
}

/// Row `w` · token `t` of `a` in plain Rust, block by block in pair order (the reference the SIMD
/// path is tested against, and the path for CPUs without AVX-512 VNNI).
pub fn scalar_dot(w: PairRow<'_>, a: &ActPairs, t: usize) -> f32 {
    let (mut sum, mut offset) = (0f32, 0f32);
    for (p, wq) in w.qs.iter().enumerate() {
        let (aq, ad) = (&a.qs[a.index(p, t)], a.d[a.index(p, t)]);
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
