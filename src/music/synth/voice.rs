//! The instruments: one voice per sounding note. Pitched voices read band-limited single-cycle
//! wavetables (a soft reed for the melody, a detuned, low-passed saw for the pad, a round pluck
//! for the bass) under linear envelopes, so a note never starts or stops with a jump; drums are a
//! swept sine (kick), noise with a tone (snare) and high-passed noise (hi-hat).

use std::f32::consts::TAU;
use std::sync::OnceLock;

use super::SAMPLE_RATE;

const TABLE: usize = 2048;

/// Which sound a voice makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Instrument {
    Lead,
    Pad,
    Bass,
    Kick,
    Snare,
    Hat,
}

/// A single cycle with these harmonic amplitudes, normalised to a peak of 1.
fn table(harmonics: &[f32]) -> Vec<f32> {
    let mut t: Vec<f32> = (0..TABLE)
        .map(|i| {
            let x = i as f32 / TABLE as f32 * TAU;
            harmonics
                .iter()
                .enumerate()
                .map(|(n, a)| a * ((n + 1) as f32 * x).sin())
                .sum()
        })
        .collect();
    let peak = t.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    t.iter_mut().for_each(|v| *v /= peak);
    t
}

/// Wavetables of the lead, the pad and the bass.
fn tables() -> &'static [Vec<f32>; 3] {
    static T: OnceLock<[Vec<f32>; 3]> = OnceLock::new();
    T.get_or_init(|| {
        let saw: Vec<f32> = (1..=14).map(|n| 0.82f32.powi(n) / n as f32).collect();
        [
            table(&[1.0, 0.42, 0.2, 0.1, 0.05]),
            table(&saw),
            table(&[1.0, 0.55, 0.25, 0.12, 0.06]),
        ]
    })
}

fn read(table: &[f32], phase: f32) -> f32 {
    let x = phase * TABLE as f32;
    let i = x as usize % TABLE;
    let f = x - x.floor();
    let a = table[i];
    let b = table[(i + 1) % TABLE];
    a + (b - a) * f
}

/// Attack, decay, sustain level and release, in seconds.
#[derive(Clone, Copy)]
struct Envelope {
    attack: f32,
    decay: f32,
    sustain: f32,
    release: f32,
}

impl Instrument {
    fn envelope(self) -> Envelope {
        let e = |attack, decay, sustain, release| Envelope {
            attack,
            decay,
            sustain,
            release,
        };
        match self {
            Instrument::Lead => e(0.02, 0.15, 0.72, 0.12),
            Instrument::Pad => e(0.3, 0.5, 0.85, 0.6),
            Instrument::Bass => e(0.008, 0.35, 0.5, 0.09),
            // Drums: a short attack, then only their own decay matters.
            Instrument::Kick | Instrument::Snare | Instrument::Hat => e(0.002, 0.0, 1.0, 0.05),
        }
    }

    /// Loudness of a full-velocity note, before the master gain.
    fn level(self) -> f32 {
        match self {
            Instrument::Lead => 0.24,
            Instrument::Pad => 0.085,
            Instrument::Bass => 0.3,
            Instrument::Kick => 0.55,
            Instrument::Snare => 0.22,
            Instrument::Hat => 0.1,
        }
    }

    /// The drums' own decay time constant, in seconds.
    fn decay(self) -> f32 {
        match self {
            Instrument::Kick => 0.16,
            Instrument::Snare => 0.08,
            Instrument::Hat => 0.035,
            _ => f32::INFINITY,
        }
    }
}

/// One sounding note.
pub(super) struct Voice {
    instrument: Instrument,
    env: Envelope,
    /// Samples since the note started, and when its release starts.
    t: u32,
    off: u32,
    released_from: Option<f32>,
    level: f32,
    phase: f32,
    phase2: f32,
    inc: f32,
    inc2: f32,
    gain: [f32; 2],
    lowpass: f32,
    noise: u32,
    highpass: (f32, f32),
    decay: f32,
}

/// MIDI pitch → Hz.
fn frequency(pitch: u8) -> f32 {
    440.0 * 2f32.powf((f32::from(pitch) - 69.0) / 12.0)
}

impl Voice {
    /// A voice for a note of `length` samples at `velocity`, panned (0 left, 1 right).
    pub(crate) fn new(
        instrument: Instrument,
        pitch: u8,
        velocity: u8,
        length: u32,
        pan: f32,
    ) -> Self {
        let sr = SAMPLE_RATE as f32;
        let f = frequency(pitch);
        let detune = if instrument == Instrument::Pad {
            2f32.powf(7.0 / 1200.0)
        } else {
            1.0
        };
        let v = (f32::from(velocity) / 127.0).powf(1.5) * instrument.level();
        let pan = pan.clamp(0.0, 1.0);
        Voice {
            instrument,
            env: instrument.envelope(),
            t: 0,
            off: length.max(1),
            released_from: None,
            level: 0.0,
            phase: 0.0,
            // The pad's second oscillator starts a third of a cycle later, so the pair never
            // starts in phase (no doubled attack).
            phase2: 0.33,
            inc: f / sr,
            inc2: f * detune / sr,
            gain: [v * (1.0 - pan).sqrt(), v * pan.sqrt()],
            lowpass: 0.0,
            noise: 0x9e37_79b9 ^ (u32::from(pitch) << 8 | u32::from(velocity)),
            highpass: (0.0, 0.0),
            decay: (-1.0 / (instrument.decay() * sr)).exp(),
        }
    }

    /// True once the note has faded out.
    pub(crate) fn done(&self) -> bool {
        self.released_from.is_some() && self.level <= 0.0
    }

    fn envelope(&mut self) -> f32 {
        let sr = SAMPLE_RATE as f32;
        let t = self.t as f32 / sr;
        let e = self.env;
        if self.t >= self.off && self.released_from.is_none() {
            self.released_from = Some(self.level);
        }
        self.level = match self.released_from {
            Some(from) => {
                let since = (self.t - self.off) as f32 / sr;
                (from * (1.0 - since / e.release)).max(0.0)
            }
            None if t < e.attack => t / e.attack,
            None if t < e.attack + e.decay => 1.0 - (1.0 - e.sustain) * (t - e.attack) / e.decay,
            None => e.sustain,
        };
        self.level
    }

    fn white(&mut self) -> f32 {
        self.noise ^= self.noise << 13;
        self.noise ^= self.noise >> 17;
        self.noise ^= self.noise << 5;
        self.noise as f32 / u32::MAX as f32 * 2.0 - 1.0
    }

    /// The next stereo sample.
    pub(crate) fn sample(&mut self) -> [f32; 2] {
        let env = self.envelope();
        let sr = SAMPLE_RATE as f32;
        let t = self.t as f32 / sr;
        let tables = tables();
        let x = match self.instrument {
            Instrument::Lead => {
                let vibrato =
                    1.0 + 0.004 * (t * 5.5 * TAU).sin() * ((t - 0.25) * 4.0).clamp(0.0, 1.0);
                self.phase = (self.phase + self.inc * vibrato).fract();
                read(&tables[0], self.phase)
            }
            Instrument::Pad => {
                self.phase = (self.phase + self.inc).fract();
                self.phase2 = (self.phase2 + self.inc2).fract();
                let raw = read(&tables[1], self.phase) + read(&tables[1], self.phase2);
                self.lowpass += 0.22 * (raw - self.lowpass);
                self.lowpass
            }
            Instrument::Bass => {
                self.phase = (self.phase + self.inc).fract();
                read(&tables[2], self.phase)
            }
            Instrument::Kick => {
                let f = 48.0 + 95.0 * (-t / 0.035).exp();
                self.phase = (self.phase + f / sr).fract();
                (self.phase * TAU).sin() * self.decay.powf(self.t as f32)
            }
            Instrument::Snare => {
                let n = self.hp();
                let tone = (t * 185.0 * TAU).sin() * (-t / 0.04).exp();
                (0.75 * n + 0.5 * tone) * self.decay.powf(self.t as f32)
            }
            Instrument::Hat => self.hp() * self.decay.powf(self.t as f32),
        };
        self.t += 1;
        let y = x * env;
        [y * self.gain[0], y * self.gain[1]]
    }

    /// High-passed white noise.
    fn hp(&mut self) -> f32 {
        let x = self.white();
        let (prev_x, prev_y) = self.highpass;
        let y = 0.8 * (prev_y + x - prev_x);
        self.highpass = (x, y);
        y
    }
}
