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
//! UI code keeps writing Bevy's `BackgroundColor` and `BorderColor`; this plugin swaps each new
//! non-transparent background for a `Fill` of the same colours (one border colour, one corner
//! radius).

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
        let edge = border.map_or(background.0, |b| b.top);
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
    pub fn new(c: Color) -> Self {
        Paint {
            colour: c.to_linear(),
            see_through: false,
        }
    }

    pub fn see_through(c: Color) -> Self {
        Paint {
            see_through: true,
            ..Paint::new(c)
        }
    }

    pub fn set(&mut self, c: Color) {
        self.colour = c.to_linear();
    }

    pub fn set_alpha(&mut self, alpha: f32) {
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
