//! The scene's look that changes with the world: the colour of each emotion (the rings around
//! villagers and their labels' feeling), and night: a dark overlay from the world clock, with the
//! windows and lanterns of `village` glowing through it.

use bevy::prelude::*;

use super::paint::Paint;
use super::view::shown;

use super::village::{Glow, z};
use crate::brain::components::Emotion;
use crate::decide::EmotionLabel;
use crate::world::components::WorldClock;

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(ClearColor(Color::srgb(0.36, 0.56, 0.3)))
        .add_systems(Startup, spawn_night)
        .add_systems(Update, tint_night);
}

/// The colour of each emotion on screen (sRGB in [0, 1]).
pub(super) fn label_colour(label: EmotionLabel) -> [f32; 3] {
    match label {
        EmotionLabel::Joy => [1.0, 0.82, 0.2],
        EmotionLabel::Anger => [0.9, 0.15, 0.12],
        EmotionLabel::Fear => [0.6, 0.3, 0.85],
        EmotionLabel::Sadness => [0.25, 0.45, 0.9],
        EmotionLabel::Surprise => [1.0, 0.55, 0.1],
        EmotionLabel::Disgust => [0.4, 0.7, 0.2],
        EmotionLabel::Neutral => [0.75, 0.75, 0.75],
    }
}

/// The ring's colour: the emotion's colour, more opaque the stronger it is.
pub(super) fn ring_colour(e: &Emotion) -> Color {
    let [r, g, b] = label_colour(e.label);
    let alpha = if e.label == EmotionLabel::Neutral {
        0.25
    } else {
        0.35 + 0.65 * e.intensity
    };
    Color::srgba(r, g, b, alpha)
}

/// "angry 80%", or "calm".
pub(super) fn feeling_text(e: &Emotion) -> String {
    if e.label == EmotionLabel::Neutral {
        "calm".into()
    } else {
        format!("{} {:.0}%", e.label.adjective(), e.intensity * 100.0)
    }
}

/// The full-screen darkness overlay.
#[derive(Component)]
struct NightOverlay;

fn spawn_night(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut paints: ResMut<Assets<Paint>>,
) {
    commands.spawn((
        NightOverlay,
        Mesh2d(meshes.add(Rectangle::new(8000.0, 8000.0))),
        MeshMaterial2d(paints.add(Paint::new(Color::srgba(0.02, 0.02, 0.12, 0.0)))),
        Transform::from_xyz(0.0, 0.0, z::NIGHT),
    ));
}

/// The overlay's opacity at full darkness: a night, not a dusk (windows and lanterns glow above it).
const MAX_DARK: f32 = 0.8;

/// Darkness in [0, MAX_DARK]: full from 22 to 6 o'clock, none from 8 to 18.
fn darkness(hour: f32) -> f32 {
    let d = if (8.0..18.0).contains(&hour) {
        0.0
    } else if hour >= 18.0 {
        ((hour - 18.0) / 4.0).min(1.0)
    } else if hour < 6.0 {
        1.0
    } else {
        1.0 - (hour - 6.0) / 2.0
    };
    d * MAX_DARK
}

/// The overlay darkens with the hour; windows and lanterns light up as it does (only when the
/// darkness changed, so a quiet frame recolours nothing).
fn tint_night(
    clock: Res<WorldClock>,
    mut last: Local<Option<f32>>,
    mut night: Query<(&MeshMaterial2d<Paint>, &mut Visibility), With<NightOverlay>>,
    glows: Query<(&Glow, &MeshMaterial2d<Paint>)>,
    mut glowing: Query<&mut Visibility, (With<Glow>, Without<NightOverlay>)>,
    mut paints: ResMut<Assets<Paint>>,
) {
    let d = darkness(clock.hour());
    if last.is_some_and(|l| (l - d).abs() < 0.005) {
        return;
    }
    *last = Some(d);
    for (m, mut vis) in &mut night {
        if let Some(mut p) = paints.get_mut(&m.0) {
            p.set_alpha(d);
        }
        // In daylight the overlay is not drawn at all (a full-window blend costs in software).
        vis.set_if_neq(shown(d > 0.0));
    }
    // Full light at full darkness.
    let lit = d / MAX_DARK;
    for (glow, m) in &glows {
        if let Some(mut p) = paints.get_mut(&m.0) {
            p.set_alpha(glow.0 * lit);
        }
    }
    for mut vis in &mut glowing {
        vis.set_if_neq(shown(lit > 0.0));
    }
}
