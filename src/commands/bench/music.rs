//! `npc-minds bench music`: composing (the model, bar by bar) and rendering (the synthesiser) a
//! piece on one core, as multiples of real time (medians).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use super::{median, print};
use crate::music::model::{default_path, load};
use crate::music::mood::Mood;
use crate::music::piece::{self, MoodTimeline};
use crate::music::synth::{SAMPLE_RATE, Synth};

/// Arguments of `bench music`.
#[derive(Debug, clap::Args)]
pub struct MusicBenchArgs {
    /// Seconds of music per run.
    #[arg(long, default_value_t = 60.0)]
    pub(crate) seconds: f64,
    /// Measured runs (after one warm-up).
    #[arg(long, default_value_t = 5)]
    pub(crate) runs: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Figures of `bench music` (medians over the runs; one thread).
#[derive(Debug, Serialize)]
pub(crate) struct MusicBench {
    pub(crate) runs: usize,
    pub(crate) audio_seconds: f64,
    pub(crate) notes: usize,
    pub(crate) compose_ms: f64,
    pub(crate) render_ms: f64,
    /// Seconds of music composed per second of one core.
    pub(crate) compose_realtime_factor: f64,
    /// Seconds of audio rendered per second of one core.
    pub(crate) render_realtime_factor: f64,
}

pub(crate) fn run(a: MusicBenchArgs) -> anyhow::Result<ExitCode> {
    let net = Arc::new(load(&default_path())?);
    // A busy mood: every layer plays.
    let timeline = MoodTimeline::constant(Mood::new(0.4, 0.8, 0.2)?);
    let (mut compose, mut render) = (Vec::new(), Vec::new());
    let (mut audio_seconds, mut notes) = (0.0, 0);
    for run in 0..=a.runs.max(1) {
        let t = Instant::now();
        let (score, _) = piece::compose(net.clone(), &timeline, a.seconds, run as u64)?;
        let c = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (samples, _) = Synth::render_score(&score, 0.0);
        let r = t.elapsed().as_secs_f64();
        if run > 0 {
            compose.push(c * 1e3);
            render.push(r * 1e3);
            audio_seconds = samples.len() as f64 / 2.0 / f64::from(SAMPLE_RATE);
            notes = score.notes.len();
        }
    }
    let (compose_ms, render_ms) = (median(compose), median(render));
    let r = MusicBench {
        runs: a.runs.max(1),
        audio_seconds,
        notes,
        compose_ms,
        render_ms,
        compose_realtime_factor: audio_seconds / (compose_ms / 1e3),
        render_realtime_factor: audio_seconds / (render_ms / 1e3),
    };
    print(&r, a.json)
}
