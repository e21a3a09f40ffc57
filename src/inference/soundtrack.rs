//! What the music lane carries, as plain data: a mood and a style in, a rendered bar out (with
//! the controls it was made for). `music` gives these types their behaviour (a mood's controls, a
//! style applied); the pool only moves them.

/// A mood: valence (unpleasant → pleasant), arousal (calm → excited), dominance (submissive →
/// in control), each in [-1, 1].
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mood {
    pub(crate) valence: f32,
    pub(crate) arousal: f32,
    pub(crate) dominance: f32,
}

/// One style: an index into each parameter's choices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Style {
    pub tempo: u8,
    pub density: u8,
    pub instrumentation: u8,
}

/// How loud each layer plays, 0 (silent) to 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Layers {
    pub(crate) melody: f32,
    pub(crate) pad: f32,
    pub(crate) bass: f32,
    pub(crate) percussion: f32,
}

/// What the composer and the arranger are told for one bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Controls {
    /// Major (true) or minor mode: conditions the model.
    pub(crate) major: bool,
    /// Bar density class 0..3: conditions the model.
    pub(crate) density: u8,
    pub tempo_bpm: f32,
    /// Register class 0..3 (low, middle, high melody): conditions the model.
    pub(crate) register: u8,
    /// Semitones the whole texture is moved from the model's C.
    pub(crate) transpose: i8,
    /// MIDI velocity of a full-gain note.
    pub(crate) velocity: u8,
    /// Sounding fraction of each note's written length (1 legato, lower detached).
    pub(crate) articulation: f32,
    pub(crate) layers: Layers,
}

/// One bar's audio: interleaved stereo at the synthesiser's sample rate, with the controls it was made for.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderedBar {
    pub samples: Vec<f32>,
    pub controls: Controls,
    /// Milliseconds spent composing and rendering it.
    pub(crate) work_ms: f64,
}
