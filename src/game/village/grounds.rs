//! The open places: the market's stalls, the fields, the forest edge, the square with its well
//! and lanterns.

use bevy::prelude::*;

use super::kit::{Kit, solid_z};
use super::z;
use crate::world::places::Place;

/// The market's stalls: each one's spot from the market's, and a counter's size.
pub(super) const STALLS: [Vec2; 3] = [
    Vec2::new(-50.0, 14.0),
    Vec2::new(0.0, 22.0),
    Vec2::new(50.0, 14.0),
];
pub(super) const STALL: Vec2 = Vec2::new(36.0, 12.0);
/// The well on the square: its spot from the square's, and its radius.
pub(super) const WELL: (Vec2, f32) = (Vec2::new(-38.0, 26.0), 12.0);

/// The market: striped stalls.
pub(super) fn market(kit: &mut Kit, _p: &Place, at: Vec2, _door: Vec2) {
    let awnings = [
        (Color::srgb(0.85, 0.2, 0.2), Color::srgb(0.95, 0.92, 0.85)),
        (Color::srgb(0.2, 0.45, 0.8), Color::srgb(0.95, 0.92, 0.85)),
        (Color::srgb(0.9, 0.7, 0.15), Color::srgb(0.95, 0.92, 0.85)),
    ];
    for (i, (a, b)) in awnings.into_iter().enumerate() {
        let s = at + STALLS[i];
        let z = solid_z(s.y);
        kit.shadow(s, Vec2::new(22.0, 10.0));
        kit.rect(
            s + Vec2::Y * STALL.y / 2.0,
            STALL,
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

/// The fields.
pub(super) fn fields(kit: &mut Kit, _p: &Place, at: Vec2, _door: Vec2) {
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

/// The forest edge.
pub(super) fn forest_edge(kit: &mut Kit, _p: &Place, at: Vec2, _door: Vec2) {
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

/// The square.
pub(super) fn square(kit: &mut Kit, _p: &Place, at: Vec2, _door: Vec2) {
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
    let well = at + WELL.0;
    kit.shadow(well, Vec2::new(14.0, 7.0));
    kit.circle(well, WELL.1, solid_z(well.y), Color::srgb(0.45, 0.43, 0.42));
    kit.circle(
        well,
        7.0,
        solid_z(well.y) + 0.001,
        Color::srgb(0.15, 0.25, 0.38),
    );
    kit.lantern(at + Vec2::new(52.0, 30.0));
    kit.lantern(at + Vec2::new(-60.0, -34.0));
}
