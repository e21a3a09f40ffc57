//! Products of Q4_1 and Q8_0 tiles ([`crate::tiled`]) with token rows of activations: the AVX-512
//! VNNI path, and the scalar one for every other kernel.
//!
//! Per block of sixteen rows the AVX-512 path loads the tile's four registers of nibbles once and
//! makes its eight registers of values (one shift and two masks per load); then per token eight
//! `vpdpbusd`, each with the token's four activation bytes broadcast from memory, one conversion,
//! one multiply of the rows' scales by the token's, and two fused adds (the scaled sum and the
//! offset `m·s`). That is 12 instructions per 512 multiply-adds, where a row-wise dot product needs
//! four per 64 and a sum across lanes at the end. Tokens go eight, then four, then one at a time,
//! and a token's result is computed by the same operations in the same order whichever, so a
//! prompt cut anywhere gives the same numbers. A Q8_0 tile needs no unpacking, and its bias comes
//! out of each integer sum with one subtraction of the token's `128·Σq`.

use super::Kernel;
use crate::blocks::ActBlock;
use crate::tiled::{Q8Tiles, Q41Tiles, TILE_ROWS, scalar_dot, scalar_dot8};

/// A tiled matrix, in either format.
#[derive(Clone, Copy, Debug)]
pub enum Tiled<'a> {
    Q41(&'a Q41Tiles),
    Q8(&'a Q8Tiles),
}

impl Tiled<'_> {
    fn nb(self) -> usize {
        match self {
            Tiled::Q41(w) => w.nb,
            Tiled::Q8(w) => w.nb,
        }
    }

    fn rows(self) -> usize {
        match self {
            Tiled::Q41(w) => w.rows(),
            Tiled::Q8(w) => w.rows(),
        }
    }
}

impl Kernel {
    /// `out[t * stride + n]` = row `n` of `w` · token `t` of `acts` (`tokens` rows of `nb`
    /// blocks), for rows `from..to` (multiples of [`TILE_ROWS`]) and every token. `sums` holds
    /// each block's `Σq` ([`crate::tiled::block_sums`]) for Q8_0 and may be empty for Q4_1.
    ///
    /// # Safety
    /// `out` must be valid for writes at every `t * stride + n` (`t < tokens`, `n` in `from..to`),
    /// and no other thread may write those elements meanwhile.
    pub unsafe fn tile_rows(
        self,
        w: Tiled<'_>,
        (from, to): (usize, usize),
        (acts, sums): (&[ActBlock], &[i32]),
        tokens: usize,
        out: *mut f32,
        stride: usize,
    ) {
        let nb = w.nb();
        assert!(
            from.is_multiple_of(TILE_ROWS)
                && to.is_multiple_of(TILE_ROWS)
                && from <= to
                && to <= w.rows()
                && to <= stride
                && acts.len() == tokens * nb
                && (matches!(w, Tiled::Q41(_)) || sums.len() == acts.len()),
            "tiled rows out of bounds"
        );
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx512Vnni` is only handed out when the CPU has every feature it uses;
            // bounds checked above; `out` as the caller promised.
            Kernel::Avx512Vnni => unsafe {
                avx512::rows(w, (from, to), (acts, sums), tokens, out, stride)
            },
            _ => {
                for g in from / TILE_ROWS..to / TILE_ROWS {
                    for t in 0..tokens {
                        let a = &acts[t * nb..(t + 1) * nb];
                        for r in 0..TILE_ROWS {
                            let v = match w {
                                Tiled::Q41(w) => scalar_dot(w.group(g), r, a),
                                Tiled::Q8(w) => scalar_dot8(w.group(g), r, a),
                            };
                            // SAFETY: the caller's contract.
                            unsafe { *out.add(t * stride + g * TILE_ROWS + r) = v };
                        }
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::Tiled;
    use crate::blocks::ActBlock;
    use crate::tiled::{TILE_ROWS, Tile, Tile8};

    /// The sixteen rows of `tiles` (one row group, `nb` tiles) · `T` tokens whose blocks start at
    /// `a[i]`: one register of sixteen results per token.
    ///
    /// # Safety
    /// Each `a[i]` points at `tiles.len()` readable blocks.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    unsafe fn group<const T: usize>(tiles: &[Tile], a: [*const ActBlock; T]) -> [__m512; T] {
        let mask = _mm512_set1_epi8(0x0f);
        let mut acc = [_mm512_setzero_ps(); T];
        for (b, tile) in tiles.iter().enumerate() {
            let mut x = [_mm512_setzero_si512(); 8];
            for j in 0..4 {
                // SAFETY: a tile is 64-byte aligned, its registers 64 bytes each.
                let q = unsafe { _mm512_load_si512(tile.qs[j].as_ptr() as *const __m512i) };
                x[j] = _mm512_and_si512(q, mask);
                x[j + 4] = _mm512_and_si512(_mm512_srli_epi16::<4>(q), mask);
            }
            // SAFETY: as above, sixteen floats each.
            let (d, m) = unsafe {
                (
                    _mm512_load_ps(tile.d.as_ptr()),
                    _mm512_load_ps(tile.m.as_ptr()),
                )
            };
            for (t, acc) in acc.iter_mut().enumerate() {
                // SAFETY: block b of token t exists (the caller's guarantee).
                let ab = unsafe { &*a[t].add(b) };
                let q = ab.qs.as_ptr() as *const i32;
                // SAFETY: eight unaligned 4-byte reads inside the block's 32 bytes.
                let word =
                    |k: usize| _mm512_set1_epi32(unsafe { std::ptr::read_unaligned(q.add(k)) });
                // Alone, a token's eight products run as two chains (the instruction's latency);
                // with others beside it, one.
                let i = if T < 4 {
                    let (mut lo, mut hi) = (_mm512_setzero_si512(), _mm512_setzero_si512());
                    for k in 0..4 {
                        lo = _mm512_dpbusd_epi32(lo, x[k], word(k));
                        hi = _mm512_dpbusd_epi32(hi, x[k + 4], word(k + 4));
                    }
                    _mm512_add_epi32(lo, hi)
                } else {
                    let mut i = _mm512_setzero_si512();
                    for (k, x) in x.iter().enumerate() {
                        i = _mm512_dpbusd_epi32(i, *x, word(k));
                    }
                    i
                };
                let scale = _mm512_mul_ps(d, _mm512_set1_ps(ab.d));
                *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), scale, *acc);
                *acc = _mm512_fmadd_ps(m, _mm512_set1_ps(ab.s), *acc);
            }
        }
        acc
    }

    /// The sixteen rows of the Q8_0 tiles `tiles` · `T` tokens whose blocks start at `a[i]` and
    /// whose blocks' `Σq` start at `s[i]`.
    ///
    /// # Safety
    /// Each `a[i]` and `s[i]` points at `tiles.len()` readable values.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    unsafe fn group8<const T: usize>(
        tiles: &[Tile8],
        a: [*const ActBlock; T],
        s: [*const i32; T],
    ) -> [__m512; T] {
        let mut acc = [_mm512_setzero_ps(); T];
        for (b, tile) in tiles.iter().enumerate() {
            // SAFETY: a tile is 64-byte aligned, its registers 64 bytes each.
            let x: [__m512i; 8] = std::array::from_fn(|j| unsafe {
                _mm512_load_si512(tile.qs[j].as_ptr() as *const __m512i)
            });
            // SAFETY: sixteen floats.
            let d = unsafe { _mm512_load_ps(tile.d.as_ptr()) };
            for (t, acc) in acc.iter_mut().enumerate() {
                // SAFETY: block b of token t and its sum exist (the caller's guarantee).
                let (ab, sum) = unsafe { (&*a[t].add(b), *s[t].add(b)) };
                let q = ab.qs.as_ptr() as *const i32;
                // SAFETY: eight unaligned 4-byte reads inside the block's 32 bytes.
                let word =
                    |k: usize| _mm512_set1_epi32(unsafe { std::ptr::read_unaligned(q.add(k)) });
                let (mut lo, mut hi) = (_mm512_setzero_si512(), _mm512_setzero_si512());
                if T < 4 {
                    for k in 0..4 {
                        lo = _mm512_dpbusd_epi32(lo, x[k], word(k));
                        hi = _mm512_dpbusd_epi32(hi, x[k + 4], word(k + 4));
                    }
                } else {
                    for (k, x) in x.iter().enumerate() {
                        lo = _mm512_dpbusd_epi32(lo, *x, word(k));
                    }
                }
                // Σ(w + 128)·a − 128·Σa: exact.
                let i = _mm512_sub_epi32(_mm512_add_epi32(lo, hi), _mm512_set1_epi32(128 * sum));
                let scale = _mm512_mul_ps(d, _mm512_set1_ps(ab.d));
                *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), scale, *acc);
            }
        }
        acc
    }

    /// Tokens `t..t + T` of row group `g` into `out`.
    ///
    /// # Safety
    /// As `Kernel::tile_rows`, which checked the bounds.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    unsafe fn put<const T: usize>(
        w: Tiled<'_>,
        (g, t): (usize, usize),
        (acts, sums): (&[ActBlock], &[i32]),
        out: *mut f32,
        stride: usize,
    ) {
        let nb = w.nb();
        let a = std::array::from_fn(|i| acts[(t + i) * nb..].as_ptr());
        // SAFETY: each token has nb blocks and, for Q8_0, nb sums (checked by the caller).
        let v = unsafe {
            match w {
                Tiled::Q41(w) => group::<T>(w.group(g), a),
                Tiled::Q8(w) => {
                    let s = std::array::from_fn(|i| sums[(t + i) * nb..].as_ptr());
                    group8::<T>(w.group(g), a, s)
                }
            }
        };
        for (i, v) in v.into_iter().enumerate() {
            // SAFETY: sixteen outputs of row group g for token t + i: the caller's contract.
            unsafe { _mm512_storeu_ps(out.add((t + i) * stride + g * TILE_ROWS), v) };
        }
    }

    /// See `Kernel::tile_rows`, which checked the bounds.
    ///
    /// # Safety
    /// AVX-512 F, BW, VL and VNNI; the bounds and the exclusive writes of `Kernel::tile_rows`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    pub unsafe fn rows(
        w: Tiled<'_>,
        (from, to): (usize, usize),
        acts: (&[ActBlock], &[i32]),
        tokens: usize,
        out: *mut f32,
        stride: usize,
    ) {
        // Row groups outside, tokens inside: a group's tiles (at most 48 × 384 bytes) stay in the
        // L1 cache while a long prompt's tokens pass by.
        for g in from / TILE_ROWS..to / TILE_ROWS {
            let mut t = 0;
            // SAFETY: the caller's guarantee, for every call below.
            unsafe {
                while t + 8 <= tokens {
                    put::<8>(w, (g, t), acts, out, stride);
                    t += 8;
                }
                while t + 4 <= tokens {
                    put::<4>(w, (g, t), acts, out, stride);
                    t += 4;
                }
                while t < tokens {
                    put::<1>(w, (g, t), acts, out, stride);
                    t += 1;
                }
            }
        }
    }
}
