//! Frame-time log: every frame's time, split by whether a villager's reply was being generated, so
//! that "the game never stalls while the model talks" is a measured figure. Printed at exit.

use bevy::prelude::*;

use crate::brain::talk::Speech;

/// Frames before this many are start-up, not play, and are left out.
const WARM_UP_FRAMES: u64 = 20;

/// Frame times in milliseconds.
#[derive(Resource, Default)]
pub(super) struct FrameLog {
    frames: u64,
    /// Frames with no reply in progress.
    pub quiet: Vec<f32>,
    /// Frames while some villager's reply was being generated.
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

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<FrameLog>()
        .add_systems(Last, (record, report_on_exit).chain());
}

fn record(time: Res<Time<Real>>, mut log: ResMut<FrameLog>, speech: Query<&Speech>) {
    log.frames += 1;
    if log.frames <= WARM_UP_FRAMES {
        return;
    }
    let ms = time.delta_secs() * 1000.0;
    if speech.iter().any(|s| !s.done) {
        log.generating.push(ms);
    } else {
        log.quiet.push(ms);
    }
}

fn report_on_exit(mut exit: MessageReader<AppExit>, log: Res<FrameLog>) {
    if exit.read().next().is_some() {
        println!("{}", log.summary());
    }
}
