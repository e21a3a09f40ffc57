//! The music model's events: four voices (soprano, alto, tenor, bass) on an eighth-note grid, one
//! token per voice per step (a new pitch, hold the sounding note, or rest), interleaved step by
//! step after one start token. Pieces are transposed so that the tonic is C; the mode, the position
//! in the bar, how busy the bar is and how high its melody lies are the controls the model is
//! conditioned on.

/// Continue the note (or rest) that sounds in this voice.
pub(crate) const HOLD: u16 = 0;
/// Silence in this voice.
pub(crate) const REST: u16 = 1;
/// The start of a piece.
pub(crate) const BOS: u16 = 2;
/// The lowest and highest MIDI pitches the vocabulary holds.
pub(crate) const LOWEST: u8 = 28;
pub(crate) const HIGHEST: u8 = 90;
/// Tokens: hold, rest, start, then one per pitch.
pub(crate) const VOCAB: usize = 3 + (HIGHEST - LOWEST) as usize + 1;
/// Soprano, alto, tenor, bass.
pub(crate) const VOICES: usize = 4;
/// Steps per quarter note (the grid is in eighths).
pub(crate) const STEPS_PER_QUARTER: usize = 2;
/// Positions in a bar the model knows (a 3/2 or 12/8 bar has 12 eighths).
pub(crate) const MAX_BAR_STEPS: usize = 16;
/// Density classes: sparse, moderate, busy bars (thresholds come from the training set).
pub(crate) const DENSITIES: usize = 3;
/// Register classes: low, middle, high melody (thresholds come from the training set).
pub(crate) const REGISTERS: usize = 3;
/// The range each voice is kept in when sampling (MIDI, tonic C), from the chorales' own ranges.
pub(crate) const VOICE_RANGE: [(u8, u8); VOICES] = [(57, 81), (52, 74), (45, 69), (33, 64)];

/// The token of a pitch, or `None` outside the vocabulary.
pub(crate) fn pitch_token(pitch: u8) -> Option<u16> {
    (LOWEST..=HIGHEST)
        .contains(&pitch)
        .then(|| 3 + u16::from(pitch - LOWEST))
}

/// The pitch of a token, or `None` for hold, rest and start.
pub fn token_pitch(token: u16) -> Option<u8> {
    (3..VOCAB as u16)
        .contains(&token)
        .then(|| LOWEST + (token - 3) as u8)
}

/// One piece on the grid, tonic C.
#[derive(Clone, Debug)]
pub struct Piece {
    /// Where it came from (a corpus file name).
    pub(crate) name: String,
    pub(crate) major: bool,
    /// Per step: its position in the bar (0 on the downbeat).
    pub(crate) position: Vec<u8>,
    /// Per step: the fraction of the bar's voice-steps that start a note (its bar's busyness).
    pub(crate) bar_density: Vec<f32>,
    /// Per step: the mean MIDI pitch of the soprano over its bar (the bar's register).
    pub(crate) bar_register: Vec<f32>,
    /// Per voice, per step: a token.
    pub(crate) voices: [Vec<u16>; VOICES],
}

/// Per token of a flattened piece: what the model is told about the token it must predict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conditions {
    pub(crate) voice: u8,
    pub(crate) position: u8,
    pub(crate) major: bool,
    pub(crate) density: u8,
    pub(crate) register: u8,
}

/// Where bar densities and registers split into classes (terciles of the training set).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Classes {
    pub(crate) density: [f32; 2],
    pub(crate) register: [f32; 2],
}

impl Classes {
    /// Terciles of the bars of `pieces`.
    pub(crate) fn of(pieces: &[Piece]) -> Self {
        let terciles = |get: &dyn Fn(&Piece) -> &Vec<f32>, fallback: [f32; 2]| {
            let mut all: Vec<f32> = pieces.iter().flat_map(|p| get(p).iter().copied()).collect();
            if all.is_empty() {
                return fallback;
            }
            all.sort_by(f32::total_cmp);
            [all[all.len() / 3], all[2 * all.len() / 3]]
        };
        Classes {
            density: terciles(&|p| &p.bar_density, [0.3, 0.5]),
            register: terciles(&|p| &p.bar_register, [67.0, 71.0]),
        }
    }
}

impl Piece {
    /// Steps (eighths) in the piece.
    pub(crate) fn steps(&self) -> usize {
        self.position.len()
    }

    /// The token stream (start token, then each step's four voices) and, for every token after
    /// the start, its conditions.
    pub fn flatten(&self, classes: Classes) -> (Vec<u16>, Vec<Conditions>) {
        let mut tokens = Vec::with_capacity(1 + self.steps() * VOICES);
        let mut conds = Vec::with_capacity(self.steps() * VOICES);
        tokens.push(BOS);
        for s in 0..self.steps() {
            for (v, voice) in self.voices.iter().enumerate() {
                tokens.push(voice[s]);
                conds.push(Conditions {
                    voice: v as u8,
                    position: self.position[s],
                    major: self.major,
                    density: class(self.bar_density[s], classes.density),
                    register: class(self.bar_register[s], classes.register),
                });
            }
        }
        (tokens, conds)
    }
}

/// The class (0, 1, 2) of a value split at two thresholds.
pub(crate) fn class(value: f32, thresholds: [f32; 2]) -> u8 {
    if value < thresholds[0] {
        0
    } else if value < thresholds[1] {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitch_tokens_round_trip_and_refuse_out_of_range() {
        for p in LOWEST..=HIGHEST {
            assert_eq!(token_pitch(pitch_token(p).unwrap()), Some(p));
        }
        assert_eq!(pitch_token(LOWEST - 1), None);
        assert_eq!(pitch_token(HIGHEST + 1), None);
        assert_eq!(token_pitch(HOLD), None);
        assert_eq!(token_pitch(VOCAB as u16), None);
        assert_eq!(pitch_token(HIGHEST), Some(VOCAB as u16 - 1));
    }
}
