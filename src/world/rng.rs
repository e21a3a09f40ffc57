//! Deterministic randomness: values derived by hashing (seed, entity, tick, purpose), so that results
//! do not depend on the order systems or threads run in.

/// SplitMix64 finaliser: a good 64-bit mix.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A number in [0, 1) from the given parts.
pub fn unit(seed: u64, a: u64, b: u64, salt: u64) -> f32 {
    let h = mix(mix(mix(seed ^ salt).wrapping_add(a)).wrapping_add(b));
    (h >> 40) as f32 / (1u64 << 24) as f32
}
