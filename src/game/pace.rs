//! Spending the CPU on purpose: the frame rate is capped (default 40 frames per second,
//! `NPC_MINDS_FPS` changes it, 0 lifts the cap) so that on a small machine the time a frame does
//! not need goes to the models, not to drawing frames nobody can tell apart; the world's clock
//! stands still until play starts (and on the end screens); the UI scales with the window.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use super::screens::Screen;

const DEFAULT_FPS: f64 = 40.0;

/// The shortest frame, from `NPC_MINDS_FPS`.
fn frame_budget() -> Option<Duration> {
    let fps = std::env::var("NPC_MINDS_FPS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(DEFAULT_FPS);
    (fps > 0.0 && fps.is_finite()).then(|| Duration::from_secs_f64(1.0 / fps))
}

pub(super) fn plugin(app: &mut App) {
    let budget = frame_budget();
    app.add_systems(Update, (hold_clock, scale_ui));
    if let Some(budget) = budget {
        app.add_systems(Last, cap_frame_rate(budget));
    }
}

/// Sleeps away what is left of the frame's budget.
fn cap_frame_rate(budget: Duration) -> impl FnMut(Local<Option<Instant>>) {
    move |mut last| {
        if let Some(prev) = *last {
            let spent = prev.elapsed();
            if spent < budget {
                std::thread::sleep(budget - spent);
            }
        }
        *last = Some(Instant::now());
    }
}

/// Game time runs only while playing.
fn hold_clock(screen: Res<State<Screen>>, mut time: ResMut<Time<Virtual>>) {
    let playing = *screen.get() == Screen::Playing;
    if playing == time.is_paused() {
        if playing {
            time.unpause();
        } else {
            time.pause();
        }
    }
}

/// UI text and panels grow with windows taller than 720 pixels.
fn scale_ui(windows: Query<&Window, With<PrimaryWindow>>, mut scale: ResMut<UiScale>) {
    if let Ok(w) = windows.single() {
        let s = (w.height() / 720.0).clamp(1.0, 2.5);
        if (scale.0 - s).abs() > 0.01 {
            scale.0 = s;
        }
    }
}
