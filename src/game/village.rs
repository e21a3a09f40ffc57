//! The village drawn in code, from the map in `world::places`: grass, paths from the square, a
//! stream and the mill pond, trees and the dark forest edge in the north-west (where wolves come
//! from), and a building for each trade: homes, the smithy with its chimney smoke, market stalls,
//! the tavern and its sign, the mill with turning sails, the chapel, the town hall whose tower has
//! lost its bell, the fields. Everything casts a soft shadow; windows and lanterns glow at night.
//! No image files: every shape is a coloured sprite or mesh made here.

use std::collections::HashMap;

use bevy::prelude::*;

use crate::world::act::BOUNDS;
use crate::world::places::{PLACES, Place, PlaceKind};

/// Z layers (higher draws on top).
pub(super) mod z {
    pub const GROUND: f32 = 0.0;
    pub const PATH: f32 = 0.5;
    pub const WATER: f32 = 0.7;
    pub const SHADOW: f32 = 1.0;
    /// Buildings and trees: from here, nearer the bottom of the screen drawn later.
    pub const SOLID: f32 = 2.0;
    pub const NIGHT: f32 = 50.0;
    pub const GLOW: f32 = 51.0;
}

/// Turns around its own centre (the mill's sails), radians per second.
#[derive(Component)]
struct Spin(f32);

/// A puff of chimney smoke: rises and fades, then starts again (`phase` in [0, 1)).
#[derive(Component)]
struct Smoke {
    base: Vec2,
    phase: f32,
}

/// A window or lantern that glows at night with this much light at full darkness.
#[derive(Component)]
pub(super) struct Glow(pub f32);

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, draw_village)
        .add_systems(Update, (turn_sails, puff_smoke));
}

/// Shapes with shared meshes and materials (one per size and colour, so they batch).
struct Kit<'w, 's, 'a> {
    commands: &'a mut Commands<'w, 's>,
    meshes: &'a mut Assets<Mesh>,
    materials: &'a mut Assets<ColorMaterial>,
    paints: HashMap<[u16; 4], Handle<ColorMaterial>>,
    circles: HashMap<u32, Handle<Mesh>>,
}

fn key(c: Color) -> [u16; 4] {
    let s = c.to_srgba();
    [s.red, s.green, s.blue, s.alpha].map(|x| (x * 1000.0) as u16)
}

/// Draw order of a solid thing standing at `y`: lower on screen, in front.
fn solid_z(y: f32) -> f32 {
    z::SOLID + (BOUNDS.y + 200.0 - y) / 1000.0
}

impl Kit<'_, '_, '_> {
    fn paint(&mut self, c: Color) -> Handle<ColorMaterial> {
        let materials = &mut *self.materials;
        self.paints
            .entry(key(c))
            .or_insert_with(|| materials.add(ColorMaterial::from(c)))
            .clone()
    }

    fn rect(&mut self, at: Vec2, size: Vec2, z: f32, c: Color) -> Entity {
        self.commands
            .spawn((
                Sprite::from_color(c, size),
                Transform::from_xyz(at.x, at.y, z),
            ))
            .id()
    }

    /// A rectangle from `a` to `b`, `width` wide (a path or a stream).
    fn band(&mut self, a: Vec2, b: Vec2, width: f32, z: f32, c: Color) {
        let d = b - a;
        let mid = (a + b) / 2.0;
        self.commands.spawn((
            Sprite::from_color(c, Vec2::new(d.length() + width, width)),
            Transform::from_xyz(mid.x, mid.y, z).with_rotation(Quat::from_rotation_z(d.to_angle())),
        ));
    }

    fn circle(&mut self, at: Vec2, r: f32, z: f32, c: Color) -> Entity {
        let meshes = &mut *self.meshes;
        let mesh = self
            .circles
            .entry((r * 10.0) as u32)
            .or_insert_with(|| meshes.add(Circle::new(r)))
            .clone();
        let paint = self.paint(c);
        self.commands
            .spawn((
                Mesh2d(mesh),
                MeshMaterial2d(paint),
                Transform::from_xyz(at.x, at.y, z),
            ))
            .id()
    }

    fn ellipse(&mut self, at: Vec2, half: Vec2, z: f32, c: Color) -> Entity {
        let mesh = self.meshes.add(Ellipse::new(half.x, half.y));
        let paint = self.paint(c);
        self.commands
            .spawn((
                Mesh2d(mesh),
                MeshMaterial2d(paint),
                Transform::from_xyz(at.x, at.y, z),
            ))
            .id()
    }

    /// A triangle (a roof) with corners relative to `at`.
    fn triangle(&mut self, at: Vec2, corners: [Vec2; 3], z: f32, c: Color) -> Entity {
        let mesh = self
            .meshes
            .add(Triangle2d::new(corners[0], corners[1], corners[2]));
        let paint = self.paint(c);
        self.commands
            .spawn((
                Mesh2d(mesh),
                MeshMaterial2d(paint),
                Transform::from_xyz(at.x, at.y, z),
            ))
            .id()
    }

    /// A soft shadow: a transparent ellipse, a little to the south-east.
    fn shadow(&mut self, at: Vec2, half: Vec2) {
        let at = at + Vec2::new(half.x * 0.15, -half.y * 0.35);
        self.ellipse(at, half, z::SHADOW, Color::srgba(0.0, 0.05, 0.0, 0.22));
    }

    /// A window that glows warm at night.
    fn window(&mut self, at: Vec2, z: f32) {
        self.rect(at, Vec2::new(7.0, 8.0), z, Color::srgb(0.22, 0.2, 0.22));
        self.commands.spawn((
            Glow(0.95),
            Sprite::from_color(Color::srgba(1.0, 0.8, 0.35, 0.0), Vec2::new(7.0, 8.0)),
            Transform::from_xyz(at.x, at.y, z::GLOW),
        ));
    }

    /// A lantern: a post and a warm halo at night.
    fn lantern(&mut self, at: Vec2) {
        let z = solid_z(at.y);
        self.rect(
            at + Vec2::Y * 9.0,
            Vec2::new(2.0, 18.0),
            z,
            Color::srgb(0.2, 0.18, 0.16),
        );
        self.circle(
            at + Vec2::Y * 19.0,
            3.0,
            z + 0.001,
            Color::srgb(1.0, 0.85, 0.45),
        );
        let halo = self.circle(
            at + Vec2::Y * 19.0,
            28.0,
            z::GLOW,
            Color::srgba(1.0, 0.75, 0.3, 0.0),
        );
        self.commands.entity(halo).insert(Glow(0.35));
    }

    /// A house: walls, a roof, a door, two windows; `wall` and `roof` by who lives there.
    fn house(&mut self, at: Vec2, size: Vec2, wall: Color, roof: Color) {
        let z = solid_z(at.y);
        self.shadow(at, size * 0.55);
        self.rect(at + Vec2::Y * size.y / 2.0, size, z, wall);
        let eave = at + Vec2::Y * size.y;
        self.triangle(
            eave,
            [
                Vec2::new(-size.x / 2.0 - 5.0, 0.0),
                Vec2::new(size.x / 2.0 + 5.0, 0.0),
                Vec2::new(0.0, size.y * 0.7),
            ],
            z + 0.001,
            roof,
        );
        self.rect(
            at + Vec2::new(0.0, 7.0),
            Vec2::new(9.0, 14.0),
            z + 0.002,
            Color::srgb(0.32, 0.2, 0.12),
        );
        for dx in [-size.x * 0.3, size.x * 0.3] {
            self.window(at + Vec2::new(dx, size.y * 0.55), z + 0.002);
        }
    }

    fn tree(&mut self, at: Vec2, r: f32, dark: bool) {
        let z = solid_z(at.y);
        self.shadow(at, Vec2::new(r * 0.9, r * 0.4));
        self.rect(
            at + Vec2::Y * r * 0.4,
            Vec2::new(r * 0.3, r * 0.8),
            z,
            Color::srgb(0.33, 0.22, 0.12),
        );
        let (a, b) = if dark {
            (Color::srgb(0.07, 0.25, 0.1), Color::srgb(0.1, 0.32, 0.13))
        } else {
            (Color::srgb(0.16, 0.42, 0.16), Color::srgb(0.22, 0.5, 0.2))
        };
        self.circle(at + Vec2::Y * r * 1.2, r, z + 0.001, a);
        self.circle(at + Vec2::new(-r * 0.25, r * 1.45), r * 0.6, z + 0.002, b);
    }
}

/// A small deterministic random source for placing trees (the same village every run).
struct Scatter(u64);

impl Scatter {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32) / ((1u64 << 24) as f32)
    }
}

/// Where the mill pond lies, its half size, and the stream that feeds it (from the north edge).
const POND: Vec2 = Vec2::new(720.0, -400.0);
const POND_HALF: Vec2 = Vec2::new(95.0, 55.0);
const STREAM: [Vec2; 5] = [
    Vec2::new(860.0, 600.0),
    Vec2::new(820.0, 330.0),
    Vec2::new(850.0, 90.0),
    Vec2::new(790.0, -200.0),
    POND,
];

fn distance_to_segment(p: Vec2, a: Vec2, b: Vec2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_squared().max(1e-6)).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}

/// The paths: each place joined to the square, the mill by way of the fields.
fn paths() -> Vec<(Vec2, Vec2)> {
    let square = Vec2::ZERO;
    PLACES
        .iter()
        .filter(|p| p.kind != PlaceKind::Square)
        .map(|p| (square, Vec2::from(p.pos)))
        .collect()
}

/// True where a tree would stand in the way: on a place, a path or the water.
fn crowded(at: Vec2) -> bool {
    PLACES
        .iter()
        .any(|p| at.distance(Vec2::from(p.pos)) < clearance(p))
        || paths()
            .iter()
            .any(|(a, b)| distance_to_segment(at, *a, *b) < 28.0)
        || STREAM
            .windows(2)
            .any(|w| distance_to_segment(at, w[0], w[1]) < 30.0)
        || ((at - POND) / (POND_HALF + 25.0)).length() < 1.0
}

fn clearance(p: &Place) -> f32 {
    match p.kind {
        PlaceKind::Fields => 150.0,
        PlaceKind::ForestEdge => 60.0,
        PlaceKind::Market | PlaceKind::Square | PlaceKind::TownHall => 120.0,
        _ => 95.0,
    }
}

fn draw_village(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<ColorMaterial>>,
) {
    let mut kit = Kit {
        commands: &mut commands,
        meshes: &mut meshes,
        materials: &mut materials,
        paints: HashMap::new(),
        circles: HashMap::new(),
    };
    // Grass is the clear colour (no full-screen layer to fill: with software rendering every
    // layer of pixels costs); darker ground under the forest.
    kit.ellipse(
        Vec2::new(-700.0, 470.0),
        Vec2::new(420.0, 300.0),
        z::GROUND + 0.01,
        Color::srgb(0.2, 0.36, 0.2),
    );
    for (a, b) in paths() {
        kit.band(a, b, 20.0, z::PATH, Color::srgb(0.62, 0.52, 0.36));
        kit.band(a, b, 12.0, z::PATH + 0.01, Color::srgb(0.7, 0.6, 0.42));
    }
    for w in STREAM.windows(2) {
        kit.band(w[0], w[1], 22.0, z::WATER, Color::srgb(0.2, 0.42, 0.62));
        kit.band(
            w[0],
            w[1],
            10.0,
            z::WATER + 0.01,
            Color::srgb(0.3, 0.55, 0.75),
        );
    }
    kit.ellipse(POND, POND_HALF + 6.0, z::WATER, Color::srgb(0.45, 0.4, 0.3));
    kit.ellipse(
        POND,
        POND_HALF,
        z::WATER + 0.01,
        Color::srgb(0.22, 0.45, 0.66),
    );
    kit.ellipse(
        POND + Vec2::new(-20.0, 12.0),
        POND_HALF * 0.45,
        z::WATER + 0.02,
        Color::srgb(0.32, 0.56, 0.76),
    );
    for p in PLACES {
        draw_place(&mut kit, p);
    }
    // The forest: trees packed around the forest edge; elsewhere a few, never in the way.
    let mut rng = Scatter(0x4d11_b200);
    let forest = Vec2::from(crate::world::places::of_kind(PlaceKind::ForestEdge).pos);
    let mut planted = Vec::new();
    for _ in 0..900 {
        let (x, y) = (rng.next(), rng.next());
        let at = Vec2::new(x * 2.0 - 1.0, y * 2.0 - 1.0) * (BOUNDS + Vec2::splat(140.0));
        let in_forest = at.distance(forest + Vec2::new(-80.0, 90.0)) < 330.0;
        let wanted = if in_forest { 0.55 } else { 0.07 };
        let r = if in_forest { 15.0 } else { 12.0 } + rng.next() * 6.0;
        if rng.next() > wanted
            || crowded(at)
            || planted.iter().any(|q: &Vec2| q.distance(at) < r * 1.6)
        {
            continue;
        }
        planted.push(at);
        kit.tree(at, r, in_forest);
    }
}

/// Wall and roof colours of a home, by whose it is.
fn home_colours(name: &str) -> (Color, Color) {
    let h = name
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    let walls = [
        Color::srgb(0.86, 0.8, 0.66),
        Color::srgb(0.78, 0.68, 0.52),
        Color::srgb(0.9, 0.86, 0.76),
        Color::srgb(0.72, 0.62, 0.5),
    ];
    let roofs = [
        Color::srgb(0.62, 0.27, 0.2),
        Color::srgb(0.45, 0.3, 0.22),
        Color::srgb(0.55, 0.45, 0.25),
        Color::srgb(0.35, 0.33, 0.38),
    ];
    (walls[(h % 4) as usize], roofs[((h / 4) % 4) as usize])
}

fn draw_place(kit: &mut Kit, p: &Place) {
    let at = Vec2::from(p.pos);
    // Buildings stand behind their spot, so villagers "at" a place wait at the door.
    let door = at + Vec2::Y * 16.0;
    match p.kind {
        PlaceKind::Home => {
            let (wall, roof) = home_colours(p.name);
            kit.house(door, Vec2::new(58.0, 36.0), wall, roof);
        }
        PlaceKind::Tavern => {
            kit.house(
                door,
                Vec2::new(96.0, 46.0),
                Color::srgb(0.72, 0.55, 0.38),
                Color::srgb(0.4, 0.22, 0.16),
            );
            let z = solid_z(door.y) + 0.01;
            // The sign: a board on a post with a tankard.
            let sign = door + Vec2::new(62.0, 20.0);
            kit.rect(
                sign + Vec2::new(0.0, -10.0),
                Vec2::new(3.0, 34.0),
                z,
                Color::srgb(0.3, 0.2, 0.12),
            );
            kit.rect(
                sign + Vec2::new(0.0, 6.0),
                Vec2::new(22.0, 16.0),
                z + 0.001,
                Color::srgb(0.55, 0.35, 0.15),
            );
            kit.rect(
                sign + Vec2::new(0.0, 6.0),
                Vec2::new(8.0, 10.0),
                z + 0.002,
                Color::srgb(0.95, 0.8, 0.3),
            );
            kit.lantern(door + Vec2::new(-58.0, -10.0));
        }
        PlaceKind::Smithy => {
            kit.house(
                door,
                Vec2::new(74.0, 40.0),
                Color::srgb(0.5, 0.5, 0.52),
                Color::srgb(0.22, 0.22, 0.25),
            );
            let z = solid_z(door.y) + 0.01;
            let chimney = door + Vec2::new(22.0, 58.0);
            kit.rect(
                chimney,
                Vec2::new(10.0, 24.0),
                z,
                Color::srgb(0.35, 0.3, 0.3),
            );
            for i in 0..4 {
                let puff = kit.circle(
                    chimney + Vec2::Y * 14.0,
                    5.0,
                    z::NIGHT - 1.0,
                    Color::srgba(0.8, 0.8, 0.82, 0.5),
                );
                kit.commands.entity(puff).insert(Smoke {
                    base: chimney + Vec2::Y * 14.0,
                    phase: i as f32 / 4.0,
                });
            }
            // The anvil and the forge's glow in the doorway.
            kit.rect(
                at + Vec2::new(-30.0, 2.0),
                Vec2::new(14.0, 6.0),
                solid_z(at.y),
                Color::srgb(0.2, 0.2, 0.22),
            );
            kit.rect(
                door + Vec2::new(0.0, 7.0),
                Vec2::new(9.0, 14.0),
                z,
                Color::srgb(0.95, 0.45, 0.1),
            );
        }
        PlaceKind::Market => {
            let awnings = [
                (Color::srgb(0.85, 0.2, 0.2), Color::srgb(0.95, 0.92, 0.85)),
                (Color::srgb(0.2, 0.45, 0.8), Color::srgb(0.95, 0.92, 0.85)),
                (Color::srgb(0.9, 0.7, 0.15), Color::srgb(0.95, 0.92, 0.85)),
            ];
            for (i, (a, b)) in awnings.into_iter().enumerate() {
                let s = at + Vec2::new(-50.0 + 50.0 * i as f32, 14.0 + 8.0 * (i % 2) as f32);
                let z = solid_z(s.y);
                kit.shadow(s, Vec2::new(22.0, 10.0));
                kit.rect(
                    s + Vec2::Y * 6.0,
                    Vec2::new(36.0, 12.0),
                    z,
                    Color::srgb(0.55, 0.38, 0.22),
                );
                for k in 0..4 {
                    let c = if k % 2 == 0 { a } else { b };
                    kit.rect(
                        s + Vec2::new(-13.5 + 9.0 * k as f32, 22.0),
                        Vec2::new(9.0, 12.0),
                        z + 0.001,
                        c,
                    );
                }
                // Goods on the counter.
                for k in 0..3 {
                    let c = [
                        Color::srgb(0.9, 0.5, 0.1),
                        Color::srgb(0.4, 0.7, 0.2),
                        Color::srgb(0.7, 0.2, 0.3),
                    ][k];
                    kit.circle(
                        s + Vec2::new(-10.0 + 10.0 * k as f32, 13.0),
                        3.5,
                        z + 0.002,
                        c,
                    );
                }
            }
        }
        PlaceKind::Fields => {
            let size = Vec2::new(210.0, 140.0);
            kit.rect(at, size + 8.0, z::PATH, Color::srgb(0.5, 0.38, 0.22));
            for row in 0..9 {
                let y = at.y - size.y / 2.0 + 8.0 + row as f32 * 15.5;
                let c = if row % 2 == 0 {
                    Color::srgb(0.82, 0.74, 0.3)
                } else {
                    Color::srgb(0.7, 0.64, 0.25)
                };
                kit.rect(
                    Vec2::new(at.x, y),
                    Vec2::new(size.x, 10.0),
                    z::PATH + 0.01,
                    c,
                );
            }
        }
        PlaceKind::ForestEdge => {
            // A felled log and a stump: the woodcutter works here.
            let z = solid_z(at.y);
            kit.rect(
                at + Vec2::new(18.0, 4.0),
                Vec2::new(34.0, 8.0),
                z,
                Color::srgb(0.45, 0.3, 0.16),
            );
            kit.circle(
                at + Vec2::new(-16.0, 6.0),
                7.0,
                z,
                Color::srgb(0.6, 0.45, 0.28),
            );
        }
        PlaceKind::Mill => {
            let z = solid_z(door.y);
            kit.shadow(door, Vec2::new(34.0, 20.0));
            kit.rect(
                door + Vec2::Y * 30.0,
                Vec2::new(46.0, 60.0),
                z,
                Color::srgb(0.85, 0.82, 0.74),
            );
            kit.triangle(
                door + Vec2::Y * 60.0,
                [
                    Vec2::new(-28.0, 0.0),
                    Vec2::new(28.0, 0.0),
                    Vec2::new(0.0, 26.0),
                ],
                z + 0.001,
                Color::srgb(0.45, 0.3, 0.22),
            );
            kit.rect(
                door + Vec2::Y * 7.0,
                Vec2::new(10.0, 14.0),
                z + 0.002,
                Color::srgb(0.32, 0.2, 0.12),
            );
            kit.window(door + Vec2::new(0.0, 38.0), z + 0.002);
            // The sails, on a hub that turns.
            let hub = door + Vec2::Y * 52.0;
            let sails = kit
                .commands
                .spawn((
                    Spin(0.9),
                    Transform::from_xyz(hub.x, hub.y, z + 0.003),
                    Visibility::default(),
                ))
                .id();
            for k in 0..4 {
                let angle = k as f32 * std::f32::consts::FRAC_PI_2;
                let dir = Vec2::from_angle(angle);
                let blade = kit
                    .commands
                    .spawn((
                        Sprite::from_color(Color::srgb(0.93, 0.9, 0.82), Vec2::new(40.0, 9.0)),
                        Transform::from_translation((dir * 22.0).extend(0.0))
                            .with_rotation(Quat::from_rotation_z(angle)),
                    ))
                    .id();
                kit.commands.entity(sails).add_child(blade);
            }
            let cap = kit.circle(Vec2::ZERO, 4.0, 0.001, Color::srgb(0.3, 0.22, 0.15));
            kit.commands.entity(sails).add_child(cap);
        }
        PlaceKind::Chapel => {
            let body = Vec2::new(62.0, 46.0);
            kit.house(
                door,
                body,
                Color::srgb(0.88, 0.88, 0.9),
                Color::srgb(0.36, 0.36, 0.44),
            );
            let z = solid_z(door.y) + 0.01;
            let tower = door + Vec2::new(-body.x / 2.0 - 8.0, 40.0);
            kit.rect(tower, Vec2::new(18.0, 80.0), z, Color::srgb(0.8, 0.8, 0.84));
            kit.triangle(
                tower + Vec2::Y * 40.0,
                [
                    Vec2::new(-11.0, 0.0),
                    Vec2::new(11.0, 0.0),
                    Vec2::new(0.0, 30.0),
                ],
                z + 0.001,
                Color::srgb(0.36, 0.36, 0.44),
            );
            kit.rect(
                tower + Vec2::Y * 78.0,
                Vec2::new(2.5, 14.0),
                z + 0.002,
                Color::srgb(0.85, 0.75, 0.3),
            );
            kit.rect(
                tower + Vec2::Y * 81.0,
                Vec2::new(9.0, 2.5),
                z + 0.002,
                Color::srgb(0.85, 0.75, 0.3),
            );
        }
        PlaceKind::TownHall => {
            let body = Vec2::new(120.0, 54.0);
            kit.house(
                door,
                body,
                Color::srgb(0.75, 0.55, 0.5),
                Color::srgb(0.4, 0.2, 0.22),
            );
            let z = solid_z(door.y) + 0.01;
            for k in 0..4 {
                let x = -45.0 + 30.0 * k as f32;
                kit.rect(
                    door + Vec2::new(x, 14.0),
                    Vec2::new(5.0, 28.0),
                    z,
                    Color::srgb(0.92, 0.88, 0.8),
                );
            }
            // The tower: its bell opening stands empty, a dark arch where the bell should hang.
            let tower = door + Vec2::Y * 92.0;
            kit.rect(
                tower,
                Vec2::new(30.0, 60.0),
                z + 0.001,
                Color::srgb(0.7, 0.5, 0.45),
            );
            kit.rect(
                tower + Vec2::Y * 10.0,
                Vec2::new(16.0, 18.0),
                z + 0.002,
                Color::srgb(0.12, 0.08, 0.08),
            );
            kit.circle(
                tower + Vec2::Y * 19.0,
                8.0,
                z + 0.002,
                Color::srgb(0.12, 0.08, 0.08),
            );
            kit.rect(
                tower + Vec2::Y * 26.0,
                Vec2::new(2.0, 8.0),
                z + 0.003,
                Color::srgb(0.5, 0.45, 0.4),
            );
            kit.circle(
                tower + Vec2::Y * -14.0,
                7.0,
                z + 0.002,
                Color::srgb(0.95, 0.93, 0.85),
            );
            kit.triangle(
                tower + Vec2::Y * 30.0,
                [
                    Vec2::new(-19.0, 0.0),
                    Vec2::new(19.0, 0.0),
                    Vec2::new(0.0, 26.0),
                ],
                z + 0.002,
                Color::srgb(0.4, 0.2, 0.22),
            );
        }
        PlaceKind::Square => {
            kit.ellipse(
                at,
                Vec2::new(95.0, 70.0),
                z::PATH + 0.02,
                Color::srgb(0.66, 0.63, 0.56),
            );
            kit.ellipse(
                at,
                Vec2::new(80.0, 58.0),
                z::PATH + 0.03,
                Color::srgb(0.72, 0.69, 0.62),
            );
            // The well.
            let well = at + Vec2::new(-38.0, 26.0);
            kit.shadow(well, Vec2::new(14.0, 7.0));
            kit.circle(well, 12.0, solid_z(well.y), Color::srgb(0.45, 0.43, 0.42));
            kit.circle(
                well,
                7.0,
                solid_z(well.y) + 0.001,
                Color::srgb(0.15, 0.25, 0.38),
            );
            kit.lantern(at + Vec2::new(52.0, 30.0));
            kit.lantern(at + Vec2::new(-60.0, -34.0));
        }
    }
}

fn turn_sails(time: Res<Time>, mut q: Query<(&Spin, &mut Transform)>) {
    for (spin, mut t) in &mut q {
        t.rotate_z(-spin.0 * time.delta_secs());
    }
}

/// Smoke rises about 50 units over 4 seconds, spreading and fading.
fn puff_smoke(time: Res<Time>, mut q: Query<(&mut Smoke, &mut Transform)>) {
    for (mut s, mut t) in &mut q {
        s.phase = (s.phase + time.delta_secs() / 4.0).fract();
        let p = s.phase;
        t.translation.x = s.base.x + 8.0 * p + 3.0 * (p * 9.0).sin();
        t.translation.y = s.base.y + 50.0 * p;
        t.scale = Vec3::splat(0.8 + 1.6 * p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_keep_off_places_paths_and_water() {
        for p in PLACES {
            assert!(crowded(Vec2::from(p.pos)), "{}", p.name);
        }
        assert!(crowded(POND));
        assert!(crowded(Vec2::new(100.0, 0.0)), "on the path to the market");
        // Open meadow far from everything.
        assert!(!crowded(Vec2::new(-700.0, -450.0)));
    }
}
