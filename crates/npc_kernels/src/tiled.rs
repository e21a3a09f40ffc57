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

/// A Q4_1 matrix in tiles: row group `g` (rows `16g..16g + 16`), block `b` is tile `g * nb + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Q41Tiles {
    pub tiles: Vec<Tile>,
    /// Blocks per row.
    pub nb: usize,
}

impl Q41Tiles {
    /// Repacks row-major blocks of `nb` per row (the row count a multiple of [`TILE_ROWS`]).
    pub fn from_blocks(blocks: &[Q41Block], nb: usize) -> Self {
        let rows = blocks.len() / nb.max(1);
        assert!(
            nb > 0 && rows * nb == blocks.len() && rows.is_multiple_of(TILE_ROWS),
            "{} blocks of {nb} per row do not make whole tiles",
            blocks.len()
        );
        let mut tiles = Vec::with_capacity(blocks.len() / TILE_ROWS);
        for g in 0..rows / TILE_ROWS {
            for b in 0..nb {
                let block = |r: usize| &blocks[(g * TILE_ROWS + r) * nb + b];
                tiles.push(Tile {
                    qs: std::array::from_fn(|j| {
                        std::array::from_fn(|i| block(i / 4).qs[4 * j + i % 4])
                    }),
                    d: std::array::from_fn(|r| block(r).d),
                    m: std::array::from_fn(|r| block(r).m),
                });
            }
        }
        Q41Tiles { tiles, nb }
    }

    /// Block `i` (row-major over the whole matrix) as it was before repacking.
    pub fn block(&self, i: usize) -> Q41Block {
        let (n, b) = (i / self.nb, i % self.nb);
        let (tile, r) = (&self.tiles[n / TILE_ROWS * self.nb + b], n % TILE_ROWS);
        Q41Block {
            d: tile.d[r],
            m: tile.m[r],
            qs: std::array::from_fn(|k| tile.qs[k / 4][4 * r + k % 4]),
        }
    }

    /// Every block, row-major, as before repacking.
    pub fn to_blocks(&self) -> Vec<Q41Block> {
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
    pub fn group(&self, g: usize) -> &[Tile] {
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

/// A Q8_0 matrix in tiles: row group `g`, block `b` is tile `g * nb + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Q8Tiles {
    pub tiles: Vec<Tile8>,
    /// Blocks per row.
    pub nb: usize,
}

impl Q8Tiles {
    /// Repacks row-major blocks of `nb` per row (the row count a multiple of [`TILE_ROWS`]).
    pub fn from_blocks(blocks: &[Q8Block], nb: usize) -> Self {
        let rows = blocks.len() / nb.max(1);
        assert!(
            nb > 0 && rows * nb == blocks.len() && rows.is_multiple_of(TILE_ROWS),
            "{} blocks of {nb} per row do not make whole tiles",
            blocks.len()
        );
        let mut tiles = Vec::with_capacity(blocks.len() / TILE_ROWS);
        for g in 0..rows / TILE_ROWS {
            for b in 0..nb {
                let block = |r: usize| &blocks[(g * TILE_ROWS + r) * nb + b];
                tiles.push(Tile8 {
                    qs: std::array::from_fn(|j| {
                        std::array::from_fn(|i| (block(i / 4).qs[4 * j + i % 4] as u8) ^ 0x80)
                    }),
                    d: std::array::from_fn(|r| block(r).d),
                });
            }
        }
        Q8Tiles { tiles, nb }
    }

    /// Block `i` (row-major over the whole matrix) as it was before repacking.
    pub fn block(&self, i: usize) -> Q8Block {
        let (n, b) = (i / self.nb, i % self.nb);
        let (tile, r) = (&self.tiles[n / TILE_ROWS * self.nb + b], n % TILE_ROWS);
        Q8Block {
            d: tile.d[r],
            qs: std::array::from_fn(|k| (tile.qs[k / 4][4 * r + k % 4] ^ 0x80) as i8),
        }
    }

    /// Every block, row-major, as before repacking.
    pub fn to_blocks(&self) -> Vec<Q8Block> {
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
    pub fn group(&self, g: usize) -> &[Tile8] {
        &self.tiles[g * self.nb..(g + 1) * self.nb]
    }
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
