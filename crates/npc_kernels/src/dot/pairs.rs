//! Dot products of paired rows ([`crate::paired`]: Q4_1 nibbles or biased Q8_0 bytes) with paired
//! activations: the AVX-512 VNNI path, and the scalar one for every other kernel.
//!
//! Per pair and token the AVX-512 path issues one `vpdpbusd` (its activations loaded with it), one
//! conversion, one multiply of the weights' scale pair by the activations' (already broadcast, read
//! with the multiply) and one fused add into the token's accumulator; the weights' load (and, for
//! Q4_1, shift and mask) are shared by the tokens of a call, whose activations sit side by side
//! (pair-major), so one pointer walks them all. The offsets (Q4_1's `Σ m·s`, Q8_0's bias `−128·Σ
//! d·sums`) are added as a vector dot product before the final sum, which adds the sixteen lanes in
//! one fixed tree: eight tokens' trees share their shuffles. Eight or four tokens at once run, per
//! token, exactly the one-token operations in the same order, so their results are bit-identical to
//! one-token calls.

use super::Kernel;
use crate::paired::{ActPairs, Q8Pairs, Q41Pairs, scalar_dot, scalar_dot8};

/// A paired matrix, in either format.
#[derive(Clone, Copy, Debug)]
pub enum Pairs<'a> {
    Q41(&'a Q41Pairs),
    Q8(&'a Q8Pairs),
}

impl Pairs<'_> {
    /// Whether rows `..to` of `nb` blocks lie inside the matrix.
    fn holds(&self, to: usize, nb: usize) -> bool {
        match self {
            Pairs::Q41(w) => {
                to * nb <= w.d.len() && to * nb <= w.m.len() && to * nb / 2 <= w.qs.len()
            }
            Pairs::Q8(w) => to * nb <= w.d.len() && to * nb / 2 <= w.qs.len(),
        }
    }
}

/// Rows per block of a task: a block's weights stay in the L1 cache while every token group of a
/// long prompt passes by.
const ROW_BLOCK: usize = 32;

impl Kernel {
    /// `out[t * stride + n]` = row `n` of `w` (`nb` blocks per row) · token `t` of `a`, for rows
    /// `from..to` and every token of `a`: tokens eight or four at a time share each pair's weights,
    /// and each result is bit-identical to the same row and token computed alone.
    ///
    /// # Safety
    /// `out` must be valid for writes at every `t * stride + n` (`t < a.tokens`, `n` in `from..to`),
    /// and no other thread may write those elements meanwhile.
    pub unsafe fn pair_rows(
        self,
        w: Pairs<'_>,
        nb: usize,
        (from, to): (usize, usize),
        a: &ActPairs,
        out: *mut f32,
        stride: usize,
    ) {
        let tokens = a.tokens;
        assert!(
            nb.is_multiple_of(2)
                && from <= to
                && w.holds(to, nb)
                && a.pairs == nb / 2
                && a.qs.len() == tokens * nb / 2
                && a.d.len() == tokens * nb / 2
                && a.s.len() == tokens * nb
                && a.sums.len() == tokens * nb
                && to <= stride,
            "paired rows out of bounds"
        );
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx512Vnni` is only handed out when the CPU has every feature it uses;
            // bounds checked above; `out` as the caller promised.
            Kernel::Avx512Vnni => unsafe {
                match w {
                    Pairs::Q41(w) => {
                        let row = avx512::Row {
                            qs: w.qs.as_ptr() as *const u8,
                            d: w.d.as_ptr(),
                            m: w.m.as_ptr(),
                        };
                        avx512::rows::<false>(row, nb, (from, to), a, out, stride)
                    }
                    Pairs::Q8(w) => {
                        let row = avx512::Row {
                            qs: w.qs.as_ptr() as *const u8,
                            d: w.d.as_ptr(),
                            m: w.d.as_ptr(),
                        };
                        avx512::rows::<true>(row, nb, (from, to), a, out, stride)
                    }
                }
            },
            _ => {
                for n in from..to {
                    for t in 0..tokens {
                        let v = match w {
                            Pairs::Q41(w) => scalar_dot(w.row(n, nb), a, t),
                            Pairs::Q8(w) => scalar_dot8(w, n, nb, a, t),
                        };
                        // SAFETY: the caller's contract.
                        unsafe { *out.add(t * stride + n) = v };
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::ROW_BLOCK;
    use crate::paired::ActPairs;

    /// Where a matrix starts: pairs of bytes (32 for Q4_1, 64 for Q8_0), scales, offsets (for Q8_0
    /// the scales again: its offset is `−128·d`).
    #[derive(Clone, Copy)]
    pub struct Row {
        pub qs: *const u8,
        pub d: *const f32,
        pub m: *const f32,
    }

    impl Row {
        /// Row `n` of `nb` blocks.
        ///
        /// # Safety
        /// The row exists.
        #[inline]
        unsafe fn at<const Q8: bool>(self, n: usize, nb: usize) -> Row {
            let bytes = if Q8 { 64 } else { 32 };
            // SAFETY: the caller's guarantee.
            unsafe {
                Row {
                    qs: self.qs.add(n * nb / 2 * bytes),
                    d: self.d.add(n * nb),
                    m: self.m.add(n * nb),
                }
            }
        }
    }

    /// Two consecutive `f32`s broadcast as `[x0, x1, x0, x1, …]`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    unsafe fn pair_of(x: *const f32) -> __m512 {
        // SAFETY: the caller passes two readable floats; an unaligned 8-byte read.
        let bits = unsafe { std::ptr::read_unaligned(x as *const i64) };
        _mm512_castsi512_ps(_mm512_set1_epi64(bits))
    }

    /// `Σ x·y` over `n` floats, added to `acc` lane-wise (masked for the last, partial, 16).
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    unsafe fn add_dot(x: *const f32, y: *const f32, n: usize, mut acc: __m512) -> __m512 {
        let mut i = 0;
        while i < n {
            let k: __mmask16 = if n - i >= 16 {
                0xffff
            } else {
                (1u16 << (n - i)) - 1
            };
            // SAFETY: the caller passes n readable floats; the mask covers only those.
            unsafe {
                let (a, b) = (
                    _mm512_maskz_loadu_ps(k, x.add(i)),
                    _mm512_maskz_loadu_ps(k, y.add(i)),
                );
                acc = _mm512_fmadd_ps(a, b, acc);
            }
            i += 16;
        }
        acc
    }

    /// A row of `pairs` pairs · `T` tokens whose pairs of bytes and scales start at `aq` and `ad`
    /// (pair `p` of the `i`-th token at `p * stride + i`) and whose block sums (`s` for Q4_1, the
    /// unrounded `sums` for Q8_0) are at `a_s[i]`. The caller guarantees that every pair and float
    /// named exists.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    unsafe fn dot<const T: usize, const Q8: bool>(
        w: Row,
        pairs: usize,
        (aq, ad, stride): (*const [i8; 64], *const [f32; 16], usize),
        a_s: [*const f32; T],
    ) -> [f32; T] {
        // Q4_1: the low 256 bits keep the low nibbles, the high 256 bits get the high ones.
        let shift = _mm512_inserti64x4::<1>(_mm512_setzero_si512(), _mm256_set1_epi16(4));
        let mask = _mm512_set1_epi8(0x0f);
        let mut acc = [_mm512_setzero_ps(); T];
        for p in 0..pairs {
            // SAFETY: p < pairs, and every named pair exists (the caller's guarantee).
            unsafe {
                let x = if Q8 {
                    _mm512_loadu_si512(w.qs.add(64 * p) as *const __m512i)
                } else {
                    let q = _mm256_loadu_si256(w.qs.add(32 * p) as *const __m256i);
                    _mm512_and_si512(_mm512_srlv_epi16(_mm512_broadcast_i64x4(q), shift), mask)
                };
                let wd = pair_of(w.d.add(2 * p));
                let (aq, ad) = (aq.add(p * stride), ad.add(p * stride));
                for (t, acc) in acc.iter_mut().enumerate() {
                    let y = _mm512_loadu_si512(aq.add(t) as *const __m512i);
                    let i = _mm512_dpbusd_epi32(_mm512_setzero_si512(), x, y);
                    let scale = _mm512_mul_ps(wd, _mm512_loadu_ps(ad.add(t) as *const f32));
                    *acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i), scale, *acc);
                }
            }
        }
        for t in 0..T {
            // SAFETY: 2 · pairs offsets (or scales) and sums.
            acc[t] = unsafe {
                if Q8 {
                    let bias = add_dot(w.m, a_s[t], 2 * pairs, _mm512_setzero_ps());
                    _mm512_fmadd_ps(bias, _mm512_set1_ps(-128.0), acc[t])
                } else {
                    add_dot(w.m, a_s[t], 2 * pairs, acc[t])
                }
            };
        }
        sums(acc)
    }

    /// Each register's sixteen lanes summed in one fixed order: 128-bit quarters `(q0 + q2) +
    /// (q1 + q3)`, then within the quarter `(l0 + l2) + (l1 + l3)`. Eight registers share the
    /// shuffles (a transposing tree); fewer are summed one by one, in the same order.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    fn sums<const T: usize>(acc: [__m512; T]) -> [f32; T] {
        let mut out = [0f32; T];
        if T == 8 {
            // Quarters: [a0 + a2, a1 + a3, b0 + b2, b1 + b3] for each pair of registers …
            let half = |x: __m512, y: __m512| {
                _mm512_add_ps(
                    _mm512_shuffle_f32x4::<0b01_00_01_00>(x, y),
                    _mm512_shuffle_f32x4::<0b11_10_11_10>(x, y),
                )
            };
            // … then [a, b, c, d], each quarter one register's four partial lanes.
            let quarter = |x: __m512, y: __m512| {
                _mm512_add_ps(
                    _mm512_shuffle_f32x4::<0b10_00_10_00>(x, y),
                    _mm512_shuffle_f32x4::<0b11_01_11_01>(x, y),
                )
            };
            let u = quarter(half(acc[0], acc[1]), half(acc[2], acc[3]));
            let w = quarter(half(acc[4], acc[5]), half(acc[6], acc[7]));
            // Lanes: [u0 + u2, w0 + w2, u1 + u3, w1 + w3], then the first plus the third.
            let z = _mm512_add_ps(_mm512_unpacklo_ps(u, w), _mm512_unpackhi_ps(u, w));
            let r = _mm512_add_ps(z, _mm512_permute_ps::<0b01_00_11_10>(z));
            let mut lanes = [0f32; 16];
            // SAFETY: 16 floats.
            unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), r) };
            for i in 0..4 {
                out[i] = lanes[4 * i];
                out[i + 4] = lanes[4 * i + 1];
            }
            return out;
        }
        for (o, v) in out.iter_mut().zip(acc) {
            let v = _mm512_add_ps(v, _mm512_shuffle_f32x4::<0b01_00_11_10>(v, v));
            let v = _mm512_add_ps(v, _mm512_shuffle_f32x4::<0b10_11_00_01>(v, v));
            let v = _mm512_add_ps(v, _mm512_permute_ps::<0b01_00_11_10>(v));
            let v = _mm512_add_ps(v, _mm512_permute_ps::<0b10_11_00_01>(v));
            *o = _mm_cvtss_f32(_mm512_castps512_ps128(v));
        }
        out
    }

    /// Row `n`'s products (the row at `w`) with tokens `t..t + T` into `out`.
    ///
    /// # Safety
    /// As `Kernel::pair_rows`, which checked the bounds; tokens `t..t + T` lie in one group.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    unsafe fn put<const T: usize, const Q8: bool>(
        w: Row,
        a: &ActPairs,
        (t, n): (usize, usize),
        out: *mut f32,
        stride: usize,
    ) {
        let nb = 2 * a.pairs;
        let sums = if Q8 { &a.sums } else { &a.s };
        // SAFETY: the caller's guarantee.
        unsafe {
            let s = std::array::from_fn(|i| sums.as_ptr().add((t + i) * nb));
            let at = a.index(0, t);
            let acts = (a.qs.as_ptr().add(at), a.d.as_ptr().add(at), a.group_len(t));
            let v = dot::<T, Q8>(w, a.pairs, acts, s);
            for (i, v) in v.into_iter().enumerate() {
                *out.add((t + i) * stride + n) = v;
            }
        }
    }

    /// See `Kernel::pair_rows`, which checked the bounds (`w` is the matrix's first row).
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    pub unsafe fn rows<const Q8: bool>(
        w: Row,
        nb: usize,
        (from, to): (usize, usize),
        a: &ActPairs,
        out: *mut f32,
        stride: usize,
    ) {
        let tokens = a.tokens;
        // Blocks of rows outside, token groups inside: a block's weights stay in the L1 cache
        // while a long prompt's tokens pass by (a batch of eight is one group).
        // SAFETY: rows from..to and every t < tokens lie inside `w` and `a` (checked by the
        // caller); `out` as the caller promised.
        for first in (from..to).step_by(ROW_BLOCK) {
            let block = first..(first + ROW_BLOCK).min(to);
            let mut t = 0;
            while t + 8 <= tokens {
                for n in block.clone() {
                    unsafe { put::<8, Q8>(w.at::<Q8>(n, nb), a, (t, n), out, stride) };
                }
                t += 8;
            }
            while t + 4 <= tokens {
                for n in block.clone() {
                    unsafe { put::<4, Q8>(w.at::<Q8>(n, nb), a, (t, n), out, stride) };
                }
                t += 4;
            }
            for t in t..tokens {
                for n in block.clone() {
                    unsafe { put::<1, Q8>(w.at::<Q8>(n, nb), a, (t, n), out, stride) };
                }
            }
        }
    }
}
