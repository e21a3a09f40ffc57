//! The village drawn in code, from the map in `world::places`: grass, paths from the square, a
//! stream and the mill pond, trees and the dark forest edge in the north-west (where wolves come
//! from), and a building for each trade: homes, the smithy with its chimney smoke, market stalls,
//! the tavern and its sign, the mill with turning sails, the chapel, the town hall whose tower has
//! lost its bell, the fields. Everything casts a soft shadow; windows and lanterns glow at night.
//! No image files: every shape is made here, in flat paint (`game::paint`); the still ones are
//! merged into a few meshes (`canvas`).

mod buildings;
mod canvas;
mod grounds;
mod kit;
pub(super) mod solids;

use bevy::prelude::*;

use buildings::draw_place;
use kit::Kit;

use crate::world::act::BOUNDS;
use crate::world::places::{PLACES, Place, PlaceKind};

/// Z layers (higher draws on top).
pub(super) mod z {
    pub(crate) const GROUND: f32 = 0.0;
    pub(crate) const PATH: f32 = 0.5;
    pub(crate) const WATER: f32 = 0.7;
    pub(crate) const SHADOW: f32 = 1.0;
    /// Buildings and trees: from here, nearer the bottom of the screen drawn later.
    pub(crate) const SOLID: f32 = 2.0;
    pub(crate) const NIGHT: f32 = 50.0;
    pub(crate) const GLOW: f32 = 51.0;
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
    mut materials: ResMut<Assets<super::paint::Paint>>,
    mut palette: ResMut<super::paint::Palette>,
) {
    let mut kit = Kit::new(&mut commands, &mut meshes, &mut materials, &mut palette);
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
    kit.finish();
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
