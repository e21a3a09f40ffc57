//! Seeded randomness shared by training and by the music (no Bevy, no inference types): a small
//! generator that gives the same numbers on every machine, and seeded weight initialisation.

use candle_core::{Device, Tensor};
use candle_nn::VarMap;

/// splitmix64: small, seedable, the same on every machine.
#[derive(Clone, Debug)]
pub(crate) struct Rng(pub u64);

impl Rng {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Replaces every variable of `vars` with seeded uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) values
/// (biases zero), so that training is deterministic for a seed.
pub(crate) fn seeded_init(vars: &VarMap, seed: u64) -> candle_core::Result<()> {
    let mut rng = Rng(seed);
    let data = vars.data().lock().unwrap_or_else(|e| e.into_inner());
    let mut names: Vec<&String> = data.keys().collect();
    names.sort();
    for name in names {
        let var = &data[name];
        let dims = var.dims().to_vec();
        let values: Vec<f32> = if dims.len() == 2 {
            let bound = 1.0 / (dims[1] as f32).sqrt();
            (0..dims[0] * dims[1])
                .map(|_| (rng.unit() * 2.0 - 1.0) * bound)
                .collect()
        } else {
            vec![0.0; var.elem_count()]
        };
        var.set(&Tensor::from_vec(values, dims, &Device::Cpu)?)?;
    }
    Ok(())
}
