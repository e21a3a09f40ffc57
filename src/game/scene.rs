//! Draws the village: places as coloured blocks, villagers and wolves as markers with labels,
//! and a day/night tint from the world clock. Each villager wears a ring in the colour of its
//! emotion (stronger feeling, more opaque ring) and a label: name, action, feeling and intensity.

use bevy::prelude::*;

use crate::brain::components::Emotion;
use crate::decide::EmotionLabel;
use crate::world::components::{CurrentAction, Player, Position, Villager, Wolf, WorldClock};
use crate::world::places::{PLACES, PlaceKind};

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(ClearColor(Color::srgb(0.35, 0.55, 0.3)))
        .add_systems(Startup, draw_places)
        .add_observer(on_add_villager)
        .add_observer(on_add_wolf)
        .add_systems(
            Update,
            (sync_transforms, update_labels, colour_rings, tint_night),
        );
}

/// The text under a villager's marker.
#[derive(Component)]
struct Label;

/// The ring around a villager showing its emotion (its own material, recoloured as it changes).
#[derive(Component)]
struct EmotionRing(Handle<ColorMaterial>);

/// The colour of each emotion on screen (sRGB in [0, 1]).
fn label_colour(label: EmotionLabel) -> [f32; 3] {
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
fn ring_colour(e: &Emotion) -> Color {
    let [r, g, b] = label_colour(e.label);
    let alpha = if e.label == EmotionLabel::Neutral {
        0.25
    } else {
        0.35 + 0.65 * e.intensity
    };
    Color::srgba(r, g, b, alpha)
}

/// "angry 80%", or "calm".
fn feeling_text(e: &Emotion) -> String {
    if e.label == EmotionLabel::Neutral {
        "calm".into()
    } else {
        format!("{} {:.0}%", e.label.adjective(), e.intensity * 100.0)
    }
}

/// The full-screen darkness overlay.
#[derive(Component)]
struct NightOverlay;

fn place_color(kind: PlaceKind) -> Color {
    match kind {
        PlaceKind::Home => Color::srgb(0.6, 0.45, 0.3),
        PlaceKind::Smithy => Color::srgb(0.35, 0.35, 0.38),
        PlaceKind::Market => Color::srgb(0.85, 0.7, 0.35),
        PlaceKind::Tavern => Color::srgb(0.55, 0.3, 0.2),
        PlaceKind::Fields => Color::srgb(0.8, 0.75, 0.3),
        PlaceKind::ForestEdge => Color::srgb(0.1, 0.3, 0.12),
        PlaceKind::Mill => Color::srgb(0.7, 0.7, 0.65),
        PlaceKind::Chapel => Color::srgb(0.85, 0.85, 0.9),
        PlaceKind::TownHall => Color::srgb(0.6, 0.3, 0.35),
        PlaceKind::Square => Color::srgb(0.65, 0.62, 0.55),
    }
}

fn draw_places(mut commands: Commands) {
    for p in PLACES {
        let size = match p.kind {
            PlaceKind::Fields | PlaceKind::ForestEdge => Vec2::new(220.0, 160.0),
            PlaceKind::Square | PlaceKind::Market => Vec2::new(120.0, 90.0),
            _ => Vec2::new(70.0, 55.0),
        };
        commands.spawn((
            Sprite::from_color(place_color(p.kind), size),
            Transform::from_xyz(p.pos[0], p.pos[1], 0.0),
            children![(
                Text2d::new(p.name.replace('_', " ")),
                TextFont::from_font_size(12.0),
                TextColor(Color::srgba(1.0, 1.0, 1.0, 0.8)),
                Transform::from_xyz(0.0, size.y / 2.0 + 8.0, 0.5),
            )],
        ));
    }
    commands.spawn((
        NightOverlay,
        Sprite::from_color(
            Color::srgba(0.02, 0.02, 0.12, 0.0),
            Vec2::new(8000.0, 8000.0),
        ),
        Transform::from_xyz(0.0, 0.0, 50.0),
    ));
}

fn on_add_villager(
    add: On<Add, Villager>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    let material = materials.add(ColorMaterial::from(ring_colour(&Emotion::default())));
    commands.entity(add.entity).insert((
        Sprite::from_color(Color::srgb(0.95, 0.85, 0.7), Vec2::splat(16.0)),
        Transform::from_xyz(0.0, 0.0, 10.0),
        children![
            (
                Label,
                Text2d::new(""),
                TextFont::from_font_size(13.0),
                TextColor(Color::WHITE),
                Transform::from_xyz(0.0, -30.0, 1.0),
            ),
            (
                EmotionRing(material.clone()),
                Mesh2d(meshes.add(Annulus::new(12.0, 16.0))),
                MeshMaterial2d(material),
                Transform::from_xyz(0.0, 0.0, -0.5),
            )
        ],
    ));
}

fn on_add_wolf(add: On<Add, Wolf>, mut commands: Commands) {
    commands.entity(add.entity).insert((
        Sprite::from_color(Color::srgb(0.25, 0.25, 0.28), Vec2::new(22.0, 12.0)),
        Transform::from_xyz(0.0, 0.0, 9.0),
    ));
}

#[allow(clippy::type_complexity)]
fn sync_transforms(
    mut q: Query<(&Position, &mut Transform), Or<(With<Villager>, With<Wolf>, With<Player>)>>,
) {
    for (pos, mut t) in &mut q {
        t.translation.x = pos.0.x;
        t.translation.y = pos.0.y;
    }
}

#[allow(clippy::type_complexity)]
fn update_labels(
    villagers: Query<
        (&Villager, &CurrentAction, &Emotion, &Children),
        Or<(Changed<CurrentAction>, Changed<Villager>, Changed<Emotion>)>,
    >,
    mut labels: Query<&mut Text2d, With<Label>>,
) {
    for (v, action, emotion, children) in &villagers {
        for child in children.iter() {
            if let Ok(mut text) = labels.get_mut(child) {
                let shown = format!(
                    "{}\n{}, {}",
                    v.name,
                    action.0.name().replace('_', " "),
                    feeling_text(emotion)
                );
                if text.0 != shown {
                    text.0 = shown;
                }
            }
        }
    }
}

fn colour_rings(
    villagers: Query<(&Emotion, &Children), Changed<Emotion>>,
    rings: Query<&EmotionRing>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    for (emotion, children) in &villagers {
        for ring in children.iter().filter_map(|c| rings.get(c).ok()) {
            if let Some(mut m) = materials.get_mut(&ring.0) {
                m.color = ring_colour(emotion);
            }
        }
    }
}

/// Darkness in [0, 0.6]: full at midnight, none from 8 to 18 o'clock.
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
    d * 0.6
}

fn tint_night(clock: Res<WorldClock>, mut q: Query<&mut Sprite, With<NightOverlay>>) {
    for mut s in &mut q {
        s.color = Color::srgba(0.02, 0.02, 0.12, darkness(clock.hour()));
    }
}
