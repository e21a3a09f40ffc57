//! The synthesiser: renders a [`Score`]'s notes to 44.1 kHz stereo, in chunks of any size. Voices
//! carry over from one chunk to the next, so rendering a piece in pieces gives exactly the samples
//! of rendering it whole (no clicks at phrase joins). A small reverb gives the room; a soft
//! limiter keeps every sample below full scale.

mod reverb;
mod voice;

use super::score::{HAT, KICK, Layer, SNARE, Score};
use voice::{Instrument, Voice};

/// Samples per second (per channel).
pub(crate) const SAMPLE_RATE: u32 = 44_100;

/// A note waiting for its start, in samples.
#[derive(Clone, Copy, Debug)]
struct Scheduled {
    start: u64,
    length: u32,
    instrument: Instrument,
    pitch: u8,
    velocity: u8,
    pan: f32,
}

impl Scheduled {
    fn key(&self) -> (u64, u8, u8, u8, u32) {
        (
            self.start,
            self.instrument as u8,
            self.pitch,
            self.velocity,
            self.length,
        )
    }
}

/// What the synthesiser measured while rendering.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct SynthStats {
    pub(crate) frames: u64,
    pub(crate) notes: u64,
    /// Notes whose start had already passed when they were scheduled (started late).
    pub late_notes: u64,
    /// Frames where the soft limiter bent the signal (above half scale).
    pub(crate) limited_frames: u64,
    pub(crate) max_voices: usize,
}

/// Renders notes; keeps its voices between calls.
pub struct Synth {
    queue: Vec<Scheduled>,
    voices: Vec<Voice>,
    reverb: reverb::Reverb,
    /// Frames rendered so far.
    now: u64,
    /// How many of the score's notes have been scheduled.
    scheduled: usize,
    pub stats: SynthStats,
    /// Master gain before the limiter.
    pub(crate) gain: f32,
}

impl Default for Synth {
    fn default() -> Self {
        Synth {
            queue: Vec::new(),
            voices: Vec::new(),
            reverb: reverb::Reverb::new(),
            now: 0,
            scheduled: 0,
            stats: SynthStats::default(),
            gain: 0.9,
        }
    }
}

/// The instrument and stereo position of a note.
fn voicing(layer: Layer, pitch: u8) -> (Instrument, f32) {
    match layer {
        Layer::Melody => (Instrument::Lead, 0.5),
        // Pad notes spread left and right by pitch.
        Layer::Pad => (
            Instrument::Pad,
            if pitch.is_multiple_of(2) { 0.3 } else { 0.7 },
        ),
        Layer::Bass => (Instrument::Bass, 0.5),
        Layer::Percussion => match pitch {
            KICK => (Instrument::Kick, 0.5),
            SNARE => (Instrument::Snare, 0.45),
            HAT => (Instrument::Hat, 0.68),
            _ => (Instrument::Hat, 0.5),
        },
    }
}

fn soft_limit(x: f32) -> f32 {
    let a = x.abs();
    if a <= 0.5 {
        x
    } else {
        x.signum() * (0.5 + 0.5 * ((a - 0.5) / 0.5).tanh())
    }
}

impl Synth {
    /// Frames rendered so far.
    pub fn position(&self) -> u64 {
        self.now
    }

    /// Schedules the score's notes added since the last call.
    pub fn schedule(&mut self, score: &Score) {
        let sr = f64::from(SAMPLE_RATE);
        for n in &score.notes[self.scheduled.min(score.notes.len())..] {
            let start = (score.seconds_at(n.start) * sr).round() as u64;
            let end = (score.seconds_at(n.start + n.length) * sr).round() as u64;
            if start < self.now {
                self.stats.late_notes += 1;
            }
            let (instrument, pan) = voicing(n.layer, n.pitch);
            self.queue.push(Scheduled {
                start: start.max(self.now),
                length: end.saturating_sub(start).min(u64::from(u32::MAX)) as u32,
                instrument,
                pitch: n.pitch,
                velocity: n.velocity,
                pan,
            });
        }
        self.scheduled = score.notes.len();
        // Latest first, so the next note to start is popped from the end; notes starting together
        // in one fixed order whatever order they were scheduled in, so voices are summed in the
        // same order (the same samples, bit for bit, however the score was handed over).
        self.queue.sort_by_key(|s| std::cmp::Reverse(s.key()));
    }

    /// Schedules `score`'s new notes, then lets the score forget them and the tempo of the bars
    /// before `keep_from` (the earliest beat still to be scheduled): how a stream that never ends
    /// keeps its score small.
    pub(crate) fn schedule_and_forget(&mut self, score: &mut Score, keep_from: f64) {
        self.schedule(score);
        score.forget_before(keep_from);
        self.scheduled = 0;
    }

    /// Appends `frames` interleaved stereo frames to `out`.
    pub fn render(&mut self, frames: usize, out: &mut Vec<f32>) {
        out.reserve(frames * 2);
        for _ in 0..frames {
            while self.queue.last().is_some_and(|s| s.start <= self.now) {
                let Some(s) = self.queue.pop() else { break };
                self.voices.push(Voice::new(
                    s.instrument,
                    s.pitch,
                    s.velocity,
                    s.length,
                    s.pan,
                ));
                self.stats.notes += 1;
            }
            let mut mix = [0f32; 2];
            for v in &mut self.voices {
                let [l, r] = v.sample();
                mix[0] += l;
                mix[1] += r;
            }
            let wet = self.reverb.process(mix);
            let mut limited = false;
            for (c, w) in mix.iter().zip(wet) {
                let x = (c + w) * self.gain;
                limited |= x.abs() > 0.5;
                out.push(soft_limit(x));
            }
            self.stats.limited_frames += u64::from(limited);
            self.now += 1;
            if self.now.is_multiple_of(64) {
                self.stats.max_voices = self.stats.max_voices.max(self.voices.len());
                self.voices.retain(|v| !v.done());
            }
        }
        self.stats.frames = self.now;
    }

    /// Renders a whole score, with `tail` seconds after its end for the last notes to fade.
    pub fn render_score(score: &Score, tail: f64) -> (Vec<f32>, SynthStats) {
        let mut synth = Synth::default();
        synth.schedule(score);
        let frames = ((score.seconds() + tail) * f64::from(SAMPLE_RATE)).round() as usize;
        let mut out = Vec::new();
        synth.render(frames, &mut out);
        (out, synth.stats)
    }
}
