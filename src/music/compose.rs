//! The composer: samples the music model one bar of four voices at a time, conditioned on the
//! bar's mode, density and register, carrying the network's state from bar to bar so that a piece goes on
//! (and changes mood on bar lines) instead of looping. Each voice is kept in its range, and every
//! note in the bar's scale: the model learnt mode from the chorales, but a chorale borrows notes
//! from the other mode often enough that, sampled freely, a bright mood's piece read as minor as
//! major. The scale makes the mode heard by construction.

use std::sync::Arc;

use candle_core::Tensor;

use super::MusicError;
use super::events::{BOS, Conditions, HOLD, VOCAB, VOICE_RANGE, VOICES, pitch_token, token_pitch};
use super::model::MusicNet;
use crate::ml::seeded::Rng;

/// Eighths in the composer's bar (4/4).
pub(crate) const BAR_STEPS: usize = 8;

/// One composed bar: per voice, one token per eighth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub(crate) major: bool,
    pub voices: [[u16; BAR_STEPS]; VOICES],
}

/// Pitch classes of the major scale on C (the corpus's tonic).
const MAJOR_SCALE: [u8; 7] = [0, 2, 4, 5, 7, 9, 11];
/// Pitch classes of the minor scale on C: the natural minor and the raised seventh that leads home
/// (the harmonic minor's), as the chorales use both.
const MINOR_SCALE: [u8; 8] = [0, 2, 3, 5, 7, 8, 10, 11];

/// How much more likely (in logits) a note of the tonic triad is: C, the mode's third and G. A
/// scale alone is shared with the relative key (C minor's notes are E flat major's); leaning on the
/// tonic triad says which of the two the piece is in.
const TRIAD_BIAS: f32 = 1.0;

/// The logit bias of `token` in the mode: [`TRIAD_BIAS`] for the tonic triad's notes.
fn triad_bias(token: u16, major: bool) -> f32 {
    let third = if major { 4 } else { 3 };
    match token_pitch(token).map(|p| p % 12) {
        Some(c) if c == 0 || c == third || c == 7 => TRIAD_BIAS,
        _ => 0.0,
    }
}

/// Whether `token` may sound in the mode: a hold always; a pitch when its class is in the scale.
pub(crate) fn in_scale(token: u16, major: bool) -> bool {
    token_pitch(token).is_none_or(|p| {
        let class = p % 12;
        if major {
            MAJOR_SCALE.contains(&class)
        } else {
            MINOR_SCALE.contains(&class)
        }
    })
}

/// Samples bars from the model.
pub struct Composer {
    net: Arc<MusicNet>,
    state: Tensor,
    last: u16,
    rng: Rng,
    /// Sampling temperature (1 = the model's own distribution).
    pub(crate) temperature: f32,
    /// Per voice: which tokens may be sampled.
    allowed: [Vec<bool>; VOICES],
    /// Per voice: whether a note sounds (a hold needs one).
    sounding: [bool; VOICES],
}

impl Composer {
    /// A composer at the start of a piece.
    pub fn new(net: Arc<MusicNet>, seed: u64) -> Result<Self, MusicError> {
        let state = net.zero_state(1)?;
        let allowed = std::array::from_fn(|v| {
            let (lo, hi) = VOICE_RANGE[v];
            let mut a = vec![false; VOCAB];
            // No rests: the chorales hardly have any, and a soundtrack should not fall silent.
            a[usize::from(HOLD)] = true;
            for p in lo..=hi {
                if let Some(t) = pitch_token(p) {
                    a[usize::from(t)] = true;
                }
            }
            a
        });
        Ok(Composer {
            net,
            state,
            last: BOS,
            rng: Rng(seed ^ 0x006d_7573_6963),
            temperature: 0.9,
            allowed,
            sounding: [false; VOICES],
        })
    }

    /// The next bar for this mode, density class and register class.
    pub fn next_bar(&mut self, major: bool, density: u8, register: u8) -> Result<Bar, MusicError> {
        let mut bar = Bar {
            major,
            voices: [[HOLD; BAR_STEPS]; VOICES],
        };
        for step in 0..BAR_STEPS {
            for v in 0..VOICES {
                let c = Conditions {
                    voice: v as u8,
                    position: step as u8,
                    major,
                    density,
                    register,
                };
                let (logits, state) = self.net.step(self.last, c, &self.state)?;
                self.state = state;
                let token = self.sample(&logits, v, major);
                self.sounding[v] = true;
                bar.voices[v][step] = token;
                self.last = token;
            }
        }
        Ok(bar)
    }

    /// A token from the logits, among those allowed for voice `v` and in the mode's scale, at the
    /// temperature.
    fn sample(&mut self, logits: &[f32], v: usize, major: bool) -> u16 {
        let hold_ok = self.sounding[v];
        let allowed = &self.allowed[v];
        let ok = |i: usize| {
            allowed[i] && (hold_ok || i != usize::from(HOLD)) && in_scale(i as u16, major)
        };
        let t = self.temperature.max(1e-3);
        let logit = |i: usize| logits[i] + triad_bias(i as u16, major);
        let max = (0..logits.len())
            .filter(|&i| ok(i))
            .map(logit)
            .fold(f32::NEG_INFINITY, f32::max);
        let weights: Vec<f32> = (0..logits.len())
            .map(|i| {
                if ok(i) {
                    ((logit(i) - max) / t).exp()
                } else {
                    0.0
                }
            })
            .collect();
        let total: f32 = weights.iter().sum();
        if !(total.is_finite() && total > 0.0) {
            // Only when the logits are not numbers: the middle of the voice's range.
            let (lo, hi) = VOICE_RANGE[v];
            return pitch_token(lo / 2 + hi / 2).unwrap_or(HOLD);
        }
        let mut r = self.rng.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i as u16;
            }
            r -= w;
        }
        // Rounding left a sliver: the last allowed token.
        (0..weights.len())
            .rev()
            .find(|&i| weights[i] > 0.0)
            .unwrap_or(0) as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scales_keep_their_modes_notes() {
        let tok = |p: u8| pitch_token(p).unwrap();
        // E (64) is major's third, E flat (63) minor's; B (71) leads home in both; F sharp in neither.
        assert!(in_scale(tok(64), true) && !in_scale(tok(64), false));
        assert!(in_scale(tok(63), false) && !in_scale(tok(63), true));
        assert!(in_scale(tok(71), true) && in_scale(tok(71), false));
        assert!(!in_scale(tok(66), true) && !in_scale(tok(66), false));
        assert!(in_scale(HOLD, true) && in_scale(HOLD, false));
    }
}
