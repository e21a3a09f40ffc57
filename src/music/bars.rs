//! The soundtrack bar by bar (no threads, no Bevy): each call composes the next bar for a mood and
//! a style, and renders every sample whose notes are final, so the music lane of the worker pool
//! (`music::backend`) can make it one job at a time. The score forgets each bar once the
//! synthesiser has it, so a game that plays for hours keeps a bar or two in memory.

use std::sync::Arc;
use std::time::Instant;

use super::MusicError;
use super::arrange::Arranger;
use super::compose::Composer;
use super::model::MusicNet;
use super::mood::Mood;
use super::piece::controls_with_hysteresis;
use super::score::Score;
use super::synth::{SAMPLE_RATE, Synth};
use super::taste::Style;
pub use crate::inference::soundtrack::RenderedBar;

/// Composes and renders bar after bar, carrying the music over the bar lines.
pub struct BarRenderer {
    composer: Composer,
    arranger: Arranger,
    score: Score,
    synth: Synth,
    major: Option<bool>,
}

impl BarRenderer {
    pub fn new(net: Arc<MusicNet>, seed: u64) -> Result<Self, MusicError> {
        Ok(BarRenderer {
            composer: Composer::new(net, seed)?,
            arranger: Arranger::default(),
            score: Score::default(),
            synth: Synth::default(),
            major: None,
        })
    }

    /// The next bar for `mood` (clamped into [-1, 1]) played in `style`. What it returns are the
    /// samples up to this bar's start: the notes that start in it may still be held into the next.
    pub fn next(&mut self, mood: Mood, style: Style) -> Result<RenderedBar, MusicError> {
        let started = Instant::now();
        let mut c = controls_with_hysteresis(mood.clamped(), self.major);
        style.apply(&mut c);
        self.major = Some(c.major);
        let bar = self.composer.next_bar(c.major, c.density, c.register)?;
        let newest = self.score.end_beat;
        self.arranger.push(&bar, &c, &mut self.score);
        let keep_from = self
            .arranger
            .earliest_open()
            .map_or(newest, |b| b.min(newest));
        self.synth.schedule_and_forget(&mut self.score, keep_from);
        // Every note that starts before the newest bar is final: render up to it.
        let until = (self.score.seconds_at(newest) * f64::from(SAMPLE_RATE)).round() as u64;
        let mut samples = Vec::new();
        let frames = until.saturating_sub(self.synth.position()) as usize;
        self.synth.render(frames, &mut samples);
        Ok(RenderedBar {
            samples,
            controls: c,
            work_ms: started.elapsed().as_secs_f64() * 1e3,
        })
    }
}
