//! Q4_1 and Q8_0 weights repacked once at load in tiles of sixteen rows for the AVX-512 VNNI kernel
//! ([`Q41Tiles`], [`Q8Tiles`]), and the plain-Rust products in the kernel's order ([`scalar_dot`],
//! [`scalar_dot8`]).
//!
//! A tile is one block (32 values) of sixteen consecutive rows. Its nibbles are four 512-bit
//! registers: register `j`'s 32-bit lane `r` holds row `r`'s block bytes `4j..4j + 4`, whose low
//! nibbles are the row's values `4j..4j + 4` and whose high nibbles are its values `16 + 4j..20 + 4j`.
//! So one `vpdpbusd` multiplies four values of all sixteen rows by the same four activations (one
//! 32-bit broadcast) and sums them into each row's lane: the lanes are the outputs, nothing is
//! summed across lanes, and a block's scales are applied once per sixteen rows, not once per row.
//! The rows' scales and offsets follow the nibbles, so the kernel reads one tile front to back.
//!
//! A Q8_0 tile is the same with whole bytes: eight registers, register `j`'s lane `r` holding row
//! `r`'s values `4j..4j + 4`, each biased by 128 (`vpdpbusd` takes its first operand unsigned); the
//! kernel takes `128·Σq` of the token's block back out of each integer sum, so the sums are exact.

use crate::blocks::{ActBlock, Q8Block, Q41Block, QK};

/// Rows per tile: the lanes of one 512-bit register of `i32`.
pub const TILE_ROWS: usize = 16;

/// One block of sixteen rows (see the module's notes for the byte order).
#[derive(Clone, Debug, PartialEq)]
#[repr(C, align(64))]
pub struct Tile {
    pub qs: [[u8; 64]; 4],
    pub d: [f32; TILE_ROWS],
    pub m: [f32; TILE_ROWS],
}

/// A matrix in tiles of one format: row group `g` (rows `16g..16g + 16`), block `b` is tile
/// `g * nb + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Tiles<T> {
    pub tiles: Vec<T>,
    /// Blocks per row.
    pub nb: usize,
}

/// A Q4_1 matrix in tiles.
pub type Q41Tiles = Tiles<Tile>;
/// A Q8_0 matrix in tiles.
pub type Q8Tiles = Tiles<Tile8>;

/// How one format's blocks of sixteen rows make a tile and come back out of it.
pub trait Packing: Sized {
    type Block;
    /// The tile of the sixteen rows' blocks `rows`.
    fn pack(rows: [&Self::Block; TILE_ROWS]) -> Self;
    /// Row `r`'s block, as it was before packing.
    fn unpack(&self, r: usize) -> Self::Block;
}

impl Packing for Tile {
    type Block = Q41Block;

    fn pack(rows: [&Q41Block; TILE_ROWS]) -> Self {
        Tile {
            qs: std::array::from_fn(|j| std::array::from_fn(|i| rows[i / 4].qs[4 * j + i % 4])),
            d: rows.map(|b| b.d),
            m: rows.map(|b| b.m),
        }
    }

    fn unpack(&self, r: usize) -> Q41Block {
        Q41Block {
            d: self.d[r],
            m: self.m[r],
            qs: std::array::from_fn(|k| self.qs[k / 4][4 * r + k % 4]),
        }
    }
}

impl Packing for Tile8 {
    type Block = Q8Block;

    fn pack(rows: [&Q8Block; TILE_ROWS]) -> Self {
        Tile8 {
            qs: std::array::from_fn(|j| {
                std::array::from_fn(|i| (rows[i / 4].qs[4 * j + i % 4] as u8) ^ 0x80)
            }),
            d: rows.map(|b| b.d),
        }
    }

    fn unpack(&self, r: usize) -> Q8Block {
        Q8Block {
            d: self.d[r],
            qs: std::array::from_fn(|k| (self.qs[k / 4][4 * r + k % 4] ^ 0x80) as i8),
        }
    }
}

impl<T: Packing> Tiles<T> {
    /// Repacks row-major blocks of `nb` per row (the row count a multiple of [`TILE_ROWS`]).
    pub fn from_blocks(blocks: &[T::Block], nb: usize) -> Self {
        let rows = blocks.len() / nb.max(1);
        assert!(
            nb > 0 && rows * nb == blocks.len() && rows.is_multiple_of(TILE_ROWS),
            "{} blocks of {nb} per row do not make whole tiles",
            blocks.len()
        );
        let mut tiles = Vec::with_capacity(blocks.len() / TILE_ROWS);
        for g in 0..rows / TILE_ROWS {
            for b in 0..nb {
                tiles.push(T::pack(std::array::from_fn(|r| {
                    &blocks[(g * TILE_ROWS + r) * nb + b]
                })));
            }
        }
        Tiles { tiles, nb }
    }

    /// Block `i` (row-major over the whole matrix) as it was before repacking.
    pub fn block(&self, i: usize) -> T::Block {
        let (n, b) = (i / self.nb, i % self.nb);
        self.tiles[n / TILE_ROWS * self.nb + b].unpack(n % TILE_ROWS)
    }

    /// Row `n`'s blocks, as before repacking.
    pub fn row(&self, n: usize) -> Vec<T::Block> {
        (n * self.nb..(n + 1) * self.nb)
            .map(|i| self.block(i))
            .collect()
    }

    /// Every block, row-major, as before repacking.
    pub fn to_blocks(&self) -> Vec<T::Block> {
        (0..self.tiles.len() * TILE_ROWS)
            .map(|i| self.block(i))
            .collect()
    }

    /// Rows of the matrix.
    pub fn rows(&self) -> usize {
        self.tiles.len() / self.nb.max(1) * TILE_ROWS
    }

    /// Bytes the kernel reads for the whole matrix.
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(self.tiles.as_slice())
    }

    /// The `nb` tiles of row group `g`.
    pub fn group(&self, g: usize) -> &[T] {
        &self.tiles[g * self.nb..(g + 1) * self.nb]
    }
}

/// Row `r` of the row group `tiles` · one token's activations `a`, in plain Rust, in the AVX-512
/// kernel's order: per block the integer sum, then `acc += isum·(d_w·d_a)` and `acc += m·s`, each
/// rounded once (fused), so that the kernel's result is this one to the bit. The path for CPUs
/// without AVX-512 VNNI.
pub fn scalar_dot(tiles: &[Tile], r: usize, a: &[ActBlock]) -> f32 {
    let mut acc = 0f32;
    for (tile, a) in tiles.iter().zip(a) {
        let mut isum = 0i32;
        for k in 0..QK / 2 {
            let byte = tile.qs[k / 4][4 * r + k % 4];
            isum += (byte & 0x0f) as i32 * a.qs[k] as i32;
            isum += (byte >> 4) as i32 * a.qs[k + QK / 2] as i32;
        }
        acc = (isum as f32).mul_add(tile.d[r] * a.d, acc);
        acc = tile.m[r].mul_add(a.s, acc);
    }
    acc
}

/// One Q8_0 block of sixteen rows (see the module's notes for the byte order).
#[derive(Clone, Debug, PartialEq)]
#[repr(C, align(64))]
pub struct Tile8 {
    pub qs: [[u8; 64]; 8],
    pub d: [f32; TILE_ROWS],
}

/// Each block's `Σq` of `acts`, as integers (what a Q8_0 tile's bias takes back out).
pub fn block_sums(acts: &[ActBlock], out: &mut Vec<i32>) {
    out.clear();
    out.extend(
        acts.iter()
            .map(|a| a.qs.iter().map(|&q| q as i32).sum::<i32>()),
    );
}

/// Row `r` of the Q8_0 row group `tiles` · one token's activations `a`, in plain Rust, in the
/// AVX-512 kernel's order: per block the exact integer sum, then `acc += isum·(d_w·d_a)`, rounded
/// once (fused).
pub fn scalar_dot8(tiles: &[Tile8], r: usize, a: &[ActBlock]) -> f32 {
    let mut acc = 0f32;
    for (tile, a) in tiles.iter().zip(a) {
        let mut isum = 0i32;
        for k in 0..QK {
            let w = (tile.qs[k / 4][4 * r + k % 4] ^ 0x80) as i8;
            isum += w as i32 * a.qs[k] as i32;
        }
        acc = (isum as f32).mul_add(tile.d[r] * a.d, acc);
    }
    acc
}
