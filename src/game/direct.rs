//! Drawing straight into the window. Bevy draws a 2D camera into a picture of its own and then
//! copies that picture into the window with a shader that reads and writes every pixel. Under
//! software rendering (Xvfb, llvmpipe) that copy is a large share of a frame, for nothing this
//! game uses (no post-processing, no multisampling). Our camera's render schedule, `ToWindow`,
//! draws the village and then the UI into the window itself.
//!
//! The window's pixels are BGRA while Bevy makes a window camera's picture RGBA; pipelines are
//! built for the picture's format, so `ToWindow` cameras get the window's own format instead.
//! Until the window has one (its first frame) or should the two differ, the camera falls back to
//! Bevy's own passes and the copy. `NPC_MINDS_DIRECT=0` keeps Bevy's way throughout (for
//! measuring one against the other).

use bevy::camera::NormalizedRenderTarget;
use bevy::core_pipeline::core_2d::{
    AlphaMask2d, Opaque2d, Transparent2d, main_opaque_pass_2d, main_transparent_pass_2d,
};
use bevy::core_pipeline::upscaling::upscaling;
use bevy::ecs::schedule::{ScheduleBuildSettings, ScheduleLabel};
use bevy::prelude::*;
use bevy::render::camera::{
    CameraMainPassTextureFormats, CameraRenderGraph, ExtractedCamera, extract_cameras,
};
use bevy::render::render_phase::{ViewBinnedRenderPhases, ViewSortedRenderPhases};
use bevy::render::render_resource::{RenderPassDescriptor, StoreOp, TextureFormat};
use bevy::render::renderer::{CurrentView, RenderContext, ViewQuery};
use bevy::render::view::{ExtractedView, ExtractedWindows, ViewDepthTexture, ViewTarget};
use bevy::render::{ExtractSchedule, Render, RenderApp, RenderSystems};
use bevy::sprite_render::check_views_need_specialization;
use bevy::ui_render::{TransparentUi, UiCameraView, extract_ui_camera_view, ui_pass};

/// The render schedule of a camera that draws straight into its window.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(super) struct ToWindow;

/// The render schedule for the game's camera: `ToWindow` unless `NPC_MINDS_DIRECT=0`.
pub(super) fn camera_graph() -> CameraRenderGraph {
    if std::env::var("NPC_MINDS_DIRECT").is_ok_and(|v| v.trim() == "0") {
        CameraRenderGraph::new(bevy::core_pipeline::Core2d)
    } else {
        CameraRenderGraph::new(ToWindow)
    }
}

pub(super) fn plugin(app: &mut App) {
    let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
        return;
    };
    let mut schedule = bevy::ecs::schedule::Schedule::new(ToWindow);
    schedule.set_build_settings(ScheduleBuildSettings {
        auto_insert_apply_deferred: false,
        ..default()
    });
    render_app
        .add_schedule(schedule)
        .add_systems(
            ToWindow,
            (
                (draw_world, draw_ui).chain().run_if(straight),
                (
                    main_opaque_pass_2d,
                    main_transparent_pass_2d,
                    ui_pass,
                    upscaling,
                )
                    .chain()
                    .run_if(not(straight)),
            ),
        )
        .add_systems(
            ExtractSchedule,
            ui_in_window_format
                .after(extract_cameras)
                .before(extract_ui_camera_view),
        )
        .add_systems(
            Render,
            world_in_window_format
                .in_set(RenderSystems::PrepareAssets)
                .before(check_views_need_specialization),
        );
}

/// The format of the window `camera` draws into, when it is a `ToWindow` camera and its window has
/// one.
fn window_format(camera: &ExtractedCamera, windows: &ExtractedWindows) -> Option<TextureFormat> {
    if camera.schedule != ToWindow.intern() {
        return None;
    }
    let Some(NormalizedRenderTarget::Window(window)) = &camera.target else {
        return None;
    };
    windows
        .windows
        .get(&window.entity())?
        .swap_chain_texture_view_format
}

/// The UI of a `ToWindow` camera is built for its window's format (read when the UI's view is
/// extracted, right after the cameras).
fn ui_in_window_format(
    windows: Res<ExtractedWindows>,
    cameras: Query<(Entity, &ExtractedCamera)>,
    mut formats: ResMut<CameraMainPassTextureFormats>,
) {
    for (entity, camera) in &cameras {
        if let Some(format) = window_format(camera, &windows) {
            formats.insert(entity, format);
        }
    }
}

/// The village's pipelines too are built for its window's format (set before they are specialised
/// for the view).
fn world_in_window_format(
    windows: Res<ExtractedWindows>,
    mut cameras: Query<(&ExtractedCamera, &mut ExtractedView)>,
) {
    for (camera, mut view) in &mut cameras {
        if let Some(format) = window_format(camera, &windows)
            && view.target_format != format
        {
            view.target_format = format;
        }
    }
}

/// This frame the camera can draw into its window: the window's texture has the format the
/// pipelines were built for.
fn straight(view: Res<CurrentView>, targets: Query<(&ExtractedView, &ViewTarget)>) -> bool {
    targets
        .get(view.0)
        .is_ok_and(|(v, t)| t.out_texture_view_format() == Some(v.target_format))
}

/// The village: opaque shapes, then see-through ones over them, into the window (cleared first).
fn draw_world(
    world: &World,
    view: ViewQuery<(
        &ExtractedCamera,
        &ExtractedView,
        &ViewTarget,
        &ViewDepthTexture,
    )>,
    opaque: Res<ViewBinnedRenderPhases<Opaque2d>>,
    masked: Res<ViewBinnedRenderPhases<AlphaMask2d>>,
    transparent: Res<ViewSortedRenderPhases<Transparent2d>>,
    clear: Res<ClearColor>,
    mut ctx: RenderContext,
) {
    let entity = view.entity();
    let (camera, extracted, target, depth) = view.into_inner();
    let clear = match camera.clear_color {
        ClearColorConfig::Custom(c) => Some(c),
        ClearColorConfig::None => None,
        ClearColorConfig::Default => Some(clear.0),
    };
    let Some(colour) = target.out_texture_color_attachment(clear.map(|c| c.to_linear())) else {
        return;
    };
    let mut pass = ctx.begin_tracked_render_pass(RenderPassDescriptor {
        label: Some("npc_minds_world_to_window"),
        color_attachments: &[Some(colour)],
        // Nothing reads the depth after this pass.
        depth_stencil_attachment: Some(depth.get_attachment(StoreOp::Discard)),
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    });
    if let Some(viewport) = camera.viewport.as_ref() {
        pass.set_camera_viewport(viewport);
    }
    let key = &extracted.retained_view_entity;
    let drawn = [
        opaque.get(key).map(|p| p.render(&mut pass, world, entity)),
        masked.get(key).map(|p| p.render(&mut pass, world, entity)),
        transparent
            .get(key)
            .map(|p| p.render(&mut pass, world, entity)),
    ];
    for e in drawn.into_iter().flatten().filter_map(Result::err) {
        error!("drawing the village into the window: {e:?}");
    }
}

/// The UI over it, in the same window.
fn draw_ui(
    world: &World,
    view: ViewQuery<(&ExtractedCamera, &ViewTarget, &UiCameraView)>,
    ui_views: Query<&ExtractedView>,
    phases: Res<ViewSortedRenderPhases<TransparentUi>>,
    mut ctx: RenderContext,
) {
    let (camera, target, ui) = view.into_inner();
    let Ok(ui_view) = ui_views.get(ui.0) else {
        return;
    };
    let Some(phase) = phases.get(&ui_view.retained_view_entity) else {
        return;
    };
    if phase.items.is_empty() {
        return;
    }
    let Some(colour) = target.out_texture_color_attachment(None) else {
        return;
    };
    let mut pass = ctx.begin_tracked_render_pass(RenderPassDescriptor {
        label: Some("npc_minds_ui_to_window"),
        color_attachments: &[Some(colour)],
        depth_stencil_attachment: None,
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    });
    if let Some(viewport) = camera.viewport.as_ref() {
        pass.set_camera_viewport(viewport);
    }
    if let Err(e) = phase.render(&mut pass, world, ui.0) {
        error!("drawing the UI into the window: {e:?}");
    }
}
