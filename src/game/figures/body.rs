//! The figures' bodies, built when a villager, the player or a wolf appears: shadow, legs, clothes
//! coloured by trade, head and eyes, and the villager's emotion ring and target marker.

use super::*;

/// Clothes by trade (a modded trade gets a colour from its name).
pub(super) fn trade_colour(role: &str) -> Color {
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

use super::super::view::{PLAYER_SCALE, VILLAGER_SCALE};

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
    let hair = palette.paint(materials, HAIR[entity.index_u32() as usize % HAIR.len()]);
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
                Leg(side, 4.0 * s),
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
        // Hair: a cap over the head's crown and back (the head is drawn over its lower half).
        f.spawn((
            Mesh2d(meshes.add(Circle::new(5.4 * s))),
            MeshMaterial2d(hair),
            Transform::from_xyz(0.0, 27.0 * s, 0.29),
        ));
        // The face looks where the figure goes: an eye and a mouth, turned with it (`Eye`).
        f.spawn((
            Eye,
            Mesh2d(meshes.add(Circle::new(1.1 * s))),
            MeshMaterial2d(dark.clone()),
            Transform::from_xyz(2.2 * s, 25.5 * s, 0.4),
        ));
        f.spawn((
            Eye,
            Mesh2d(leg),
            MeshMaterial2d(dark),
            Transform::from_xyz(3.0 * s, 22.4 * s, 0.4).with_scale(Vec3::new(
                1.8 * s,
                0.6 * s,
                1.0,
            )),
        ));
    });
    cloth
}

/// Hair colours, picked by the figure's entity so neighbours differ.
const HAIR: [Color; 5] = [
    Color::srgb(0.22, 0.14, 0.08),
    Color::srgb(0.55, 0.35, 0.15),
    Color::srgb(0.12, 0.1, 0.1),
    Color::srgb(0.75, 0.6, 0.3),
    Color::srgb(0.6, 0.6, 0.62),
];

pub(super) fn on_add_villager(
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
        VILLAGER_SCALE,
    );
    let marker = palette.paint(&mut materials, Color::srgb(1.0, 0.95, 0.4));
    commands.entity(e).with_children(|f| {
        f.spawn((
            EmotionRing(ring.clone()),
            Mesh2d(meshes.add(Annulus::new(11.0 * VILLAGER_SCALE, 14.5 * VILLAGER_SCALE))),
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
            Transform::from_xyz(0.0, 33.0 * VILLAGER_SCALE, 0.5),
        ));
    });
}

pub(super) fn on_add_player(
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
        Mesh2d(meshes.add(Annulus::new(11.0 * PLAYER_SCALE, 14.5 * PLAYER_SCALE))),
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
        PLAYER_SCALE,
    );
}

pub(super) fn on_add_wolf(
    add: On<Add, Wolf>,
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<Paint>>,
    mut palette: ResMut<Palette>,
) {
    let fur = palette.paint(&mut materials, Color::srgb(0.4, 0.4, 0.44));
    let shade = palette.paint(&mut materials, SHADE);
    let eye = palette.paint(&mut materials, Color::srgb(1.0, 0.85, 0.2));
    let eye_glow = palette.paint(&mut materials, Color::srgba(1.0, 0.8, 0.2, 0.35));
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
            // The eyes shine above the night's darkness: at night a wolf is first seen by them.
            f.spawn((
                Eye,
                Mesh2d(meshes.add(Circle::new(1.6))),
                MeshMaterial2d(eye),
                Transform::from_xyz(15.0, 13.0, EYES_ABOVE_NIGHT),
            ));
            f.spawn((
                Mesh2d(meshes.add(Circle::new(4.0))),
                MeshMaterial2d(eye_glow),
                Transform::from_xyz(15.0, 13.0, EYES_ABOVE_NIGHT - 0.01),
            ));
        });
}

/// A wolf's eyes' depth over its body: past the night overlay (`village::z::NIGHT`), wherever the
/// wolf stands.
const EYES_ABOVE_NIGHT: f32 = 50.5;
