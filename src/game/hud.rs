//! On-screen text: the clock, config errors (with `file:line:col`), and lane metrics on `F3`.

use bevy::prelude::*;

use crate::brain::InferenceMetrics;
use crate::brain::mind::BrainStats;
use crate::config::cast::ConfigErrorLog;
use crate::world::components::WorldClock;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ShowMetrics>()
        .add_systems(Startup, spawn_hud)
        .add_systems(Update, (toggle_metrics, update_hud));
}

#[derive(Resource, Default)]
struct ShowMetrics(bool);

#[derive(Component)]
struct HudText;

#[derive(Component)]
struct ErrorText;

fn spawn_hud(mut commands: Commands) {
    commands.spawn((
        HudText,
        Text::new(""),
        TextFont::from_font_size(16.0),
        Node {
            position_type: PositionType::Absolute,
            top: px(8.0),
            left: px(8.0),
            ..default()
        },
    ));
    commands.spawn((
        ErrorText,
        Text::new(""),
        TextFont::from_font_size(15.0),
        TextColor(Color::srgb(1.0, 0.45, 0.4)),
        Node {
            position_type: PositionType::Absolute,
            bottom: px(8.0),
            left: px(8.0),
            ..default()
        },
    ));
}

fn toggle_metrics(keys: Res<ButtonInput<KeyCode>>, mut show: ResMut<ShowMetrics>) {
    if keys.just_pressed(KeyCode::F3) {
        show.0 = !show.0;
    }
}

#[allow(clippy::too_many_arguments)]
fn update_hud(
    clock: Res<WorldClock>,
    show: Res<ShowMetrics>,
    metrics: Res<InferenceMetrics>,
    stats: Res<BrainStats>,
    errors: Res<ConfigErrorLog>,
    time: Res<Time>,
    mut hud: Query<&mut Text, (With<HudText>, Without<ErrorText>)>,
    mut err: Query<&mut Text, (With<ErrorText>, Without<HudText>)>,
) {
    let hour = clock.hour();
    let mut s = format!(
        "Millbrook  {:02}:{:02}   WASD to walk   E to talk   F3 metrics",
        hour as u32,
        ((hour.fract()) * 60.0) as u32
    );
    if show.0 {
        s.push_str(&format!("\nframe {:.1} ms", time.delta_secs() * 1000.0));
        for l in &metrics.0.lanes {
            s.push_str(&format!(
                "\n{:<9} queue {:>4}  p50 {:>6.2} ms  p99 {:>6.2} ms  done {}  dropped {}  stale {}  failed {}",
                l.lane, l.queue_depth, l.latency_ms.p50, l.latency_ms.p99, l.done, l.dropped, l.stale, l.failed
            ));
        }
        s.push_str(&format!("\nfallback decisions {}", stats.fallbacks));
    }
    if let Ok(mut t) = hud.single_mut() {
        t.0 = s;
    }
    if let Ok(mut t) = err.single_mut() {
        t.0 = errors
            .errors
            .last()
            .map(|(_, m)| m.clone())
            .unwrap_or_default();
    }
}
