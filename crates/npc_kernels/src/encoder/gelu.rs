//! BERT's GELU, `x · Φ(x) = x/2 · (1 + erf(x/√2))`, with the error function from Abramowitz and
//! Stegun's formula 7.1.26: for `a ≥ 0`, `erf(a) ≈ 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^(−a²)`
//! with `t = 1/(1 + p·a)`, absolute error under 1.5·10⁻⁷ (odd for negative arguments). The scalar
//! and AVX-512 versions compute the same formula; the tests check both against an exact `erf`.

const P: f32 = 0.327_591_1;
const A: [f32; 5] = [
    0.254_829_6,
    -0.284_496_72,
    1.421_413_8,
    -1.453_152,
    1.061_405_4,
];

/// The error function, to about 2·10⁻⁷.
pub fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + P * a);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let v = 1.0 - poly * (-a * a).exp();
    v.copysign(x)
}

/// `x · Φ(x)`.
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

#[cfg(target_arch = "x86_64")]
pub mod avx512 {
    use std::arch::x86_64::*;

    use super::{A, P};
    use crate::simd::avx512::exp;

    /// [`super::erf`] lane by lane.
    ///
    /// # Safety
    /// The CPU has AVX-512 F (callers are themselves compiled for it).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn erf(x: __m512) -> __m512 {
        let sign = _mm512_set1_epi32(i32::MIN);
        let bits = _mm512_castps_si512(x);
        let a = _mm512_castsi512_ps(_mm512_andnot_si512(sign, bits));
        let one = _mm512_set1_ps(1.0);
        let t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(P), a, one));
        let mut poly = _mm512_set1_ps(A[4]);
        for c in [A[3], A[2], A[1], A[0]] {
            poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(c));
        }
        poly = _mm512_mul_ps(poly, t);
        let e = exp(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a));
        let v = _mm512_fnmadd_ps(poly, e, one);
        let s = _mm512_and_si512(sign, bits);
        _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(v), s))
    }

    /// [`super::gelu`] lane by lane.
    ///
    /// # Safety
    /// The CPU has AVX-512 F (callers are themselves compiled for it).
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub fn gelu(x: __m512) -> __m512 {
        let e = erf(_mm512_mul_ps(
            x,
            _mm512_set1_ps(std::f32::consts::FRAC_1_SQRT_2),
        ));
        let half_x = _mm512_mul_ps(x, _mm512_set1_ps(0.5));
        _mm512_fmadd_ps(half_x, e, half_x)
    }
}

#[cfg(target_arch = "x86_64")]
pub mod avx2 {
    use std::arch::x86_64::*;

    use super::{A, P};
    use crate::simd::avx2::exp;

    /// [`super::gelu`] over eight lanes.
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA (callers are themselves compiled for them).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub fn gelu(x: __m256) -> __m256 {
        let z = _mm256_mul_ps(x, _mm256_set1_ps(std::f32::consts::FRAC_1_SQRT_2));
        let sign = _mm256_set1_ps(-0.0);
        let a = _mm256_andnot_ps(sign, z);
        let one = _mm256_set1_ps(1.0);
        let t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(P), a, one));
        let mut poly = _mm256_set1_ps(A[4]);
        for c in [A[3], A[2], A[1], A[0]] {
            poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(c));
        }
        poly = _mm256_mul_ps(poly, t);
        let e = exp(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), a), a));
        let erf = _mm256_or_ps(_mm256_fnmadd_ps(poly, e, one), _mm256_and_ps(sign, z));
        let half_x = _mm256_mul_ps(x, _mm256_set1_ps(0.5));
        _mm256_fmadd_ps(half_x, erf, half_x)
    }
}
