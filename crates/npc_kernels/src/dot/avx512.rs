//! The AVX-512 VNNI path of the Q8_0 dot products (x86-64 only): two 32-value blocks share one
//! 512-bit register, and one `vpdpbusd` multiplies their 64 byte pairs and sums each four into a
//! 32-bit lane (AVX2 needs `maddubs` and `madd` for half as many). Lanes 0–7 belong to the first
//! block and 8–15 to the second, so each half takes its own block's scale. A row with an odd number
//! of blocks ends with one block in 256-bit registers. (Q4_1 rows run in pairs, `super::pairs`.)
//!
//! Every four-token function performs, for each token, exactly the operations of the one-token
//! function in the same order, so its results are bit-identical to four one-token calls.

use std::arch::x86_64::*;

use crate::blocks::{ActBlock, Q8Block};

/// Two blocks' 32 bytes each (weights or activations) in one register: `[x | y]`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
fn join(x: &[i8; 32], y: &[i8; 32]) -> __m512i {
    // SAFETY: 32 bytes each; unaligned loads.
    let (lo, hi) = unsafe {
        (
            _mm256_loadu_si256(x.as_ptr() as *const __m256i),
            _mm256_loadu_si256(y.as_ptr() as *const __m256i),
        )
    };
    _mm512_inserti64x4::<1>(_mm512_castsi256_si512(lo), hi)
}

/// The scale of each half: `s0` for lanes 0–7, `s1` for lanes 8–15.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
fn scales2(s0: f32, s1: f32) -> __m512 {
    _mm512_mask_blend_ps(0xff00, _mm512_set1_ps(s0), _mm512_set1_ps(s1))
}

/// `Σ x·y` of one odd last block (`x` unsigned, `y` signed bytes), as a float scaled by `scale`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
fn last_block(x: __m256i, y: __m256i, scale: f32) -> f32 {
    let p = _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), x, y));
    let p = _mm256_mul_ps(p, _mm256_set1_ps(scale));
    let s = _mm_add_ps(_mm256_castps256_ps128(p), _mm256_extractf128_ps::<1>(p));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)))
}

/// `|x|` as unsigned bytes and `y` with the sign of `x`, so that an unsigned × signed product
/// gives `x·y` (Q8_0 weights lie in −127..=127; −128 still works, as 128 unsigned).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
fn signed2(x: __m512i) -> (__m512i, __mmask64) {
    (_mm512_abs_epi8(x), _mm512_movepi8_mask(x))
}

/// `Σ x·y` of a Q8_0 pair with activations `y`, per 32-bit lane, from [`signed2`]'s parts.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
fn q8_lanes(ax: __m512i, neg: __mmask64, y: __m512i) -> __m512 {
    let sy = _mm512_mask_sub_epi8(y, neg, _mm512_setzero_si512(), y);
    _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ax, sy))
}

/// One odd last Q8_0 block, scaled by `scale`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
fn q8_last(w: &Q8Block, a: &ActBlock, scale: f32) -> f32 {
    // SAFETY: 32 bytes each; unaligned loads.
    let (x, y) = unsafe {
        (
            _mm256_loadu_si256(w.qs.as_ptr() as *const __m256i),
            _mm256_loadu_si256(a.qs.as_ptr() as *const __m256i),
        )
    };
    let sy = _mm256_mask_sub_epi8(y, _mm256_movepi8_mask(x), _mm256_setzero_si256(), y);
    last_block(_mm256_abs_epi8(x), sy, scale)
}

/// # Safety
/// The CPU must have AVX-512 F, BW, VL and VNNI (`Kernel::best` and `Kernel::available` check before picking this path).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
pub unsafe fn dot_q8(w: &[Q8Block], a: &[ActBlock]) -> f32 {
    // SAFETY: the caller checked the lengths.
    unsafe { dot_q8_n::<1>(w, [a])[0] }
}

/// # Safety
/// The CPU must have AVX-512 F, BW, VL and VNNI (`Kernel::best` and `Kernel::available` check before picking this path).
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
pub unsafe fn dot_q8_x4(w: &[Q8Block], a: [&[ActBlock]; 4]) -> [f32; 4] {
    // SAFETY: the caller checked the lengths.
    unsafe { dot_q8_n::<4>(w, a) }
}

/// One Q8_0 row against `T` tokens. Pairs of blocks alternate between two accumulators per token,
/// so that consecutive pairs do not wait on each other's additions.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn dot_q8_n<const T: usize>(w: &[Q8Block], a: [&[ActBlock]; T]) -> [f32; T] {
    let n = w.len();
    let mut acc = [[_mm512_setzero_ps(); 2]; T];
    let mut b = 0;
    // Blocks b and b + 1 into accumulator `lane`.
    let mut pair = |b: usize, lane: usize| {
        // SAFETY: b + 1 < n = w.len() = a[t].len() (checked by the caller).
        let (w0, w1) = unsafe { (w.get_unchecked(b), w.get_unchecked(b + 1)) };
        let (ax, neg) = signed2(join(&w0.qs, &w1.qs));
        for t in 0..T {
            // SAFETY: as above.
            let (a0, a1) = unsafe { (a[t].get_unchecked(b), a[t].get_unchecked(b + 1)) };
            let p = q8_lanes(ax, neg, join(&a0.qs, &a1.qs));
            acc[t][lane] = _mm512_fmadd_ps(scales2(w0.d * a0.d, w1.d * a1.d), p, acc[t][lane]);
        }
    };
    while b + 4 <= n {
        pair(b, 0);
        pair(b + 2, 1);
        b += 4;
    }
    if b + 2 <= n {
        pair(b, 0);
        b += 2;
    }
    let mut out = [0f32; T];
    for t in 0..T {
        let mut sum = _mm512_reduce_add_ps(_mm512_add_ps(acc[t][0], acc[t][1]));
        if b < n {
            sum += q8_last(&w[b], &a[t][b], w[b].d * a[t][b].d);
        }
        out[t] = sum;
    }
    out
}
