//! What music is saved as: WAV audio and standard MIDI files.

pub mod midi;
pub mod wav;
