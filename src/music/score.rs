//! What is played: notes on four layers in beats, and each bar's tempo. The synthesiser and the
//! MIDI writer both read this, so the MIDI file holds exactly the notes rendered.

/// The layers of the texture (vertical layering), each with its own instrument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub(crate) enum Layer {
    Melody,
    Pad,
    Bass,
    Percussion,
}

impl Layer {
    pub(crate) const ALL: [Layer; 4] = [Layer::Melody, Layer::Pad, Layer::Bass, Layer::Percussion];
}

/// General MIDI drum keys the percussion layer uses.
pub(crate) const KICK: u8 = 36;
pub(crate) const SNARE: u8 = 38;
pub(crate) const HAT: u8 = 42;

/// One note. For percussion, `pitch` is a General MIDI drum key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Note {
    pub(crate) layer: Layer,
    /// Start and length in beats (quarter notes) from the piece's start.
    pub start: f64,
    pub(crate) length: f64,
    pub(crate) pitch: u8,
    pub(crate) velocity: u8,
}

/// A bar's start and tempo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TempoMark {
    pub(crate) beat: f64,
    /// When the bar starts, in seconds.
    pub second: f64,
    pub(crate) bpm: f64,
}

/// A piece (or the part of it made so far).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Score {
    pub notes: Vec<Note>,
    /// One mark per bar, in order.
    pub tempo: Vec<TempoMark>,
    /// Where the last bar ends, in beats.
    pub(crate) end_beat: f64,
}

impl Score {
    /// Seconds from the start at a beat (the tempo is constant within a bar).
    pub fn seconds_at(&self, beat: f64) -> f64 {
        let i = self.tempo.partition_point(|m| m.beat <= beat);
        match i.checked_sub(1).map(|i| self.tempo[i]) {
            Some(m) => m.second + (beat - m.beat) * 60.0 / m.bpm,
            None => beat * 60.0 / self.tempo.first().map_or(120.0, |m| m.bpm),
        }
    }

    /// The piece's length in seconds.
    pub(crate) fn seconds(&self) -> f64 {
        self.seconds_at(self.end_beat)
    }

    /// Starts a bar of `beats` beats at `bpm`; returns where it starts (in beats).
    pub(crate) fn push_bar(&mut self, beats: f64, bpm: f64) -> f64 {
        let beat = self.end_beat;
        let second = self.seconds_at(beat);
        self.tempo.push(TempoMark { beat, second, bpm });
        self.end_beat += beats;
        beat
    }

    /// Forgets every note (once the synthesiser has them) and the tempo marks of the bars that
    /// end before `beat`, so a score played for hours stays a bar or two long. Times from `beat`
    /// on keep their meaning; `end_beat` is unchanged.
    pub(crate) fn forget_before(&mut self, beat: f64) {
        self.notes.clear();
        let keep_from = self
            .tempo
            .partition_point(|m| m.beat <= beat)
            .saturating_sub(1);
        self.tempo.drain(..keep_from);
    }
}
