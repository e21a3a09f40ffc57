//! The still part of the village, merged: every shape that never moves or changes colour (ground,
//! paths, water, walls, roofs, trees, shadows) becomes triangles in a few big meshes, one per patch
//! of the map and per kind of paint (solid or see-through), instead of an entity each.
//!
//! Why: with software rendering each drawn entity costs the frame tens of microseconds before a
//! pixel is shaded (Bevy's extract/prepare/queue on the render thread, then the driver's per-draw
//! setup). A thousand village shapes cost more than all their pixels (README, "what a frame
//! costs"). Merged, the village is a couple of dozen draws, and patches off screen are culled.

use std::collections::BTreeMap;

use bevy::asset::RenderAssetUsages;
use bevy::mesh::PrimitiveTopology;
use bevy::prelude::*;

use crate::game::paint::Paint;

/// The side of a patch of the map, in world units (about one window).
const PATCH: f32 = 640.0;

/// Triangles with a colour per corner (linear RGBA), at their depth.
#[derive(Default)]
struct Layer {
    positions: Vec<[f32; 3]>,
    colours: Vec<[f32; 4]>,
}

/// Shapes gathered by patch and by whether they are see-through; drawn in the order added within a
/// patch (depth decides between solid shapes, as it did for the entities they replace).
#[derive(Default)]
pub(super) struct Canvas {
    layers: BTreeMap<(i32, i32, bool), Layer>,
}

impl Canvas {
    /// A triangle `a b c` at depth `z`, filed under the patch of `centre`.
    fn triangles(&mut self, centre: Vec2, corners: &[Vec2], z: f32, c: Color) {
        let patch = (centre / PATCH).floor();
        let see_through = c.alpha() < 1.0;
        let layer = self
            .layers
            .entry((patch.x as i32, patch.y as i32, see_through))
            .or_default();
        let colour = c.to_linear().to_f32_array();
        for p in corners {
            layer.positions.push([p.x, p.y, z]);
            layer.colours.push(colour);
        }
    }

    /// A `size` rectangle centred on `at`, turned by `angle` radians.
    pub(crate) fn rect(&mut self, at: Vec2, size: Vec2, angle: f32, z: f32, c: Color) {
        let (sin, cos) = angle.sin_cos();
        let turn = |v: Vec2| at + Vec2::new(v.x * cos - v.y * sin, v.x * sin + v.y * cos);
        let h = size / 2.0;
        let [a, b, cc, d] = [
            turn(Vec2::new(-h.x, -h.y)),
            turn(Vec2::new(h.x, -h.y)),
            turn(Vec2::new(h.x, h.y)),
            turn(Vec2::new(-h.x, h.y)),
        ];
        self.triangles(at, &[a, b, cc, a, cc, d], z, c);
    }

    /// An ellipse with half axes `half`, as a fan of triangles (more for bigger ones).
    pub(crate) fn ellipse(&mut self, at: Vec2, half: Vec2, z: f32, c: Color) {
        let n = ((half.max_element() * 0.6) as usize).clamp(12, 64);
        let rim = |k: usize| {
            let t = k as f32 / n as f32 * std::f32::consts::TAU;
            at + Vec2::new(t.cos() * half.x, t.sin() * half.y)
        };
        let corners: Vec<Vec2> = (0..n).flat_map(|k| [at, rim(k), rim(k + 1)]).collect();
        self.triangles(at, &corners, z, c);
    }

    pub(crate) fn triangle(&mut self, corners: [Vec2; 3], z: f32, c: Color) {
        let centre = (corners[0] + corners[1] + corners[2]) / 3.0;
        self.triangles(centre, &corners, z, c);
    }

    /// How many meshes `draw` will spawn.
    pub(crate) fn patches(&self) -> usize {
        self.layers.len()
    }

    /// Spawns one mesh per patch and kind, painted white so the corners' colours show as they are.
    pub(crate) fn draw(
        self,
        commands: &mut Commands,
        meshes: &mut Assets<Mesh>,
        paints: &mut Assets<Paint>,
    ) {
        let solid = paints.add(Paint::new(Color::WHITE));
        let see_through = paints.add(Paint::see_through(Color::WHITE));
        for ((_, _, clear), layer) in self.layers {
            let mesh = Mesh::new(
                PrimitiveTopology::TriangleList,
                RenderAssetUsages::RENDER_WORLD,
            )
            .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, layer.positions)
            .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, layer.colours);
            let paint = if clear {
                see_through.clone()
            } else {
                solid.clone()
            };
            commands.spawn((
                Mesh2d(meshes.add(mesh)),
                MeshMaterial2d(paint),
                Transform::default(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_filed_by_patch_and_by_see_through() {
        let mut canvas = Canvas::default();
        canvas.rect(Vec2::ZERO, Vec2::splat(10.0), 0.0, 1.0, Color::WHITE);
        canvas.rect(
            Vec2::new(5.0, 5.0),
            Vec2::splat(4.0),
            0.3,
            1.0,
            Color::BLACK,
        );
        canvas.ellipse(
            Vec2::ZERO,
            Vec2::new(30.0, 10.0),
            1.0,
            Color::srgba(0.0, 0.0, 0.0, 0.2),
        );
        canvas.triangle(
            [
                Vec2::new(-700.0, 0.0),
                Vec2::new(-650.0, 0.0),
                Vec2::new(-680.0, 30.0),
            ],
            2.0,
            Color::WHITE,
        );
        assert_eq!(canvas.patches(), 3);
        let solid = &canvas.layers[&(0, 0, false)];
        // Two rectangles of two triangles each, every corner coloured.
        assert_eq!(solid.positions.len(), 12);
        assert_eq!(solid.colours.len(), 12);
        // The turned rectangle keeps its size: its diagonal is still 4·√2.
        let d = Vec2::new(solid.positions[6][0], solid.positions[6][1])
            .distance(Vec2::new(solid.positions[8][0], solid.positions[8][1]));
        assert!((d - 4.0 * 2f32.sqrt()).abs() < 1e-4, "{d}");
        let shade = &canvas.layers[&(0, 0, true)];
        assert_eq!(shade.positions.len() % 3, 0);
        assert!(shade.colours.iter().all(|c| (c[3] - 0.2).abs() < 1e-6));
        assert!(canvas.layers.contains_key(&(-2, 0, false)));
    }
}
