//! The soundtrack as a stream (no Bevy, no threads of its own): it asks for the next bar while less
//! than `ahead` seconds are rendered beyond playback ([`MusicStream::request`], for the latest mood
//! and style), keeps the bars it is given ([`MusicStream::push`]; the music lane of the worker pool
//! makes them) in a shared buffer, and the audio output pulls samples from a [`StreamReader`]. Mood
//! changes take effect at the next bar line. The game only sets the mood, style, volume and mute
//! and hands bars over (never blocks); the reader counts underruns (the buffer ran dry while music
//! was due).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::bars::RenderedBar;
use super::mood::{Controls, Mood};
use super::synth::SAMPLE_RATE;
use super::taste::Style;

/// Samples a reader takes from the shared buffer at once (interleaved stereo).
const READ_BLOCK: usize = 2048;

/// What the stream, its feeder and the readers share.
struct Shared {
    buffer: Mutex<VecDeque<f32>>,
    mood: Mutex<Mood>,
    style: Mutex<Style>,
    /// Playback volume in [0, 1] (f32 bits) and mute.
    volume: AtomicU32,
    muted: AtomicBool,
    stop: AtomicBool,
    /// A bar was asked for and has not come yet.
    pending: AtomicBool,
    /// Interleaved samples to keep rendered beyond playback.
    ahead: usize,
    failed: Mutex<Option<String>>,
    bars: AtomicU64,
    major_bars: AtomicU64,
    underruns: AtomicU64,
    played: AtomicU64,
    /// Milliseconds spent composing and rendering the bars, summed.
    work_ms: Mutex<f64>,
    last: Mutex<Option<Controls>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the stream has done so far.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct StreamStats {
    pub bars: u64,
    pub(crate) major_bars: u64,
    /// Seconds of audio rendered but not played yet.
    pub buffered_s: f64,
    /// Seconds played.
    pub(crate) played_s: f64,
    /// Times the output found nothing to play while music was due.
    pub underruns: u64,
    /// Time spent composing and rendering per second of music.
    pub(crate) work_ms_per_s: f64,
    pub failed: Option<String>,
    pub controls: Option<Controls>,
}

/// A playing soundtrack. Dropping it stops a silent player (see [`StreamReader::play_silently`]).
pub struct MusicStream {
    shared: Arc<Shared>,
}

impl MusicStream {
    /// A stream that asks for bars until `ahead` seconds are rendered beyond what was played.
    pub fn new(mood: Mood, ahead: f64) -> Self {
        let shared = Arc::new(Shared {
            buffer: Mutex::new(VecDeque::new()),
            mood: Mutex::new(mood.clamped()),
            style: Mutex::new(Style::NEUTRAL),
            volume: AtomicU32::new(0.8f32.to_bits()),
            muted: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            pending: AtomicBool::new(false),
            ahead: (ahead.max(0.0) * f64::from(SAMPLE_RATE) * 2.0) as usize,
            failed: Mutex::new(None),
            bars: AtomicU64::new(0),
            major_bars: AtomicU64::new(0),
            underruns: AtomicU64::new(0),
            played: AtomicU64::new(0),
            work_ms: Mutex::new(0.0),
            last: Mutex::new(None),
        });
        MusicStream { shared }
    }

    /// The mood and style of the next bar to make, when one is due: less than `ahead` seconds are
    /// buffered, no bar is on its way and nothing failed. Each `Some` must be answered with
    /// [`MusicStream::push`], [`MusicStream::fail`] or [`MusicStream::withdraw`].
    pub fn request(&self) -> Option<(Mood, Style)> {
        let s = &self.shared;
        if s.pending.load(Ordering::Relaxed)
            || lock(&s.failed).is_some()
            || lock(&s.buffer).len() >= s.ahead
        {
            return None;
        }
        s.pending.store(true, Ordering::Relaxed);
        Some((*lock(&s.mood), *lock(&s.style)))
    }

    /// The bar asked for: its samples join the buffer.
    pub fn push(&self, bar: &RenderedBar) {
        let s = &self.shared;
        lock(&s.buffer).extend(bar.samples.iter());
        *lock(&s.work_ms) += bar.work_ms;
        s.bars.fetch_add(1, Ordering::Relaxed);
        s.major_bars
            .fetch_add(u64::from(bar.controls.major), Ordering::Relaxed);
        *lock(&s.last) = Some(bar.controls);
        s.pending.store(false, Ordering::Relaxed);
    }

    /// The bar asked for could not be made: the music stops here (its figures say why).
    pub fn fail(&self, why: String) {
        *lock(&self.shared.failed) = Some(why);
        self.shared.pending.store(false, Ordering::Relaxed);
    }

    /// The bar asked for was not sent (a full queue): it is asked for again.
    pub(crate) fn withdraw(&self) {
        self.shared.pending.store(false, Ordering::Relaxed);
    }

    /// The mood the next bars are composed for (clamped into [-1, 1]).
    pub fn set_mood(&self, mood: Mood) {
        *lock(&self.shared.mood) = mood.clamped();
    }

    /// The style the next bars are played in (the player's taste).
    pub(crate) fn set_style(&self, style: Style) {
        *lock(&self.shared.style) = style;
    }

    pub(crate) fn set_volume(&self, volume: f32) {
        let v = if volume.is_finite() {
            volume.clamp(0.0, 1.0)
        } else {
            0.8
        };
        self.shared.volume.store(v.to_bits(), Ordering::Relaxed);
    }

    pub(crate) fn set_muted(&self, muted: bool) {
        self.shared.muted.store(muted, Ordering::Relaxed);
    }

    /// A reader for the audio output (one at a time is meant to play).
    pub fn reader(&self) -> StreamReader {
        StreamReader {
            shared: self.shared.clone(),
            block: Vec::with_capacity(READ_BLOCK),
            at: 0,
            gain: 0.0,
        }
    }

    /// Bars composed so far (one atomic read: cheap enough for every frame).
    pub(crate) fn bars(&self) -> u64 {
        self.shared.bars.load(Ordering::Relaxed)
    }

    pub fn stats(&self) -> StreamStats {
        let s = &self.shared;
        let sr = f64::from(SAMPLE_RATE);
        let played = s.played.load(Ordering::Relaxed) as f64 / 2.0 / sr;
        let buffered = lock(&s.buffer).len() as f64 / 2.0 / sr;
        StreamStats {
            bars: s.bars.load(Ordering::Relaxed),
            major_bars: s.major_bars.load(Ordering::Relaxed),
            buffered_s: buffered,
            played_s: played,
            underruns: s.underruns.load(Ordering::Relaxed),
            work_ms_per_s: *lock(&s.work_ms) / (played + buffered).max(1e-9),
            failed: lock(&s.failed).clone(),
            controls: *lock(&s.last),
        }
    }
}

impl Drop for MusicStream {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

/// Pulls samples for the audio output: interleaved stereo at [`SAMPLE_RATE`], volume and mute
/// applied with a short ramp (no clicks). Never blocks for long: an empty buffer plays silence
/// and counts an underrun.
pub struct StreamReader {
    shared: Arc<Shared>,
    block: Vec<f32>,
    at: usize,
    gain: f32,
}

impl StreamReader {
    /// The next sample (left and right alternate).
    pub fn next_sample(&mut self) -> f32 {
        if self.at >= self.block.len() {
            self.refill();
        }
        let x = self.block[self.at];
        self.at += 1;
        let s = &self.shared;
        let target = if s.muted.load(Ordering::Relaxed) {
            0.0
        } else {
            f32::from_bits(s.volume.load(Ordering::Relaxed))
        };
        // About 25 ms to reach a new volume.
        self.gain += (target - self.gain) * 0.001;
        x * self.gain
    }

    /// Plays the stream into nothing at the pace of the clock, on a thread of its own, until the
    /// stream stops: for a machine without a sound card, so that the music (and what it costs) goes
    /// on as if heard.
    pub(crate) fn play_silently(mut self) -> std::io::Result<()> {
        std::thread::Builder::new()
            .name("music-silent".into())
            .spawn(move || {
                let started = Instant::now();
                let mut taken = 0u64;
                while !self.shared.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20));
                    let due = (started.elapsed().as_secs_f64() * f64::from(SAMPLE_RATE)) as u64 * 2;
                    while taken < due {
                        self.next_sample();
                        taken += 1;
                    }
                }
            })
            .map(|_| ())
    }

    fn refill(&mut self) {
        self.block.clear();
        self.at = 0;
        let s = &self.shared;
        {
            let mut buf = lock(&s.buffer);
            let n = buf.len().min(READ_BLOCK);
            self.block.extend(buf.drain(..n));
        }
        if self.block.is_empty() {
            // Music was due (some was made and nothing failed) but none is ready.
            let started = s.bars.load(Ordering::Relaxed) > 1;
            if started && lock(&s.failed).is_none() && !s.stop.load(Ordering::Relaxed) {
                s.underruns.fetch_add(1, Ordering::Relaxed);
            }
            self.block.resize(256, 0.0);
        } else {
            s.played
                .fetch_add(self.block.len() as u64, Ordering::Relaxed);
        }
    }
}
