//! From a mood (valence, arousal, dominance, each in [-1, 1]) to the music's controls. The
//! directions follow the music-emotion literature (see README, "Smart music"): mode carries
//! valence (major for positive); tempo, loudness and busyness carry arousal; register rises with
//! valence and arousal; loudness and a lower register carry dominance (power); articulation turns
//! shorter as arousal rises. Layers come in with arousal: pad and melody always, then bass, then
//! percussion (vertical layering).

use super::MusicError;
pub use crate::inference::soundtrack::{Controls, Layers, Mood};

impl Mood {
    /// A mood, or a clear error when a value is outside [-1, 1] or not a number.
    pub fn new(valence: f32, arousal: f32, dominance: f32) -> Result<Self, MusicError> {
        for (name, v) in [
            ("valence", valence),
            ("arousal", arousal),
            ("dominance", dominance),
        ] {
            if !(-1.0..=1.0).contains(&v) {
                return Err(MusicError::Invalid(format!(
                    "{name} {v} is outside [-1, 1]"
                )));
            }
        }
        Ok(Mood {
            valence,
            arousal,
            dominance,
        })
    }

    /// The same mood with every value clamped into [-1, 1] (NaN becomes 0).
    pub(crate) fn clamped(self) -> Self {
        let c = |v: f32| if v.is_nan() { 0.0 } else { v.clamp(-1.0, 1.0) };
        Mood {
            valence: c(self.valence),
            arousal: c(self.arousal),
            dominance: c(self.dominance),
        }
    }
}

fn ramp(x: f32, from: f32, to: f32) -> f32 {
    ((x - from) / (to - from)).clamp(0.0, 1.0)
}

/// The controls for a mood.
pub(crate) fn controls(mood: Mood) -> Controls {
    let Mood {
        valence: v,
        arousal: a,
        dominance: d,
    } = mood.clamped();
    Controls {
        major: v >= 0.0,
        density: if a < -0.35 {
            0
        } else if a < 0.35 {
            1
        } else {
            2
        },
        tempo_bpm: 88.0 + 36.0 * a + 8.0 * v,
        register: {
            let height = 0.6 * v + 0.4 * a - 0.3 * d;
            if height < -0.25 {
                0
            } else if height < 0.25 {
                1
            } else {
                2
            }
        },
        transpose: (3.0 * v + 2.0 * a - 2.0 * d).round() as i8,
        velocity: (74.0 + 24.0 * a + 12.0 * d).round().clamp(1.0, 127.0) as u8,
        articulation: 0.95 - 0.3 * a.max(0.0),
        layers: Layers {
            melody: 0.75 + 0.25 * ramp(a, -1.0, 0.0),
            pad: 1.0 - 0.3 * a.max(0.0),
            bass: ramp(a, -0.75, -0.25),
            percussion: ramp(a, 0.1, 0.6),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_moods_are_refused_with_the_name() {
        let e = Mood::new(0.0, 1.5, 0.0).unwrap_err().to_string();
        assert!(e.contains("arousal 1.5"), "{e}");
        assert!(Mood::new(f32::NAN, 0.0, 0.0).is_err());
        assert!(Mood::new(-1.0, 1.0, 0.0).is_ok());
    }

    #[test]
    fn arousal_raises_tempo_loudness_density_and_layers() {
        let calm = controls(Mood::new(0.3, -0.8, 0.0).unwrap());
        let wild = controls(Mood::new(0.3, 0.8, 0.0).unwrap());
        assert!(wild.tempo_bpm > calm.tempo_bpm + 30.0);
        assert!(wild.velocity > calm.velocity);
        assert!(wild.density > calm.density);
        assert_eq!(calm.layers.percussion, 0.0);
        assert_eq!(calm.layers.bass, 0.0);
        assert_eq!(wild.layers.percussion, 1.0);
        assert!(controls(Mood::new(0.5, 0.0, 0.0).unwrap()).major);
        assert!(!controls(Mood::new(-0.5, 0.0, 0.0).unwrap()).major);
    }
}
