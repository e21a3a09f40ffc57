//! Each place's building, by kind: homes, the tavern and its sign, the smithy and its smoke, the
//! mill and its sails, the chapel, the town hall with its empty bell tower; the open places are
//! drawn by `grounds`.

use bevy::prelude::*;

use super::grounds::{fields, forest_edge, market, square};
use super::kit::{Kit, solid_z};
use super::{Smoke, Spin, z};
use crate::world::places::{Place, PlaceKind};

/// Wall sizes (width, height) of each kind of building, drawn from the door up; `solids` keeps
/// walkers off the same walls.
pub(super) const HOME: Vec2 = Vec2::new(58.0, 36.0);
pub(super) const TAVERN: Vec2 = Vec2::new(96.0, 46.0);
pub(super) const SMITHY: Vec2 = Vec2::new(74.0, 40.0);
pub(super) const MILL: Vec2 = Vec2::new(46.0, 60.0);
pub(super) const CHAPEL: Vec2 = Vec2::new(62.0, 46.0);
/// The chapel's tower: its width, and how far left of the door its centre stands.
pub(super) const CHAPEL_TOWER: (f32, f32) = (18.0, CHAPEL.x / 2.0 + 8.0);
pub(super) const TOWN_HALL: Vec2 = Vec2::new(120.0, 54.0);
/// Where a place's building stands: its door is this far behind (north of) the place's spot, so
/// villagers "at" a place wait at the door.
pub(super) const DOOR: f32 = 16.0;
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

pub(super) fn draw_place(kit: &mut Kit, p: &Place) {
    let at = Vec2::from(p.pos);
    // Buildings stand behind their spot, so villagers "at" a place wait at the door.
    let door = at + Vec2::Y * DOOR;
    match p.kind {
        PlaceKind::Home => home(kit, p, at, door),
        PlaceKind::Tavern => tavern(kit, p, at, door),
        PlaceKind::Smithy => smithy(kit, p, at, door),
        PlaceKind::Market => market(kit, p, at, door),
        PlaceKind::Fields => fields(kit, p, at, door),
        PlaceKind::ForestEdge => forest_edge(kit, p, at, door),
        PlaceKind::Mill => mill(kit, p, at, door),
        PlaceKind::Chapel => chapel(kit, p, at, door),
        PlaceKind::TownHall => town_hall(kit, p, at, door),
        PlaceKind::Square => square(kit, p, at, door),
    }
}

/// A home: a cottage in its own colours.
fn home(kit: &mut Kit, p: &Place, _at: Vec2, door: Vec2) {
    let (wall, roof) = home_colours(p.name);
    kit.house(door, HOME, wall, roof);
}

/// The tavern: a wide house with a sign (a tankard on a board) and a lantern.
fn tavern(kit: &mut Kit, _p: &Place, _at: Vec2, door: Vec2) {
    kit.house(
        door,
        TAVERN,
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

/// The smithy: a stone house, its chimney smoking, the anvil and the forge's glow at the door.
fn smithy(kit: &mut Kit, _p: &Place, at: Vec2, door: Vec2) {
    kit.house(
        door,
        SMITHY,
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
        let puff = kit.circle_entity(
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

/// The mill.
fn mill(kit: &mut Kit, _p: &Place, _at: Vec2, door: Vec2) {
    let z = solid_z(door.y);
    kit.shadow(door, Vec2::new(34.0, 20.0));
    kit.rect(
        door + Vec2::Y * MILL.y / 2.0,
        MILL,
        z,
        Color::srgb(0.85, 0.82, 0.74),
    );
    kit.roof(
        door + Vec2::Y * 60.0,
        28.0,
        26.0,
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
        let blade = kit.rect_entity(
            dir * 22.0,
            Vec2::new(40.0, 9.0),
            angle,
            0.0,
            Color::srgb(0.93, 0.9, 0.82),
        );
        kit.commands.entity(sails).add_child(blade);
    }
    let cap = kit.circle_entity(Vec2::ZERO, 4.0, 0.001, Color::srgb(0.3, 0.22, 0.15));
    kit.commands.entity(sails).add_child(cap);
}

/// The chapel.
fn chapel(kit: &mut Kit, _p: &Place, _at: Vec2, door: Vec2) {
    let body = CHAPEL;
    kit.house(
        door,
        body,
        Color::srgb(0.88, 0.88, 0.9),
        Color::srgb(0.36, 0.36, 0.44),
    );
    let z = solid_z(door.y) + 0.01;
    let tower = door + Vec2::new(-CHAPEL_TOWER.1, 40.0);
    kit.rect(
        tower,
        Vec2::new(CHAPEL_TOWER.0, 80.0),
        z,
        Color::srgb(0.8, 0.8, 0.84),
    );
    kit.roof(
        tower + Vec2::Y * 40.0,
        11.0,
        30.0,
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

/// The town hall and its bell tower.
fn town_hall(kit: &mut Kit, _p: &Place, _at: Vec2, door: Vec2) {
    let body = TOWN_HALL;
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
    kit.roof(
        tower + Vec2::Y * 30.0,
        19.0,
        26.0,
        z + 0.002,
        Color::srgb(0.4, 0.2, 0.22),
    );
}
