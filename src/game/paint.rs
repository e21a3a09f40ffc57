//! Flat colour, cheaply: `Paint`, the material every drawn shape uses (the village, the figures,
//! the night), and `Fill`, what every UI panel's background is drawn with (bubbles, the chat
//! panel, the HUD, the journal, the screens).
//!
//! Why not Bevy's own: under software rendering (Xvfb, llvmpipe) the frame is bound by shading
//! pixels, and Bevy's shaders do more than a flat shape needs (a sprite samples its texture,
//! `ColorMaterial` transforms UVs and tests flags, a UI background works out borders, corner radii
//! and antialiasing for four corners in every pixel). Measured at 1280×720 on one rasteriser
//! thread, one window's worth of blended pixels costs about 12.6 ms as a sprite, 16.3 ms as a
//! `ColorMaterial`, 6.2 ms as paint; 13.6 ms as a UI background and 5.3 ms as a fill (README,
//! "what a frame costs").
//!
//! `Palette` shares one paint per colour and one unit square, so shapes alike batch.
//!
//! UI code keeps writing Bevy's `BackgroundColor` and `BorderColor`; this plugin swaps each new
//! non-transparent background for a `Fill` of the same colours (one border colour, one corner
//! radius).

use std::collections::HashMap;

use bevy::prelude::*;
use bevy::render::render_resource::AsBindGroup;
use bevy::shader::ShaderRef;
use bevy::sprite_render::{AlphaMode2d, Material2d, Material2dPlugin};
use bevy::ui_render::prelude::{MaterialNode, UiMaterial, UiMaterialPlugin};

const SHADER: Handle<Shader> = bevy::asset::uuid_handle!("5b0e3c1e-7a43-4f0e-9d55-2f6c1d8e4a17");

/// The fragment shader: the paint's colour, times the mesh's corner colours when it has them.
const SOURCE: &str = "#import bevy_sprite::mesh2d_vertex_output::VertexOutput

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> colour: vec4<f32>;

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
#ifdef VERTEX_COLORS
    return colour * in.color;
#else
    return colour;
#endif
}
";

const FILL_SHADER: Handle<Shader> =
    bevy::asset::uuid_handle!("9d4f6a2b-1c3e-4b58-a7d9-6e0f2b4c8a13");

/// The fill's fragment shader: the background inside, the edge colour within the border width of
/// the (rounded) outline, a one-pixel soft edge outside.
const FILL_SOURCE: &str = "#import bevy_ui::ui_vertex_output::UiVertexOutput

struct Fill {
    colour: vec4<f32>,
    edge: vec4<f32>,
};

@group(1) @binding(0) var<uniform> fill: Fill;

@fragment
fn fragment(in: UiVertexOutput) -> @location(0) vec4<f32> {
    let half = in.size * 0.5;
    let r = in.border_radius.x;
    let q = abs(in.uv * in.size - half) - (half - vec2(r));
    let outside = length(max(q, vec2(0.0))) + min(max(q.x, q.y), 0.0) - r;
    let border = in.border_widths.x;
    var c = select(fill.colour, fill.edge, outside > -border);
    c.a = c.a * clamp(0.5 - outside, 0.0, 1.0);
    return c;
}
";

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((
        Material2dPlugin::<Paint>::default(),
        UiMaterialPlugin::<Fill>::default(),
    ))
    .init_resource::<Palette>()
    .add_systems(
        PostUpdate,
        fill_backgrounds.before(bevy::ui::UiSystems::Layout),
    );
    let mut shaders = app.world_mut().resource_mut::<Assets<Shader>>();
    let _ = shaders.insert(
        SHADER.id(),
        Shader::from_wgsl(SOURCE, "npc_minds/paint.wgsl"),
    );
    let _ = shaders.insert(
        FILL_SHADER.id(),
        Shader::from_wgsl(FILL_SOURCE, "npc_minds/fill.wgsl"),
    );
}

/// One paint per colour for everything drawn in it, and one unit square for every rectangle, so
/// that shapes alike batch into one draw. (A paint recoloured for one entity alone, such as a
/// villager's clothes or emotion ring, is made on its own instead.)
#[derive(Resource, Default)]
pub(super) struct Palette {
    paints: HashMap<[u16; 4], Handle<Paint>>,
    square: Option<Handle<Mesh>>,
}

impl Palette {
    pub(crate) fn paint(&mut self, paints: &mut Assets<Paint>, c: Color) -> Handle<Paint> {
        let s = c.to_srgba();
        let key = [s.red, s.green, s.blue, s.alpha].map(|x| (x * 1000.0) as u16);
        self.paints
            .entry(key)
            .or_insert_with(|| paints.add(Paint::new(c)))
            .clone()
    }

    /// A 1×1 square centred on its origin (scale it to the rectangle wanted).
    pub(crate) fn square(&mut self, meshes: &mut Assets<Mesh>) -> Handle<Mesh> {
        self.square
            .get_or_insert_with(|| meshes.add(Rectangle::new(1.0, 1.0)))
            .clone()
    }
}

/// A UI background in flat colour, with a border in `edge` (as wide as the node's border).
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub(super) struct Fill {
    #[uniform(0)]
    colour: LinearRgba,
    #[uniform(0)]
    edge: LinearRgba,
}

impl UiMaterial for Fill {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Handle(FILL_SHADER)
    }
}

/// New UI backgrounds become fills (a transparent one draws nothing and is left alone).
#[allow(clippy::type_complexity)]
fn fill_backgrounds(
    mut commands: Commands,
    mut fills: ResMut<Assets<Fill>>,
    added: Query<(Entity, &BackgroundColor, Option<&BorderColor>), Added<BackgroundColor>>,
) {
    for (e, background, border) in &added {
        if background.0.alpha() <= 0.0 {
            continue;
        }
        let edge = border.map_or(Color::NONE, |b| b.top);
        let fill = fills.add(Fill {
            colour: background.0.to_linear(),
            edge: edge.to_linear(),
        });
        commands
            .entity(e)
            .remove::<(BackgroundColor, BorderColor)>()
            .insert(MaterialNode(fill));
    }
}

/// A flat colour (times a mesh's corner colours, if it has them). Opaque paint is drawn without
/// blending (and hides what lies under it early); paint with alpha below 1, or made see-through,
/// is blended over what is already drawn.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub(super) struct Paint {
    #[uniform(0)]
    colour: LinearRgba,
    /// Blended even at full alpha (for meshes whose corners carry the alpha).
    see_through: bool,
}

impl Paint {
    pub(crate) fn new(c: Color) -> Self {
        Paint {
            colour: c.to_linear(),
            see_through: false,
        }
    }

    pub(crate) fn see_through(c: Color) -> Self {
        Paint {
            see_through: true,
            ..Paint::new(c)
        }
    }

    pub(crate) fn set(&mut self, c: Color) {
        self.colour = c.to_linear();
    }

    pub(crate) fn set_alpha(&mut self, alpha: f32) {
        self.colour.alpha = alpha;
    }
}

impl Material2d for Paint {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Handle(SHADER)
    }

    fn alpha_mode(&self) -> AlphaMode2d {
        if self.see_through || self.colour.alpha < 1.0 {
            AlphaMode2d::Blend
        } else {
            AlphaMode2d::Opaque
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_blends_only_when_it_can_be_seen_through() {
        assert_eq!(Paint::new(Color::WHITE).alpha_mode(), AlphaMode2d::Opaque);
        let half = Paint::new(Color::srgba(1.0, 1.0, 1.0, 0.5));
        assert_eq!(half.alpha_mode(), AlphaMode2d::Blend);
        // Corner colours carry the alpha: white paint, still blended.
        let shadows = Paint::see_through(Color::WHITE);
        assert_eq!(shadows.alpha_mode(), AlphaMode2d::Blend);
        let mut glow = Paint::new(Color::srgba(1.0, 0.8, 0.3, 0.0));
        glow.set_alpha(0.9);
        assert_eq!(glow.alpha_mode(), AlphaMode2d::Blend);
        glow.set(Color::BLACK);
        assert_eq!(glow.alpha_mode(), AlphaMode2d::Opaque);
    }

    #[test]
    fn ui_backgrounds_become_fills_of_the_same_colours() {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .init_asset::<Fill>()
            .add_systems(Update, fill_backgrounds);
        let panel = app
            .world_mut()
            .spawn((
                Node::default(),
                BackgroundColor(Color::srgba(0.05, 0.06, 0.1, 0.86)),
                BorderColor::all(Color::srgb(0.8, 0.75, 0.6)),
            ))
            .id();
        let hint = app
            .world_mut()
            .spawn((Node::default(), BackgroundColor(Color::srgb(0.1, 0.2, 0.3))))
            .id();
        let bare = app
            .world_mut()
            .spawn((Node::default(), BackgroundColor(Color::NONE)))
            .id();
        app.update();
        let world = app.world();
        let fill_of = |e: Entity| {
            let handle = &world.get::<MaterialNode<Fill>>(e).expect("a fill").0;
            world
                .resource::<Assets<Fill>>()
                .get(handle)
                .unwrap()
                .clone()
        };
        let p = fill_of(panel);
        assert_eq!(p.colour, Color::srgba(0.05, 0.06, 0.1, 0.86).to_linear());
        assert_eq!(p.edge, Color::srgb(0.8, 0.75, 0.6).to_linear());
        // Bevy's own background and border draw nothing now (a node may keep transparent ones).
        assert!(
            world
                .get::<BackgroundColor>(panel)
                .is_none_or(|b| b.0.alpha() == 0.0)
        );
        assert!(
            world
                .get::<BorderColor>(panel)
                .is_none_or(|b| b.top.alpha() == 0.0 && b.left.alpha() == 0.0)
        );
        // No border colour: a see-through edge, as Bevy draws it.
        let h = fill_of(hint);
        assert_eq!(h.colour, Color::srgb(0.1, 0.2, 0.3).to_linear());
        assert_eq!(h.edge.alpha, 0.0);
        // A transparent background draws nothing; it stays as it was.
        assert!(world.get::<MaterialNode<Fill>>(bare).is_none());
        assert!(world.get::<BackgroundColor>(bare).is_some());
    }
}
