//! The village's drawing kit: still shapes go onto the merged canvas; the few that move or glow
//! (sails, smoke, lit windows, lantern halos) are meshes of their own in shared paints (one per
//! colour). And the composite shapes every building uses (house, window, lantern, tree, shadow).

use bevy::prelude::*;

use super::canvas::Canvas;
use super::{Glow, z};
use crate::game::paint::{Paint, Palette};
use crate::world::act::BOUNDS;

/// Still shapes onto the canvas; moving and glowing ones as entities with shared meshes and paints.
pub(super) struct Kit<'w, 's, 'a> {
    pub(super) commands: &'a mut Commands<'w, 's>,
    pub(super) meshes: &'a mut Assets<Mesh>,
    pub(super) materials: &'a mut Assets<Paint>,
    palette: &'a mut Palette,
    canvas: Canvas,
}

/// Draw order of a solid thing standing at `y`: lower on screen, in front.
pub(super) fn solid_z(y: f32) -> f32 {
    z::SOLID + (BOUNDS.y + 200.0 - y) / 1000.0
}

impl<'w, 's, 'a> Kit<'w, 's, 'a> {
    pub(super) fn new(
        commands: &'a mut Commands<'w, 's>,
        meshes: &'a mut Assets<Mesh>,
        materials: &'a mut Assets<Paint>,
        palette: &'a mut Palette,
    ) -> Self {
        Kit {
            commands,
            meshes,
            materials,
            palette,
            canvas: Canvas::default(),
        }
    }

    /// Draws the canvas (call once every still shape is on it).
    pub(super) fn finish(self) {
        debug!("the still village: {} meshes", self.canvas.patches());
        self.canvas.draw(self.commands, self.meshes, self.materials);
    }

    fn paint(&mut self, c: Color) -> Handle<Paint> {
        self.palette.paint(self.materials, c)
    }

    fn square(&mut self) -> Handle<Mesh> {
        self.palette.square(self.meshes)
    }

    /// A rectangle that moves or changes colour: `size`, centred on `at`, turned by `angle`.
    pub(super) fn rect_entity(
        &mut self,
        at: Vec2,
        size: Vec2,
        angle: f32,
        z: f32,
        c: Color,
    ) -> Entity {
        let (square, paint) = (self.square(), self.paint(c));
        self.commands
            .spawn((
                Mesh2d(square),
                MeshMaterial2d(paint),
                Transform::from_xyz(at.x, at.y, z)
                    .with_rotation(Quat::from_rotation_z(angle))
                    .with_scale(size.extend(1.0)),
            ))
            .id()
    }

    /// A circle that moves or changes colour.
    pub(super) fn circle_entity(&mut self, at: Vec2, r: f32, z: f32, c: Color) -> Entity {
        let (mesh, paint) = (self.meshes.add(Circle::new(r)), self.paint(c));
        self.commands
            .spawn((
                Mesh2d(mesh),
                MeshMaterial2d(paint),
                Transform::from_xyz(at.x, at.y, z),
            ))
            .id()
    }

    pub(super) fn rect(&mut self, at: Vec2, size: Vec2, z: f32, c: Color) {
        self.canvas.rect(at, size, 0.0, z, c);
    }

    /// A rectangle from `a` to `b`, `width` wide (a path or a stream).
    pub(super) fn band(&mut self, a: Vec2, b: Vec2, width: f32, z: f32, c: Color) {
        let d = b - a;
        let size = Vec2::new(d.length() + width, width);
        self.canvas.rect((a + b) / 2.0, size, d.to_angle(), z, c);
    }

    pub(super) fn circle(&mut self, at: Vec2, r: f32, z: f32, c: Color) {
        self.canvas.ellipse(at, Vec2::splat(r), z, c);
    }

    pub(super) fn ellipse(&mut self, at: Vec2, half: Vec2, z: f32, c: Color) {
        self.canvas.ellipse(at, half, z, c);
    }

    /// A roof: a triangle from `half_width` either side of `at` up to `height` above it.
    pub(super) fn roof(&mut self, at: Vec2, half_width: f32, height: f32, z: f32, c: Color) {
        let corners = [
            at + Vec2::new(-half_width, 0.0),
            at + Vec2::new(half_width, 0.0),
            at + Vec2::new(0.0, height),
        ];
        self.canvas.triangle(corners, z, c);
    }

    /// A soft shadow: a transparent ellipse, a little to the south-east.
    pub(super) fn shadow(&mut self, at: Vec2, half: Vec2) {
        let at = at + Vec2::new(half.x * 0.15, -half.y * 0.35);
        self.ellipse(at, half, z::SHADOW, Color::srgba(0.0, 0.05, 0.0, 0.22));
    }

    /// A window that glows warm at night.
    pub(super) fn window(&mut self, at: Vec2, z: f32) {
        self.rect(at, Vec2::new(7.0, 8.0), z, Color::srgb(0.22, 0.2, 0.22));
        let glow = self.rect_entity(
            at,
            Vec2::new(7.0, 8.0),
            0.0,
            z::GLOW,
            Color::srgba(1.0, 0.8, 0.35, 0.0),
        );
        self.commands.entity(glow).insert(Glow(0.95));
    }

    /// A lantern: a post and a warm halo at night.
    pub(super) fn lantern(&mut self, at: Vec2) {
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
        // Light falling on the ground around the post: rings one over another, brightest at the
        // middle and fading out, instead of one flat disc.
        for (radius, light) in [(54.0, 0.04), (40.0, 0.05), (27.0, 0.07), (15.0, 0.1)] {
            let halo = self.circle_entity(
                at + Vec2::Y * 8.0,
                radius,
                z::GLOW,
                Color::srgba(1.0, 0.75, 0.3, 0.0),
            );
            self.commands.entity(halo).insert(Glow(light));
        }
    }

    /// A house: walls, a roof, a door, two windows; `wall` and `roof` by who lives there.
    pub(super) fn house(&mut self, at: Vec2, size: Vec2, wall: Color, roof: Color) {
        let z = solid_z(at.y);
        self.shadow(at, size * 0.55);
        self.rect(at + Vec2::Y * size.y / 2.0, size, z, wall);
        let eave = at + Vec2::Y * size.y;
        self.roof(eave, size.x / 2.0 + 5.0, size.y * 0.7, z + 0.001, roof);
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

    pub(super) fn tree(&mut self, at: Vec2, r: f32, dark: bool) {
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
