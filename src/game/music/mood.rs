//! The mood the soundtrack follows, from what is around the player: villagers' feelings weighted by
//! nearness (the one in conversation counted most), wolves nearby as tension, night, and the
//! ending's resolution or defeat.

use std::time::Instant;

use bevy::prelude::*;

use super::super::screens::Screen;
use super::Soundtrack;
use crate::brain::components::{Emotion, InConversation};
use crate::music::mood::Mood;
use crate::world::components::{Player, Position, Villager, Wolf, WorldClock};

/// A villager this far away (pixels) counts half as much as one next to the player.
const HALF_WEIGHT_AT: f32 = 120.0;
/// Wolves closer than this (pixels) make the music tense.
const WOLF_RANGE: f32 = 350.0;

/// The mood the music follows, from what is around the player.
#[allow(clippy::type_complexity)]
pub(super) fn feel_the_village(
    music: Option<ResMut<Soundtrack>>,
    screen: Res<State<Screen>>,
    clock: Res<WorldClock>,
    player: Query<&Position, With<Player>>,
    villagers: Query<(&Position, &Emotion, Has<InConversation>), With<Villager>>,
    wolves: Query<&Position, With<Wolf>>,
) {
    let Some(mut music) = music else { return };
    let started = Instant::now();
    let mood = match screen.get() {
        // The ending's themes: resolution, or defeat.
        Screen::Won => Mood {
            valence: 0.8,
            arousal: -0.2,
            dominance: 0.5,
        },
        Screen::Lost => Mood {
            valence: -0.8,
            arousal: -0.5,
            dominance: -0.6,
        },
        _ => {
            let at = player.single().map_or(Vec2::ZERO, |p| p.0);
            village_mood(at, &villagers, &wolves, clock.is_night())
        }
    };
    music.mood = mood;
    music.stream.set_mood(mood);
    let ms = started.elapsed().as_secs_f32() * 1e3;
    music.main_ms.push(ms);
}

/// Villagers' feelings weighted by nearness (the one in conversation three times more), then
/// wolves nearby (tension: arousal up, valence and dominance down) and night (quieter, darker).
#[allow(clippy::type_complexity)]
fn village_mood(
    at: Vec2,
    villagers: &Query<(&Position, &Emotion, Has<InConversation>), With<Villager>>,
    wolves: &Query<&Position, With<Wolf>>,
    night: bool,
) -> Mood {
    let (mut sum, mut weight) = ([0f32; 3], 0f32);
    for (p, e, talking) in villagers {
        let d = p.0.distance(at);
        let w = HALF_WEIGHT_AT / (HALF_WEIGHT_AT + d) * if talking { 3.0 } else { 1.0 };
        for (s, v) in sum.iter_mut().zip(e.vad) {
            *s += w * v;
        }
        weight += w;
    }
    let mean = |i: usize| if weight > 0.0 { sum[i] / weight } else { 0.0 };
    let threat = wolves
        .iter()
        .map(|w| (1.0 - w.0.distance(at) / WOLF_RANGE).max(0.0))
        .fold(0.0, f32::max);
    let dark = if night { 1.0 } else { 0.0 };
    Mood {
        valence: mean(0) - 0.5 * threat - 0.15 * dark,
        arousal: mean(1) + 0.8 * threat - 0.2 * dark,
        dominance: mean(2) - 0.5 * threat,
    }
    .clamped()
}
