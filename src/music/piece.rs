//! Whole pieces, headless: a mood timeline in, a score out, bar by bar through the same composer
//! and arranger the game uses. The mode changes only when valence clearly crosses zero
//! (hysteresis), so a mood that hovers near neutral does not flip major and minor every bar.

use std::sync::Arc;

use super::MusicError;
use super::arrange::Arranger;
use super::compose::Composer;
use super::model::MusicNet;
use super::mood::{Controls, Mood, controls};
use super::score::Score;

/// Valence must pass ±this to change the mode.
pub(crate) const MODE_HYSTERESIS: f32 = 0.1;

/// A mood over time: points (second, mood), linearly interpolated, held before the first and
/// after the last.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MoodTimeline(pub Vec<(f64, Mood)>);

impl MoodTimeline {
    /// One mood for the whole piece.
    pub fn constant(mood: Mood) -> Self {
        MoodTimeline(vec![(0.0, mood)])
    }

    /// The same timeline with every time multiplied by `factor`.
    pub(crate) fn stretched(&self, factor: f64) -> Self {
        MoodTimeline(self.0.iter().map(|(t, m)| (t * factor, *m)).collect())
    }

    /// The mood at `second`.
    pub fn at(&self, second: f64) -> Mood {
        let pts = &self.0;
        let i = pts.partition_point(|(t, _)| *t <= second);
        match (i.checked_sub(1).map(|j| pts[j]), pts.get(i)) {
            (Some((t0, a)), Some((t1, b))) if *t1 > t0 => {
                let f = ((second - t0) / (t1 - t0)) as f32;
                let mix = |x: f32, y: f32| x + (y - x) * f;
                Mood {
                    valence: mix(a.valence, b.valence),
                    arousal: mix(a.arousal, b.arousal),
                    dominance: mix(a.dominance, b.dominance),
                }
            }
            (Some((_, a)), _) => a,
            (None, Some((_, b))) => *b,
            (None, None) => Mood::default(),
        }
    }
}

/// The controls for a mood, keeping the previous mode while valence is near zero.
pub(crate) fn controls_with_hysteresis(mood: Mood, previous: Option<bool>) -> Controls {
    let mut c = controls(mood);
    if let Some(prev) = previous
        && mood.valence.abs() < MODE_HYSTERESIS
    {
        c.major = prev;
    }
    c
}

/// Composes whole bars until the piece lasts at least `seconds`; returns the score and each
/// bar's controls.
pub fn compose(
    net: Arc<MusicNet>,
    timeline: &MoodTimeline,
    seconds: f64,
    seed: u64,
) -> Result<(Score, Vec<Controls>), MusicError> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        return Err(MusicError::Invalid(format!(
            "--seconds {seconds} must be above 0 and at most 3600"
        )));
    }
    let mut composer = Composer::new(net, seed)?;
    let mut arranger = Arranger::default();
    let mut score = Score::default();
    let mut bars = Vec::new();
    while score.seconds() < seconds {
        let c = controls_with_hysteresis(
            timeline.at(score.seconds()),
            bars.last().map(|b: &Controls| b.major),
        );
        let bar = composer.next_bar(c.major, c.density, c.register)?;
        arranger.push(&bar, &c, &mut score);
        bars.push(c);
    }
    arranger.finish(&mut score);
    Ok((score, bars))
}
