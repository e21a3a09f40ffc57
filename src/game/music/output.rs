//! The soundtrack's way out: the audio asset Bevy plays (an endless stereo source reading the
//! stream) and, without a sound card, playing it into nothing at the clock's pace.

use bevy::audio::{ChannelCount, Decodable, SampleRate, Source};
use bevy::prelude::*;

use super::Soundtrack;
use crate::music::stream::StreamReader;
use crate::music::synth::SAMPLE_RATE;

/// The audio asset Bevy plays: each decoder reads the stream.
#[derive(Asset, TypePath)]
pub(super) struct MusicTrack {
    pub(super) reader: std::sync::Mutex<Option<StreamReader>>,
}

/// Bevy's side of the stream: an endless stereo source.
pub(super) struct MusicDecoder(Option<StreamReader>);

impl Iterator for MusicDecoder {
    type Item = f32;
    fn next(&mut self) -> Option<f32> {
        Some(self.0.as_mut().map_or(0.0, StreamReader::next_sample))
    }
}

impl Source for MusicDecoder {
    fn current_span_len(&self) -> Option<usize> {
        None
    }
    fn channels(&self) -> ChannelCount {
        ChannelCount::new(2).unwrap_or(ChannelCount::MIN)
    }
    fn sample_rate(&self) -> SampleRate {
        SampleRate::new(SAMPLE_RATE).unwrap_or(SampleRate::MIN)
    }
    fn total_duration(&self) -> Option<std::time::Duration> {
        None
    }
}

impl Decodable for MusicTrack {
    type Decoder = MusicDecoder;
    fn decoder(&self) -> MusicDecoder {
        MusicDecoder(self.reader.lock().unwrap_or_else(|e| e.into_inner()).take())
    }
}

/// Seconds Bevy's audio output gets to take the stream before it is played silently.
const OUTPUT_GRACE_S: f64 = 2.0;

/// Without a sound card Bevy's audio output never takes the stream: then it is played into
/// nothing at the clock's pace, so the soundtrack's work and figures are those of a heard one.
pub(super) fn without_sound_card(
    music: Option<ResMut<Soundtrack>>,
    tracks: Res<Assets<MusicTrack>>,
    time: Res<Time<Real>>,
) {
    let Some(mut music) = music else { return };
    if music.output_checked {
        return;
    }
    let now = time.elapsed_secs_f64();
    let since = *music.since.get_or_insert(now);
    if now - since < OUTPUT_GRACE_S {
        return;
    }
    let Some(track) = tracks.get(&music.track) else {
        return;
    };
    let unclaimed = track
        .reader
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    if let Some(reader) = unclaimed {
        info!("no audio output: the soundtrack plays silently (its figures still count)");
        if let Err(e) = reader.play_silently() {
            warn!("the silent soundtrack could not start: {e}");
        }
    }
    music.output_checked = true;
}
