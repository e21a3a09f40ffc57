//! The arranger: turns composed bars into notes on the layers. The soprano is the melody, alto and
//! tenor the pad, the bass the bass; percussion follows the bar's density. Each bar's controls
//! set its tempo, register, loudness, articulation and layer gains (a layer at zero plays
//! nothing). A note's length is known once its voice moves on, so a bar's notes are final when the
//! next bar has been added (the game composes one bar ahead for this).

use super::compose::{BAR_STEPS, Bar};
use super::events::{HOLD, REST, VOICES, token_pitch};
use super::mood::Controls;
use super::score::{HAT, KICK, Layer, Note, SNARE, Score};

/// Beats per eighth.
const STEP_BEATS: f64 = 0.5;
/// Below this gain a layer is silent.
const AUDIBLE: f32 = 0.05;

/// A note whose end is not known yet.
#[derive(Clone, Copy, Debug)]
struct Open {
    start: f64,
    pitch: u8,
    controls: Controls,
}

/// Layer of each voice.
const VOICE_LAYER: [Layer; VOICES] = [Layer::Melody, Layer::Pad, Layer::Pad, Layer::Bass];

/// Keeps the notes still sounding between bars.
#[derive(Default)]
pub(crate) struct Arranger {
    open: [Option<Open>; VOICES],
}

impl Arranger {
    /// Adds a bar to `score`: its tempo mark, its percussion, every note that ended in it, and
    /// (capped at this bar's end) the notes that started before it and still sound. Afterwards
    /// every note that starts before this bar is in the score.
    pub(crate) fn push(&mut self, bar: &Bar, c: &Controls, score: &mut Score) {
        let start = score.push_bar(BAR_STEPS as f64 * STEP_BEATS, f64::from(c.tempo_bpm));
        for (v, tokens) in bar.voices.iter().enumerate() {
            for (s, &token) in tokens.iter().enumerate() {
                let at = start + s as f64 * STEP_BEATS;
                match token {
                    HOLD => {}
                    REST => self.close(v, at, score),
                    t => {
                        self.close(v, at, score);
                        self.open[v] = token_pitch(t).map(|pitch| Open {
                            start: at,
                            pitch,
                            controls: *c,
                        });
                    }
                }
            }
        }
        let end = score.end_beat;
        for v in 0..VOICES {
            if self.open[v].is_some_and(|o| o.start < start) {
                self.close(v, end, score);
            }
        }
        percussion(c, start, score);
    }

    /// Where the earliest note still sounding started (it is not in the score yet), if any.
    pub(crate) fn earliest_open(&self) -> Option<f64> {
        self.open.iter().flatten().map(|o| o.start).reduce(f64::min)
    }

    /// Ends every note at the end of the score.
    pub(crate) fn finish(&mut self, score: &mut Score) {
        let end = score.end_beat;
        for v in 0..VOICES {
            self.close(v, end, score);
        }
    }

    fn close(&mut self, v: usize, at: f64, score: &mut Score) {
        let Some(o) = self.open[v].take() else { return };
        let layer = VOICE_LAYER[v];
        let c = o.controls;
        let gain = match layer {
            Layer::Melody => c.layers.melody,
            Layer::Pad => c.layers.pad * 0.8,
            Layer::Bass => c.layers.bass * 0.9,
            Layer::Percussion => c.layers.percussion,
        };
        if gain < AUDIBLE {
            return;
        }
        let articulation = if layer == Layer::Pad {
            1.0
        } else {
            f64::from(c.articulation)
        };
        let written = at - o.start;
        let pitch = (i16::from(o.pitch) + i16::from(c.transpose)).clamp(0, 127) as u8;
        score.notes.push(Note {
            layer,
            start: o.start,
            length: (written * articulation).max(written.min(0.25)),
            pitch,
            velocity: velocity(c.velocity, gain),
        });
    }
}

fn velocity(full: u8, gain: f32) -> u8 {
    (f32::from(full) * gain).round().clamp(1.0, 127.0) as u8
}

/// The percussion of a bar: kick on beats one and three, a snare on two and four once the layer
/// is loud, hi-hats on quarters (eighths in busy bars).
fn percussion(c: &Controls, start: f64, score: &mut Score) {
    let gain = c.layers.percussion;
    if gain < AUDIBLE {
        return;
    }
    for s in 0..BAR_STEPS {
        let at = start + s as f64 * STEP_BEATS;
        let mut hit = |pitch: u8, scale: f32| {
            score.notes.push(Note {
                layer: Layer::Percussion,
                start: at,
                length: 0.25,
                pitch,
                velocity: velocity(c.velocity, gain * scale),
            });
        };
        if s % 4 == 0 {
            hit(KICK, 1.0);
        }
        if s % 4 == 2 && gain > 0.5 {
            hit(SNARE, 0.7);
        }
        if s % 2 == 0 || c.density >= 2 {
            hit(HAT, if s % 2 == 0 { 0.55 } else { 0.4 });
        }
    }
}
