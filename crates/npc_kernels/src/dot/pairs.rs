//! Dot products of paired Q4_1 rows ([`crate::paired`]) with paired activations: the AVX-512 VNNI
//! path, and the scalar one for every other kernel.
//!
//! Per pair and token the AVX-512 path issues one `vpdpbusd` (its activations loaded with it), one
//! conversion, one multiply of the weights' scale pair by the activations' (already broadcast, read
//! with the multiply) and one fused add into the token's accumulator; the weights' load, shift and
//! mask are shared by the tokens of a call, whose activations sit side by side (pair-major), so one
//! pointer walks them all. The Q4_1 offsets `Σ m·s` are added as a vector dot product before the
//! final sum, which adds the sixteen lanes in one fixed tree: eight tokens' trees share their
//! shuffles. Eight or four tokens at once run, per token, exactly the one-token operations in the
//! same order, so their results are bit-identical to one-token calls.

use super::Kernel;
use crate::paired::{ActPairs, Q41Pairs, scalar_dot};

impl Kernel {
    /// `out[t * stride + n]` = row `n` of `w` (`nb` blocks per row) · token `t` of `a`, for rows
    /// `from..to` and every token of `a`: tokens eight or four at a time share each pair's weights, and
    /// each result is bit-identical to the same row and token computed alone.
    ///
    /// # Safety
    /// `out` must be valid for writes at every `t * stride + n` (`t < a.tokens`, `n` in `from..to`),
    /// and no other thread may write those elements meanwhile.
    pub unsafe fn pair_rows(
        self,
        w: &Q41Pairs,
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
                && to * nb <= w.d.len()
                && to * nb <= w.m.len()
                && to * nb / 2 <= w.qs.len()
                && a.pairs == nb / 2
                && a.qs.len() == tokens * nb / 2
                && a.d.len() == tokens * nb / 2
                && a.s.len() == tokens * nb
                && to <= stride,
            "paired rows out of bounds"
        );
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx512Vnni` is only handed out when the CPU has every feature it uses;
            // bounds checked above; `out` as the caller promised.
            Kernel::Avx512Vnni => unsafe { avx512::rows(w, nb, (from, to), a, out, stride) },
            _ => {
                for n in from..to {
                    let row = w.row(n, nb);
                    for t in 0..tokens {
                        // SAFETY: the caller's contract.
                        unsafe { *out.add(t * stride + n) = scalar_dot(row, a, t) };
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use crate::paired::{ActPairs, Q41Pairs};

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

    /// A row of `pairs` pairs (`qs`, scales `d`, offsets `m`) · `T` tokens whose pairs of bytes and
    /// scales start at `aq` and `ad` (pair `p` of the `i`-th token at `p * stride + i`) and whose sums
    /// are at `a_s[i]`. The caller guarantees that every pair and float named exists.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    #[allow(clippy::too_many_arguments)]
    unsafe fn dot<const T: usize>(
        qs: *const [u8; 32],
        d: *const f32,
        m: *const f32,
        pairs: usize,
        aq: *const [i8; 64],
        ad: *const [f32; 16],
        stride: usize,
        a_s: [*const f32; T],
    ) -> [f32; T] {
        // The low 256 bits keep the low nibbles, the high 256 bits get the high ones.
        let shift = _mm512_inserti64x4::<1>(_mm512_setzero_si512(), _mm256_set1_epi16(4));
        let mask = _mm512_set1_epi8(0x0f);
        let mut acc = [_mm512_setzero_ps(); T];
        for p in 0..pairs {
            // SAFETY: p < pairs, and every named pair exists (the caller's guarantee).
            unsafe {
                let q = _mm256_loadu_si256(qs.add(p) as *const __m256i);
                let x = _mm512_and_si512(_mm512_srlv_epi16(_mm512_broadcast_i64x4(q), shift), mask);
                let wd = pair_of(d.add(2 * p));
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
            // SAFETY: 2 · pairs offsets and sums.
            acc[t] = unsafe { add_dot(m, a_s[t], 2 * pairs, acc[t]) };
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

    /// Row `n`'s products with tokens `t..t + T` into `out` (row `n` of `w` at `qs`, `d`, `m`).
    ///
    /// # Safety
    /// As `Kernel::pair_rows`, which checked the bounds; `t + T ≤ a.tokens`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    #[inline]
    #[allow(clippy::too_many_arguments)]
    unsafe fn put<const T: usize>(
        (qs, d, m): (*const [u8; 32], *const f32, *const f32),
        a: &ActPairs,
        t: usize,
        n: usize,
        out: *mut f32,
        stride: usize,
    ) {
        let nb = 2 * a.pairs;
        // SAFETY: the caller's guarantee.
        unsafe {
            let sums = std::array::from_fn(|i| a.s.as_ptr().add((t + i) * nb));
            let (aq, ad) = (a.qs.as_ptr().add(t), a.d.as_ptr().add(t));
            let v = dot::<T>(qs, d, m, a.pairs, aq, ad, a.tokens, sums);
            for (i, v) in v.into_iter().enumerate() {
                *out.add((t + i) * stride + n) = v;
            }
        }
    }

    /// See `Kernel::pair_rows`, which checked the bounds.
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
    pub unsafe fn rows(
        w: &Q41Pairs,
        nb: usize,
        (from, to): (usize, usize),
        a: &ActPairs,
        out: *mut f32,
        stride: usize,
    ) {
        let tokens = a.tokens;
        let row = |n: usize| {
            // SAFETY: n < to lies inside `w` (checked by the caller).
            unsafe {
                (
                    w.qs.as_ptr().add(n * nb / 2),
                    w.d.as_ptr().add(n * nb),
                    w.m.as_ptr().add(n * nb),
                )
            }
        };
        // Token groups outside, rows inside: a group's activations stay in the L1 cache while the
        // task's rows pass by.
        // SAFETY: every t < tokens lies inside `a` (checked by the caller); `out` as the caller
        // promised.
        let mut t = 0;
        while t + 8 <= tokens {
            for n in from..to {
                unsafe { put::<8>(row(n), a, t, n, out, stride) };
            }
            t += 8;
        }
        while t + 4 <= tokens {
            for n in from..to {
                unsafe { put::<4>(row(n), a, t, n, out, stride) };
            }
            t += 4;
        }
        for t in t..tokens {
            for n in from..to {
                unsafe { put::<1>(row(n), a, t, n, out, stride) };
            }
        }
    }
}
