//! Dot products: a weight row of packed blocks against quantized activations, and plain `f32`
//! vectors. Each has a scalar path (the reference the tests compare against) and an AVX2+FMA path
//! ([`avx2`]); Q8_0 rows also have an AVX-512 VNNI path ([`avx512`]: two blocks per instruction,
//! bytes multiplied and summed into 32-bit lanes in one step), and matrices repacked in tiles of
//! sixteen rows theirs ([`tiles`]). [`Kernel::best`] picks at run time what this CPU has.

use crate::blocks::{ActBlock, Q8Block, Q41Block, QK};

/// Which implementation computes the dot products.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Portable Rust, the reference.
    Scalar,
    /// AVX2 with FMA (x86-64 only; chosen only when the CPU has both).
    Avx2,
    /// AVX-512 (F, BW, VL) with VNNI for the quantized rows, AVX2 for the float ops (x86-64 only;
    /// chosen only when the CPU has all of them).
    Avx512Vnni,
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub fn best() -> Kernel {
        *Self::available()
            .last()
            .expect("the scalar kernel is always available")
    }

    /// Every kernel this CPU runs (the scalar one always).
    pub fn available() -> Vec<Kernel> {
        let mut v = vec![Kernel::Scalar];
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            v.push(Kernel::Avx2);
            if std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512bw")
                && std::is_x86_feature_detected!("avx512vl")
                && std::is_x86_feature_detected!("avx512vnni")
            {
                v.push(Kernel::Avx512Vnni);
            }
        }
        v
    }

    pub fn name(self) -> &'static str {
        match self {
            Kernel::Scalar => "scalar",
            Kernel::Avx2 => "avx2",
            Kernel::Avx512Vnni => "avx512-vnni",
        }
    }

    /// The kernel of this [`Kernel::name`], if this CPU runs it.
    pub fn from_name(name: &str) -> Result<Kernel, String> {
        let all = [Kernel::Scalar, Kernel::Avx2, Kernel::Avx512Vnni];
        let k = all.into_iter().find(|k| k.name() == name).ok_or_else(|| {
            format!("no kernel {name:?}; the kernels are scalar, avx2 and avx512-vnni")
        })?;
        if !Self::available().contains(&k) {
            return Err(format!("this CPU cannot run the {name} kernel"));
        }
        Ok(k)
    }

    /// Whether the AVX2+FMA paths may run (every SIMD kernel has them; the float ops use them).
    pub fn has_avx2(self) -> bool {
        matches!(self, Kernel::Avx2 | Kernel::Avx512Vnni)
    }

    /// `Σ_b w[b]·a[b]` for Q8_0 weights.
    pub fn dot_q8(self, w: &[Q8Block], a: &[ActBlock]) -> f32 {
        assert_eq!(w.len(), a.len(), "dot of unequal lengths");
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx2` is only handed out by `available` when the CPU has AVX2 and FMA.
            Kernel::Avx2 => unsafe { avx2::dot_q8(w, a) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx512Vnni` is only handed out when the CPU has every feature it uses.
            Kernel::Avx512Vnni => unsafe { avx512::dot_q8(w, a) },
            _ => scalar_dot_q8(w, a),
        }
    }

    /// `Σ_b w[b]·a[b]` for Q4_1 weights.
    pub fn dot_q41(self, w: &[Q41Block], a: &[ActBlock]) -> f32 {
        assert_eq!(w.len(), a.len(), "dot of unequal lengths");
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as in `dot_q8`.
            // (Q4_1 rows in plain blocks take the AVX2 path under AVX-512 too: the VNNI kernel
            // reads them repacked in tiles, `tiles`.)
            k if k.has_avx2() => unsafe { avx2::dot_q41(w, a) },
            _ => scalar_dot_q41(w, a),
        }
    }

    /// Four Q8_0 dots of one weight row with four tokens' activations, each summed exactly as
    /// [`Kernel::dot_q8`] sums it (the weight blocks are loaded once for the four).
    pub fn dot_q8_x4(self, w: &[Q8Block], a: [&[ActBlock]; 4]) -> [f32; 4] {
        assert!(
            a.iter().all(|x| x.len() == w.len()),
            "dot of unequal lengths"
        );
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as in `dot_q8`.
            Kernel::Avx2 => unsafe { avx2::dot_q8_x4(w, a) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            Kernel::Avx512Vnni => unsafe { avx512::dot_q8_x4(w, a) },
            _ => a.map(|a| scalar_dot_q8(w, a)),
        }
    }

    /// Four Q4_1 dots, as [`Kernel::dot_q8_x4`].
    pub fn dot_q41_x4(self, w: &[Q41Block], a: [&[ActBlock]; 4]) -> [f32; 4] {
        assert!(
            a.iter().all(|x| x.len() == w.len()),
            "dot of unequal lengths"
        );
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as in `dot_q8`.
            k if k.has_avx2() => unsafe { avx2::dot_q41_x4(w, a) },
            _ => a.map(|a| scalar_dot_q41(w, a)),
        }
    }

    /// `Σ x[i]·y[i]` in `f32`.
    pub fn dot(self, x: &[f32], y: &[f32]) -> f32 {
        assert_eq!(x.len(), y.len(), "dot of unequal lengths");
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as in `dot_q8`.
            k if k.has_avx2() => unsafe { avx2::dot_f32(x, y) },
            _ => x.iter().zip(y).map(|(a, b)| a * b).sum(),
        }
    }

    /// `y[i] += a·x[i]`.
    pub fn axpy(self, a: f32, x: &[f32], y: &mut [f32]) {
        assert_eq!(x.len(), y.len(), "axpy of unequal lengths");
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as in `dot_q8`.
            k if k.has_avx2() => unsafe { avx2::axpy(a, x, y) },
            _ => {
                for (yi, xi) in y.iter_mut().zip(x) {
                    *yi += a * xi;
                }
            }
        }
    }
}

fn scalar_dot_q8(w: &[Q8Block], a: &[ActBlock]) -> f32 {
    let mut sum = 0f32;
    for (w, a) in w.iter().zip(a) {
        let i: i32 =
            w.qs.iter()
                .zip(&a.qs)
                .map(|(&x, &y)| x as i32 * y as i32)
                .sum();
        sum += i as f32 * (w.d * a.d);
    }
    sum
}

fn scalar_dot_q41(w: &[Q41Block], a: &[ActBlock]) -> f32 {
    let (mut sum, mut offset) = (0f32, 0f32);
    for (w, a) in w.iter().zip(a) {
        let mut i = 0i32;
        for j in 0..QK / 2 {
            i += (w.qs[j] & 0x0f) as i32 * a.qs[j] as i32;
            i += (w.qs[j] >> 4) as i32 * a.qs[j + QK / 2] as i32;
        }
        sum += i as f32 * (w.d * a.d);
        offset += w.m * a.s;
    }
    sum + offset
}

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod tiles;
pub use tiles::Tiled;
