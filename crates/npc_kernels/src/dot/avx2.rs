//! The AVX2+FMA paths of the dot products (x86-64 only; chosen only when the CPU has both).

use std::arch::x86_64::*;

use crate::blocks::{ActBlock, Q8Block, Q41Block};

#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let lo = _mm256_castps256_ps128(v);
    let hi = _mm256_extractf128_ps(v, 1);
    let s = _mm_add_ps(lo, hi);
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(s)
}

/// Eight partial sums of `x[i]·y[i]` over 32 signed bytes (|x| ≤ 127 as GGML quantizes).
#[target_feature(enable = "avx2,fma")]
fn i8_pairs(x: __m256i, y: __m256i) -> __m256 {
    let ax = _mm256_sign_epi8(x, x);
    let sy = _mm256_sign_epi8(y, x);
    let d16 = _mm256_maddubs_epi16(ax, sy);
    _mm256_cvtepi32_ps(_mm256_madd_epi16(d16, _mm256_set1_epi16(1)))
}

/// One accumulator, blocks in order: the same sums as candle's Q8_0 kernel, to the bit.
///
/// # Safety
/// The CPU must have AVX2 and FMA (`Kernel::best` and `Kernel::available` check before picking this path).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot_q8(w: &[Q8Block], a: &[ActBlock]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    for (w, a) in w.iter().zip(a) {
        // SAFETY: both arrays are 32 bytes; unaligned loads.
        let (x, y) = unsafe {
            (
                _mm256_loadu_si256(w.qs.as_ptr() as *const __m256i),
                _mm256_loadu_si256(a.qs.as_ptr() as *const __m256i),
            )
        };
        let p = i8_pairs(x, y);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(w.d * a.d), p, acc);
    }
    hsum(acc)
}

/// # Safety
/// The CPU must have AVX2 and FMA (`Kernel::best` and `Kernel::available` check before picking this path).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot_q8_x4(w: &[Q8Block], a: [&[ActBlock]; 4]) -> [f32; 4] {
    let mut acc = [_mm256_setzero_ps(); 4];
    for (b, w) in w.iter().enumerate() {
        // SAFETY: 32-byte arrays; unaligned loads; every `a[t]` is as long as `w`.
        let x = unsafe { _mm256_loadu_si256(w.qs.as_ptr() as *const __m256i) };
        for t in 0..4 {
            let a = unsafe { a[t].get_unchecked(b) };
            let y = unsafe { _mm256_loadu_si256(a.qs.as_ptr() as *const __m256i) };
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(w.d * a.d), i8_pairs(x, y), acc[t]);
        }
    }
    [hsum(acc[0]), hsum(acc[1]), hsum(acc[2]), hsum(acc[3])]
}

/// # Safety
/// The CPU must have AVX2 and FMA (`Kernel::best` and `Kernel::available` check before picking this path).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot_q41_x4(w: &[Q41Block], a: [&[ActBlock]; 4]) -> [f32; 4] {
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut offset = [0f32; 4];
    let mask = _mm_set1_epi8(0x0f);
    for (b, w) in w.iter().enumerate() {
        // SAFETY: 16-byte array; unaligned load.
        let q = unsafe { _mm_loadu_si128(w.qs.as_ptr() as *const __m128i) };
        let x = _mm256_set_m128i(
            _mm_and_si128(_mm_srli_epi16(q, 4), mask),
            _mm_and_si128(q, mask),
        );
        for t in 0..4 {
            // SAFETY: every `a[t]` is as long as `w`; 32-byte array, unaligned load.
            let a = unsafe { a[t].get_unchecked(b) };
            let y = unsafe { _mm256_loadu_si256(a.qs.as_ptr() as *const __m256i) };
            let d16 = _mm256_maddubs_epi16(x, y);
            let p = _mm256_cvtepi32_ps(_mm256_madd_epi16(d16, _mm256_set1_epi16(1)));
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(w.d * a.d), p, acc[t]);
            offset[t] += w.m * a.s;
        }
    }
    [
        hsum(acc[0]) + offset[0],
        hsum(acc[1]) + offset[1],
        hsum(acc[2]) + offset[2],
        hsum(acc[3]) + offset[3],
    ]
}

/// # Safety
/// The CPU must have AVX2 and FMA (`Kernel::best` and `Kernel::available` check before picking this path).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot_q41(w: &[Q41Block], a: &[ActBlock]) -> f32 {
    let mut acc = _mm256_setzero_ps();
    let mut offset = 0f32;
    let mask = _mm_set1_epi8(0x0f);
    for (w, a) in w.iter().zip(a) {
        // SAFETY: 16 and 32 bytes; unaligned loads.
        let (q, y) = unsafe {
            (
                _mm_loadu_si128(w.qs.as_ptr() as *const __m128i),
                _mm256_loadu_si256(a.qs.as_ptr() as *const __m256i),
            )
        };
        let lo = _mm_and_si128(q, mask);
        let hi = _mm_and_si128(_mm_srli_epi16(q, 4), mask);
        let x = _mm256_set_m128i(hi, lo);
        let d16 = _mm256_maddubs_epi16(x, y);
        let p = _mm256_cvtepi32_ps(_mm256_madd_epi16(d16, _mm256_set1_epi16(1)));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(w.d * a.d), p, acc);
        offset += w.m * a.s;
    }
    hsum(acc) + offset
}

/// # Safety
/// The CPU must have AVX2 and FMA (`Kernel::best` and `Kernel::available` check before picking this path).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot_f32(x: &[f32], y: &[f32]) -> f32 {
    let n = x.len();
    let mut acc = [_mm256_setzero_ps(); 4];
    let mut i = 0;
    while i + 32 <= n {
        for (j, a) in acc.iter_mut().enumerate() {
            // SAFETY: i + 8j + 8 ≤ n.
            let (p, q) = unsafe {
                (
                    _mm256_loadu_ps(x.as_ptr().add(i + 8 * j)),
                    _mm256_loadu_ps(y.as_ptr().add(i + 8 * j)),
                )
            };
            *a = _mm256_fmadd_ps(p, q, *a);
        }
        i += 32;
    }
    while i + 8 <= n {
        // SAFETY: i + 8 ≤ n.
        let (p, q) = unsafe {
            (
                _mm256_loadu_ps(x.as_ptr().add(i)),
                _mm256_loadu_ps(y.as_ptr().add(i)),
            )
        };
        acc[0] = _mm256_fmadd_ps(p, q, acc[0]);
        i += 8;
    }
    let s = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    let mut sum = hsum(s);
    for k in i..n {
        sum += x[k] * y[k];
    }
    sum
}

/// # Safety
/// The CPU must have AVX2 and FMA (`Kernel::best` and `Kernel::available` check before picking this path).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    let n = x.len();
    let av = _mm256_set1_ps(a);
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 ≤ n for both slices (equal lengths).
        unsafe {
            let p = _mm256_loadu_ps(x.as_ptr().add(i));
            let q = _mm256_loadu_ps(y.as_ptr().add(i));
            _mm256_storeu_ps(y.as_mut_ptr().add(i), _mm256_fmadd_ps(av, p, q));
        }
        i += 8;
    }
    for k in i..n {
        y[k] += a * x[k];
    }
}
