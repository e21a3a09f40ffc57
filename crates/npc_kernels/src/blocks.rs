//! Packed blocks of 32 values. Weights keep GGML's block formats with their scales converted to
//! `f32` once at load (the kernels then never convert a half float); activations are quantized to
//! 8 bits per block just before each matrix product, rounded exactly as GGML's Q8_0/Q8_1 do, so
//! that results match candle's quantized matmul on the same weights.

use half::f16;

/// Values per block.
pub const QK: usize = 32;

/// A Q8_0 weight block: `value[i] = d * qs[i]`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Q8Block {
    pub d: f32,
    pub qs: [i8; QK],
}

/// A Q4_1 weight block: `value[i] = d * q[i] + m`, with `q[i]` the low nibble of `qs[i]` for
/// `i < 16` and the high nibble of `qs[i - 16]` above.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Q41Block {
    pub d: f32,
    pub m: f32,
    pub qs: [u8; QK / 2],
}

/// A quantized activation block: `value[i] ≈ d * qs[i]`, and `s = d * Σ qs` (needed by Q4_1's
/// offset `m`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct ActBlock {
    pub d: f32,
    pub s: f32,
    pub qs: [i8; QK],
}

impl Default for ActBlock {
    fn default() -> Self {
        ActBlock {
            d: 0.0,
            s: 0.0,
            qs: [0; QK],
        }
    }
}

impl Q8Block {
    /// The block's 32 values.
    pub fn dequantize(&self, out: &mut [f32]) {
        for (o, &q) in out.iter_mut().zip(&self.qs) {
            *o = self.d * q as f32;
        }
    }

    /// Quantizes 32 values (GGML's reference Q8_0 rounding; the scale is stored through f16 as
    /// GGML stores it).
    pub fn quantize(x: &[f32]) -> Self {
        let (d, id) = scale(x);
        let mut qs = [0i8; QK];
        for (q, &v) in qs.iter_mut().zip(x) {
            *q = (v * id).round() as i8;
        }
        Q8Block { d, qs }
    }
}

impl Q41Block {
    /// The block's 32 values.
    pub fn dequantize(&self, out: &mut [f32]) {
        for j in 0..QK / 2 {
            out[j] = self.d * (self.qs[j] & 0x0f) as f32 + self.m;
            out[j + QK / 2] = self.d * (self.qs[j] >> 4) as f32 + self.m;
        }
    }
}

/// GGML's Q8 scale for a block: `d = max|x| / 127` stored as f16, and `1/d` (unrounded) to
/// quantize with.
#[inline(always)]
fn scale(x: &[f32]) -> (f32, f32) {
    // Eight running maxima, so that the compiler keeps them in one vector register.
    let mut m = [0f32; 8];
    let mut chunks = x.chunks_exact(8);
    for c in &mut chunks {
        for (m, v) in m.iter_mut().zip(c) {
            *m = m.max(v.abs());
        }
    }
    let amax = chunks
        .remainder()
        .iter()
        .fold(m.into_iter().fold(0f32, f32::max), |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    (f16::from_f32(d).to_f32(), id)
}

/// `x` rounded half away from zero (as `f32::round`), as an `i8` (`|x| ≤ 127.5` here): written with
/// `trunc`, which the vector units have, where `round` is a library call. `x - trunc(x)` is exact.
#[inline(always)]
fn round_i8(x: f32) -> i8 {
    let t = x.trunc();
    let r = if (x - t).abs() >= 0.5 {
        t + 1f32.copysign(x)
    } else {
        t
    };
    r as i8
}

/// Quantizes `x` (a multiple of 32 long) into `out`, one block per 32 values.
pub fn quantize_activations(x: &[f32], out: &mut [ActBlock]) {
    debug_assert_eq!(x.len(), out.len() * QK);
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        return unsafe { quantize_avx2(x, out) };
    }
    quantize_blocks(x, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantize_avx2(x: &[f32], out: &mut [ActBlock]) {
    quantize_blocks(x, out)
}

#[inline(always)]
fn quantize_blocks(x: &[f32], out: &mut [ActBlock]) {
    for (b, chunk) in out.iter_mut().zip(x.chunks_exact(QK)) {
        let (d, id) = scale(chunk);
        let mut sum = 0i32;
        for (q, &v) in b.qs.iter_mut().zip(chunk) {
            *q = round_i8(v * id);
            sum += *q as i32;
        }
        b.d = d;
        // GGML's Q8_1 keeps s in f16, computed from f16 factors.
        b.s = f16::from_f32(f16::from_f32(sum as f32).to_f32() * d).to_f32();
    }
}

/// An f16 bit pattern as f32 (for reading GGUF scales).
pub fn f16_bits_to_f32(bits: u16) -> f32 {
    f16::from_bits(bits).to_f32()
}
