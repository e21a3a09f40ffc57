//! Frame-time log: every frame's time, split by whether a villager's reply was being generated, so
//! that "the game never stalls while the model talks" is a measured figure; and the replies as the
//! player sees them: seconds from Enter to the first words, and the model's decode rate in the
//! game. Both printed at exit.

use std::collections::HashMap;

use bevy::prelude::*;

use super::chat::LineTyped;
use crate::brain::talk::Speech;

/// Frames before this many are start-up, not play, and are left out.
const WARM_UP_FRAMES: u64 = 20;

/// Frame times in milliseconds.
#[derive(Resource, Default)]
pub(super) struct FrameLog {
    frames: u64,
    /// Frames with no reply in progress.
    pub quiet: Vec<f32>,
    /// Frames while some villager's reply was being generated (from Enter to its last word).
    pub generating: Vec<f32>,
}

fn percentile(v: &[f32], q: f64) -> f32 {
    let mut s = v.to_vec();
    s.sort_by(f32::total_cmp);
    crate::inference::metrics::percentile(&s, q)
}

impl FrameLog {
    /// One line: p50/p99 of both kinds of frames and their ratio.
    pub fn summary(&self) -> String {
        let (q50, q99) = (percentile(&self.quiet, 0.5), percentile(&self.quiet, 0.99));
        let (g50, g99) = (
            percentile(&self.generating, 0.5),
            percentile(&self.generating, 0.99),
        );
        let ratio = if q99 > 0.0 { g99 / q99 } else { 0.0 };
        format!(
            "frame time: no reply in progress p50 {q50:.1} ms p99 {q99:.1} ms ({} frames); \
             while a reply is generated p50 {g50:.1} ms p99 {g99:.1} ms ({} frames); \
             p99 ratio {ratio:.2}",
            self.quiet.len(),
            self.generating.len()
        )
    }
}

/// Replies as the player sees them.
#[derive(Resource, Default)]
pub(super) struct ReplyLog {
    /// Lines said and not yet answered: villager → real seconds when Enter was pressed.
    waiting: HashMap<Entity, f64>,
    /// Seconds from Enter to the first words on screen.
    pub first_words: Vec<f32>,
    /// Decode tokens per second of each finished reply.
    pub tokens_per_sec: Vec<f32>,
}

impl ReplyLog {
    /// One line: how many replies, first words p50/max, decode rate p50.
    pub fn summary(&self) -> String {
        if self.first_words.is_empty() {
            return "in-game replies: none".into();
        }
        let max = self.first_words.iter().copied().fold(0.0, f32::max);
        format!(
            "in-game replies: {}; first words after Enter p50 {:.2} s max {:.2} s; \
             decode p50 {:.1} tokens/s ({} replies)",
            self.first_words.len(),
            percentile(&self.first_words, 0.5),
            max,
            percentile(&self.tokens_per_sec, 0.5),
            self.tokens_per_sec.len()
        )
    }

    pub fn last(&self) -> Option<(f32, Option<f32>)> {
        self.first_words
            .last()
            .map(|f| (*f, self.tokens_per_sec.last().copied()))
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<FrameLog>()
        .init_resource::<ReplyLog>()
        .add_systems(Update, time_replies.after(super::chat::type_line))
        .add_systems(Last, (record, report_on_exit).chain());
}

/// Starts the clock at Enter, stops it when the villager's first words show; keeps each finished
/// reply's decode rate.
fn time_replies(
    time: Res<Time<Real>>,
    mut typed: MessageReader<LineTyped>,
    mut log: ResMut<ReplyLog>,
    speech: Query<Ref<Speech>>,
) {
    let now = time.elapsed_secs_f64();
    for t in typed.read() {
        log.waiting.insert(t.npc, now);
    }
    let mut answered = Vec::new();
    for (&npc, &since) in &log.waiting {
        match speech.get(npc) {
            Ok(s) if !s.text.trim().is_empty() && !s.fallback && s.is_changed() => {
                answered.push((npc, (now - since) as f32))
            }
            Ok(s) if s.fallback => answered.push((npc, f32::NAN)),
            // No speech yet (it comes with the reply's first turn), or no words yet: wait.
            _ => {}
        }
    }
    for (npc, secs) in answered {
        log.waiting.remove(&npc);
        if secs.is_finite() {
            log.first_words.push(secs);
        }
    }
    for s in &speech {
        if s.is_changed()
            && s.done
            && let Some(tps) = s.record.as_ref().and_then(|r| r.speed.tokens_per_sec())
        {
            log.tokens_per_sec.push(tps);
        }
    }
}

fn record(
    time: Res<Time<Real>>,
    mut log: ResMut<FrameLog>,
    replies: Res<ReplyLog>,
    speech: Query<&Speech>,
) {
    log.frames += 1;
    if log.frames <= WARM_UP_FRAMES {
        return;
    }
    let ms = time.delta_secs() * 1000.0;
    // A reply is generated from Enter (reading the line, the prompt) to its last word.
    if !replies.waiting.is_empty() || speech.iter().any(|s| !s.done) {
        log.generating.push(ms);
    } else {
        log.quiet.push(ms);
    }
}

fn report_on_exit(mut exit: MessageReader<AppExit>, log: Res<FrameLog>, replies: Res<ReplyLog>) {
    if exit.read().next().is_some() {
        println!("{}", log.summary());
        println!("{}", replies.summary());
    }
}
