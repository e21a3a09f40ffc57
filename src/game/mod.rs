//! The windowed game: the village drawn in 2D, a player to walk around, NPC names and actions as text.
//! Only what a window needs lives here; the loop itself is the same as the sim's.

mod hud;
mod player;
mod scene;

use std::path::PathBuf;
use std::process::ExitCode;

use bevy::prelude::*;
use bevy::window::WindowResolution;

use crate::brain::InferencePlugin;
use crate::config::cast::{CastPlugin, register_mods_source};
use crate::inference::Lane;
use crate::inference::backends::utility::UtilityBackend;
use crate::inference::factory;
use crate::sim::run::sim_pool;

/// Settings of `npc-minds play`.
pub struct GameOptions {
    pub mods: PathBuf,
    /// Exit after this many frames (0: run until the window closes).
    pub frames: u64,
}

/// Opens the window and runs until it closes.
pub fn run(opts: GameOptions) -> ExitCode {
    let mut app = App::new();
    let with_mods = opts.mods.is_dir();
    if with_mods {
        register_mods_source(&mut app, &opts.mods.to_string_lossy());
    }
    let pool = sim_pool(factory(|| Ok(UtilityBackend)));
    debug_assert!(pool.has_lane(Lane::Policy));
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: "npc_minds — Millbrook".into(),
            resolution: WindowResolution::from((1280u32, 720u32)),
            ..default()
        }),
        ..default()
    }))
    .add_plugins((
        crate::core_plugin,
        InferencePlugin::new(pool),
        CastPlugin { with_mods },
        scene::plugin,
        player::plugin,
        hud::plugin,
    ));
    if opts.frames > 0 {
        let limit = opts.frames;
        app.add_systems(
            Last,
            move |mut n: Local<u64>, mut exit: MessageWriter<AppExit>| {
                *n += 1;
                if *n >= limit {
                    exit.write(AppExit::Success);
                }
            },
        );
    }
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}
