//! Villagers, the player and wolves as small figures: a soft shadow, legs that step while they
//! walk, clothes coloured by trade, a head that looks where they go (or at the player while they
//! talk), and around each villager's feet a ring in the colour of its emotion. The villager `E`
//! would talk to wears a marker; the player wears a gold ring.

use bevy::prelude::*;

use super::view::shown;

use super::chat::{ChatBox, TalkTarget};
use super::paint::{Paint, Palette};
use super::scene::ring_colour;
use crate::brain::components::{Emotion, Profile};
use crate::decide::{AT_PLACE, Action};
use crate::world::act::BOUNDS;
use crate::world::components::{CurrentAction, Player, Position, Villager, Wolf};

pub(super) fn plugin(app: &mut App) {
    app.add_observer(on_add_villager)
        .add_observer(on_add_player)
        .add_observer(on_add_wolf)
        .add_systems(
            Update,
            (
                sync_transforms,
                dress_by_trade,
                step,
                colour_rings,
                mark_target,
                sleep_indoors,
            )
                .chain(),
        );
}

/// A figure's soft shadow.
const SHADE: Color = Color::srgba(0.0, 0.05, 0.0, 0.28);

/// How a figure walks: where it was last frame, its stride's phase, which way it looks.
#[derive(Component, Default)]
struct Gait {
    last: Option<Vec2>,
    phase: f32,
    facing: f32,
}

#[derive(Component)]
struct Leg(f32);

#[derive(Component)]
struct Eye;

/// The clothes, recoloured once the villager's trade is known.
#[derive(Component)]
struct Clothes(Handle<Paint>);

/// The ring at a villager's feet showing its emotion (its own material, recoloured as it changes).
#[derive(Component)]
struct EmotionRing(Handle<Paint>);

/// The marker over the villager `E` would talk to.
#[derive(Component)]
struct TargetMarker;

/// Clothes by trade (a modded trade gets a colour from its name).
fn trade_colour(role: &str) -> Color {
    let r = role.to_lowercase();
    let known = [
        ("miller", [0.92, 0.9, 0.82]),
        ("smith", [0.3, 0.3, 0.34]),
        ("baker", [0.95, 0.6, 0.2]),
        ("tavern", [0.6, 0.18, 0.2]),
        ("herbal", [0.3, 0.6, 0.3]),
        ("chapel", [0.5, 0.35, 0.65]),
        ("weaver", [0.15, 0.6, 0.6]),
        ("farm", [0.8, 0.7, 0.25]),
        ("wood", [0.75, 0.25, 0.15]),
        ("mayor", [0.15, 0.2, 0.55]),
    ];
    if let Some((_, [r, g, b])) = known.iter().find(|(k, _)| r.contains(k)) {
        return Color::srgb(*r, *g, *b);
    }
    let h = r
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    Color::hsl((h % 360) as f32, 0.5, 0.45)
}

/// The parts of a standing figure, added as children of `entity`.
fn body(
    commands: &mut Commands,
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<Paint>,
    palette: &mut Palette,
    entity: Entity,
    clothes: Color,
    scale: f32,
) -> Handle<Paint> {
    // The clothes are recoloured per villager; the rest is shared by every figure.
    let cloth = materials.add(Paint::new(clothes));
    let skin = palette.paint(materials, Color::srgb(0.96, 0.8, 0.66));
    let dark = palette.paint(materials, Color::srgb(0.15, 0.12, 0.1));
    let shade = palette.paint(materials, SHADE);
    let trousers = palette.paint(materials, Color::srgb(0.25, 0.2, 0.17));
    let s = scale;
    let leg = palette.square(meshes);
    commands.entity(entity).with_children(|f| {
        f.spawn((
            Mesh2d(meshes.add(Ellipse::new(9.0 * s, 3.5 * s))),
            MeshMaterial2d(shade),
            Transform::from_xyz(1.5 * s, -s, -0.3),
        ));
        for side in [-1.0f32, 1.0] {
            f.spawn((
                Leg(side),
                Mesh2d(leg.clone()),
                MeshMaterial2d(trousers.clone()),
                Transform::from_xyz(side * 2.5 * s, 4.0 * s, 0.1).with_scale(Vec3::new(
                    3.0 * s,
                    8.0 * s,
                    1.0,
                )),
            ));
        }
        f.spawn((
            Clothes(cloth.clone()),
            Mesh2d(meshes.add(Capsule2d::new(5.5 * s, 6.0 * s))),
            MeshMaterial2d(cloth.clone()),
            Transform::from_xyz(0.0, 13.0 * s, 0.2),
        ));
        f.spawn((
            Mesh2d(meshes.add(Circle::new(5.0 * s))),
            MeshMaterial2d(skin),
            Transform::from_xyz(0.0, 25.0 * s, 0.3),
        ));
        f.spawn((
            Eye,
            Mesh2d(meshes.add(Circle::new(1.1 * s))),
            MeshMaterial2d(dark),
            Transform::from_xyz(2.0 * s, 26.0 * s, 0.4),
        ));
    });
    cloth
}

fn on_add_villager(
    add: On<Add, Villager>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<Paint>>,
    mut palette: ResMut<Palette>,
) {
    let e = add.entity;
    let ring = materials.add(Paint::new(ring_colour(&Emotion::default())));
    commands.entity(e).insert((
        Gait::default(),
        Transform::from_xyz(0.0, 0.0, 10.0),
        Visibility::default(),
    ));
    body(
        &mut commands,
        &mut meshes,
        &mut materials,
        &mut palette,
        e,
        Color::srgb(0.6, 0.55, 0.5),
        1.0,
    );
    let marker = palette.paint(&mut materials, Color::srgb(1.0, 0.95, 0.4));
    commands.entity(e).with_children(|f| {
        f.spawn((
            EmotionRing(ring.clone()),
            Mesh2d(meshes.add(Annulus::new(11.0, 14.5))),
            MeshMaterial2d(ring),
            Transform::from_xyz(0.0, 0.0, -0.2).with_scale(Vec3::new(1.0, 0.5, 1.0)),
        ));
        f.spawn((
            TargetMarker,
            Visibility::Hidden,
            Mesh2d(meshes.add(Triangle2d::new(
                Vec2::new(-6.0, 8.0),
                Vec2::new(6.0, 8.0),
                Vec2::new(0.0, 0.0),
            ))),
            MeshMaterial2d(marker),
            Transform::from_xyz(0.0, 36.0, 0.5),
        ));
    });
}

fn on_add_player(
    add: On<Add, Player>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<Paint>>,
    mut palette: ResMut<Palette>,
) {
    let e = add.entity;
    commands.entity(e).insert((
        Gait::default(),
        Transform::from_xyz(0.0, 0.0, 10.0),
        Visibility::default(),
    ));
    let gold = palette.paint(&mut materials, Color::srgb(1.0, 0.82, 0.2));
    commands.entity(e).with_child((
        Mesh2d(meshes.add(Annulus::new(12.0, 16.0))),
        MeshMaterial2d(gold),
        Transform::from_xyz(0.0, 0.0, -0.2).with_scale(Vec3::new(1.0, 0.5, 1.0)),
    ));
    body(
        &mut commands,
        &mut meshes,
        &mut materials,
        &mut palette,
        e,
        Color::srgb(0.2, 0.45, 0.95),
        1.15,
    );
}

fn on_add_wolf(
    add: On<Add, Wolf>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<Paint>>,
    mut palette: ResMut<Palette>,
) {
    let fur = palette.paint(&mut materials, Color::srgb(0.3, 0.3, 0.33));
    let shade = palette.paint(&mut materials, SHADE);
    let eye = palette.paint(&mut materials, Color::srgb(1.0, 0.85, 0.2));
    commands
        .entity(add.entity)
        .insert((
            Gait::default(),
            Transform::from_xyz(0.0, 0.0, 9.0),
            Visibility::default(),
        ))
        .with_children(|f| {
            f.spawn((
                Mesh2d(meshes.add(Ellipse::new(14.0, 4.0))),
                MeshMaterial2d(shade),
                Transform::from_xyz(2.0, -1.0, -0.3),
            ));
            f.spawn((
                Mesh2d(meshes.add(Ellipse::new(13.0, 6.5))),
                MeshMaterial2d(fur.clone()),
                Transform::from_xyz(0.0, 8.0, 0.1),
            ));
            f.spawn((
                Mesh2d(meshes.add(Triangle2d::new(
                    Vec2::new(0.0, -6.0),
                    Vec2::new(0.0, 6.0),
                    Vec2::new(12.0, -2.0),
                ))),
                MeshMaterial2d(fur.clone()),
                Transform::from_xyz(10.0, 12.0, 0.2),
            ));
            f.spawn((
                Mesh2d(meshes.add(Triangle2d::new(
                    Vec2::new(-3.0, 0.0),
                    Vec2::new(3.0, 0.0),
                    Vec2::new(0.0, 7.0),
                ))),
                MeshMaterial2d(fur),
                Transform::from_xyz(11.0, 17.0, 0.2),
            ));
            f.spawn((
                Eye,
                Mesh2d(meshes.add(Circle::new(1.2))),
                MeshMaterial2d(eye),
                Transform::from_xyz(15.0, 13.0, 0.3),
            ));
        });
}

/// A villager asleep at home is indoors: not drawn (its label still says where it sleeps, and it
/// answers from behind the door when spoken to).
#[allow(clippy::type_complexity)]
fn sleep_indoors(
    mut villagers: Query<
        (&Villager, &Position, &CurrentAction, &mut Visibility),
        Or<(Changed<CurrentAction>, Changed<Position>)>,
    >,
) {
    for (v, at, action, mut vis) in &mut villagers {
        let indoors = action.0 == Action::Sleep && at.0.distance(v.home) <= AT_PLACE;
        vis.set_if_neq(shown(!indoors));
    }
}

/// Figures stand where they are; lower on the screen, drawn in front.
#[allow(clippy::type_complexity)]
fn sync_transforms(
    mut q: Query<(&Position, &mut Transform), Or<(With<Villager>, With<Wolf>, With<Player>)>>,
) {
    for (pos, mut t) in &mut q {
        let next = pos.0.extend(10.0 + (BOUNDS.y - pos.0.y) / 4000.0);
        if t.translation != next {
            t.translation = next;
        }
    }
}

/// Clothes take the trade's colour once the villager's config is known (and when a mod changes
/// it).
fn dress_by_trade(
    villagers: Query<(&Profile, &Children), Changed<Profile>>,
    clothes: Query<&Clothes>,
    mut materials: ResMut<Assets<Paint>>,
) {
    for (profile, children) in &villagers {
        for c in children.iter().filter_map(|c| clothes.get(c).ok()) {
            if let Some(mut m) = materials.get_mut(&c.0) {
                m.set(trade_colour(&profile.0.role));
            }
        }
    }
}

/// Legs swing with the distance walked; heads turn the way the figure goes, or to the player
/// while it is being talked to.
#[allow(clippy::type_complexity)]
fn step(
    chat: Res<ChatBox>,
    target: Res<TalkTarget>,
    player: Query<&Position, With<Player>>,
    mut figures: Query<(Entity, &Position, &mut Gait, &Children)>,
    mut legs: Query<(&Leg, &mut Transform), Without<Eye>>,
    mut eyes: Query<&mut Transform, (With<Eye>, Without<Leg>)>,
) {
    let me = player.single().ok().map(|p| p.0);
    for (e, pos, mut gait, children) in &mut figures {
        let moved = gait.last.map_or(Vec2::ZERO, |l| pos.0 - l);
        gait.last = Some(pos.0);
        let attending = chat.with == Some(e) || target.0 == Some(e);
        if let (true, Some(me)) = (attending, me) {
            gait.facing = (me.x - pos.0.x).signum();
        } else if moved.x.abs() > 0.05 {
            gait.facing = moved.x.signum();
        }
        let walking = moved.length() > 0.05;
        gait.phase = if walking {
            (gait.phase + moved.length() * 0.22) % std::f32::consts::TAU
        } else {
            0.0
        };
        let swing = gait.phase.sin() * 2.5;
        for child in children.iter() {
            if let Ok((leg, mut t)) = legs.get_mut(child) {
                let y = 4.0 + swing * leg.0;
                if t.translation.y != y {
                    t.translation.y = y;
                }
            }
            if let Ok(mut t) = eyes.get_mut(child) {
                let x = t.translation.x.abs() * if gait.facing < 0.0 { -1.0 } else { 1.0 };
                if t.translation.x != x {
                    t.translation.x = x;
                }
            }
        }
    }
}

fn colour_rings(
    villagers: Query<(&Emotion, &Children), Changed<Emotion>>,
    rings: Query<&EmotionRing>,
    mut materials: ResMut<Assets<Paint>>,
) {
    for (emotion, children) in &villagers {
        for ring in children.iter().filter_map(|c| rings.get(c).ok()) {
            if let Some(mut m) = materials.get_mut(&ring.0) {
                m.set(ring_colour(emotion));
            }
        }
    }
}

/// Shows the marker over the villager `E` would talk to, and bobs it.
fn mark_target(
    time: Res<Time<Real>>,
    target: Res<TalkTarget>,
    mut markers: Query<(&ChildOf, &mut Visibility, &mut Transform), With<TargetMarker>>,
) {
    let bob = 36.0 + 2.0 * (time.elapsed_secs() * 5.0).sin();
    for (parent, mut vis, mut t) in &mut markers {
        let on = target.0 == Some(parent.parent());
        vis.set_if_neq(shown(on));
        if on {
            t.translation.y = bob;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trades_have_their_own_clothes() {
        assert_ne!(trade_colour("miller"), trade_colour("blacksmith"));
        assert_eq!(trade_colour("Tavern keeper"), trade_colour("tavern keeper"));
        // A modded trade still gets a colour, the same every run.
        assert_eq!(trade_colour("ferryman"), trade_colour("ferryman"));
    }
}
