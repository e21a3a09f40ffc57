//! The windowed game: the village drawn in 2D, a player to walk around and talk, the bell mystery
//! with its title, win and lose screens, the HUD, and an autopilot for CI. Only what a window needs
//! lives here; the loop itself is the same as the sim's.

mod accusation;
mod autopilot;
mod bubbles;
mod case_screens;
mod chat;
mod conversation;
mod crowd;
mod direct;
mod figures;
mod frames;
mod hud;
mod journal;
mod labels;
mod layout_check;
mod music;
mod mystery;
mod night;
mod pace;
mod paint;
mod player;
mod saves;
mod scene;
mod screens;
mod solver;
mod stages;
mod tutorial;
mod view;
mod village;
mod visit;
mod walls;

pub(crate) use autopilot::AutopilotMode;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bevy::prelude::*;
use bevy::render::view::window::screenshot::{Screenshot, save_to_disk};
use bevy::window::WindowResolution;

use crate::brain::InferencePlugin;
use crate::brain::cast::{CastPlugin, register_mods_source};
use crate::inference::{BackendFactory, InferenceError, InferencePool, factory};
use crate::lanes::{self, LaneChoice, PoolPlan};
use crate::ml::dialogue::backend::SharedEncoder;
use crate::ml::dialogue::{Dialogue, DialogueBackend};
use crate::ml::emotion;
use crate::ml::model_files;
use crate::sim::policy::{self, PolicyChoice};

/// The longest a player waits after Enter for a villager's first words before the reply's plain
/// line is said instead of another try of the model (the goal is 1.5 s at most; the rest is
/// the frame, the emotion read and the queue).
const FIRST_WORDS_WAIT: std::time::Duration = std::time::Duration::from_millis(1200);

/// Settings of `npc-minds play`.
pub(crate) struct GameOptions {
    pub(crate) mods: PathBuf,
    /// Exit after this many frames (0: run until the window closes).
    pub(crate) frames: u64,
    /// Save a screenshot of the last frame here (needs `frames`).
    pub(crate) screenshot: Option<PathBuf>,
    /// Append the frame times here at exit (`--frame-log`).
    pub(crate) frame_log: Option<PathBuf>,
    /// Play by itself (needs `frames` as the limit and `screenshot`): talk to one villager, or
    /// solve the whole mystery.
    pub(crate) autopilot: Option<AutopilotMode>,
    /// Who decides what villagers do.
    pub(crate) policy: PolicyChoice,
    /// A model server to use for dialogue (and emotions when it has them) instead of the models
    /// in this process.
    pub(crate) remote: Option<crate::remote::RemoteOptions>,
    /// Play the soundtrack.
    pub(crate) music: bool,
    /// The case to play (`--case`); every new game plays it. None: one at random each game.
    pub(crate) case: Option<String>,
    /// The hour the clock starts at (`--hour`; default the world's morning).
    pub(crate) hour: Option<f32>,
}

/// The asset folder: `./assets` when run from the project, else the one the binary was built from.
pub(super) fn asset_root() -> Option<PathBuf> {
    let here = std::env::current_dir().ok()?.join("assets");
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets");
    [here, built].into_iter().find(|p| p.join("npcs").is_dir())
}

/// Opens the window and runs until it closes.
pub(crate) fn run(opts: GameOptions) -> ExitCode {
    share_cpu_with_models();
    let Some(assets) = asset_root() else {
        eprintln!("error: no assets/npcs folder here; run npc-minds from the project folder");
        return ExitCode::FAILURE;
    };
    let mut app = App::new();
    let with_mods = opts.mods.is_dir();
    if with_mods {
        register_mods_source(&mut app, &opts.mods.to_string_lossy());
    }
    let (case, errors) = match choose_case(&assets, &opts) {
        Ok(chosen) => chosen,
        Err(code) => return code,
    };
    let personas = personas(&assets, &opts.mods, &case);
    let music = opts.music.then(music::lane);
    let pool = game_pool(opts.policy.clone(), personas, opts.remote.clone(), music);
    let window = WindowPlugin {
        primary_window: Some(Window {
            title: "npc_minds - Millbrook".into(),
            resolution: WindowResolution::from((1280u32, 720u32)),
            ..default()
        }),
        ..default()
    };
    let assets = AssetPlugin {
        file_path: assets.to_string_lossy().into_owned(),
        ..default()
    };
    app.insert_resource(crate::brain::cast::PlayedCase(case.config.clone()))
        .insert_resource(case)
        .insert_resource(errors);
    app.add_plugins(DefaultPlugins.set(window).set(assets))
        .add_plugins((
            crate::core_plugin,
            InferencePlugin::new(pool),
            CastPlugin { with_mods },
        ));
    add_game_plugins(&mut app);
    if opts.music {
        app.add_plugins(music::plugin);
    }
    if let Some(file) = opts.frame_log.clone() {
        app.insert_resource(frames::FrameLog::to_file(file));
    }
    if let Err(code) = add_play_mode(&mut app, &opts) {
        return code;
    }
    if let Some(h) = opts.hour
        && let Some(mut clock) = app
            .world_mut()
            .get_resource_mut::<crate::world::components::WorldClock>()
    {
        clock.start_hour = h;
    }
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

/// The case: the one named, else one at random; cases that do not load are shown on screen.
fn choose_case(
    assets: &Path,
    opts: &GameOptions,
) -> Result<(mystery::Case, crate::brain::cast::ConfigErrorLog), ExitCode> {
    let (cases, case_problems) = crate::config::case::load_cases(&crate::config::case::case_dirs(
        &assets.join("npcs"),
        &opts.mods,
    ));
    let case = mystery::Case::choose(cases, opts.case.as_deref()).map_err(|e| {
        eprintln!("error: {e} (`npc-minds cases` lists them)");
        ExitCode::from(2)
    })?;
    let mut errors = crate::brain::cast::ConfigErrorLog::default();
    errors.errors.extend(
        case_problems
            .iter()
            .map(|p| (p.file.clone(), p.to_string())),
    );
    if case.config.is_none() {
        eprintln!("warning: no case to play: the village has no mystery this time");
    }
    Ok((case, errors))
}

/// Villagers' personas, so the dialogue lane can prepare their prompts before anyone talks.
/// Those working nearest the square, where the player starts, first.
fn personas(assets: &Path, mods: &Path, case: &mystery::Case) -> Vec<String> {
    let (mut cast, _) = crate::config::files::load_villagers(&assets.join("npcs"), mods);
    if let Some(c) = &case.config {
        cast = cast.iter().map(|n| c.member(n)).collect();
    }
    let from_square = |c: &crate::config::NpcConfig| {
        crate::world::places::find(&c.work).map_or(f32::MAX, |p| Vec2::from(p.pos).length())
    };
    cast.sort_by(|a, b| from_square(a).total_cmp(&from_square(b)));
    cast.iter()
        .map(crate::ml::dialogue::request::persona)
        .collect()
}

/// The game's own plugins: the drawn village, its people, the screens and the mystery.
fn add_game_plugins(app: &mut App) {
    app.add_plugins((
        paint::plugin,
        direct::plugin,
        crowd::plugin,
        case_screens::plugin,
        walls::plugin,
        night::plugin,
    ))
    .add_plugins((
        village::plugin,
        figures::plugin,
        labels::plugin,
        scene::plugin,
        screens::plugin,
        mystery::plugin,
        chat::plugin,
        conversation::plugin,
        bubbles::plugin,
        journal::plugin,
        player::plugin,
        hud::plugin,
        frames::plugin,
        pace::plugin,
        saves::plugin,
    ));
}

/// How this run ends: by the window, after `--frames`, or played by the autopilot.
fn add_play_mode(app: &mut App, opts: &GameOptions) -> Result<(), ExitCode> {
    if opts.autopilot.is_some() {
        app.insert_resource(tutorial::Tutorial::off());
        // A play that plays itself leaves no save behind.
        app.insert_resource(saves::Saves {
            autosave: false,
            ..default()
        });
    }
    app.add_plugins(tutorial::plugin);
    match (opts.autopilot, opts.screenshot.clone()) {
        (Some(AutopilotMode::Layout), Some(shot)) => {
            app.add_plugins(layout_check::plugin(opts.frames.max(200), shot));
        }
        (Some(mode), Some(shot)) => {
            app.insert_resource(autopilot::Autopilot::new(opts.frames.max(6), shot))
                .add_plugins(autopilot::plugin(mode));
            if mode == AutopilotMode::Solve {
                app.add_plugins(solver::plugin);
            }
        }
        (Some(_), None) => {
            eprintln!("error: --autopilot needs --screenshot FILE");
            return Err(ExitCode::from(2));
        }
        (None, shot) if opts.frames > 0 => {
            app.add_systems(PostUpdate, exit_after(opts.frames.max(6), shot));
        }
        _ => {}
    }
    Ok(())
}

/// Exits after `limit` frames; takes the screenshot 5 frames before so it is written before exit.
fn exit_after(
    limit: u64,
    shot: Option<PathBuf>,
) -> impl FnMut(Local<u64>, Commands, MessageWriter<AppExit>) {
    move |mut n, mut commands, mut exit| {
        *n += 1;
        if *n + 5 == limit
            && let Some(path) = shot.clone()
        {
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_to_disk(path));
        }
        if *n >= limit {
            exit.write(AppExit::Success);
        }
    }
}

/// Mesa's software renderer (llvmpipe, what Xvfb and machines without a GPU use) draws on every
/// core by default and then starves the models: on two cores a reply's first words came ~18 s after
/// Enter. It gets one drawing thread unless `LP_NUM_THREADS` says otherwise (a GPU driver ignores
/// the variable).
fn share_cpu_with_models() {
    if std::env::var_os("LP_NUM_THREADS").is_none() {
        // SAFETY: called first thing in `run`, before any thread of ours or the engine starts.
        unsafe { std::env::set_var("LP_NUM_THREADS", "1") };
    }
}

fn nice() -> i32 {
    std::env::var("NPC_MINDS_NICE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

/// The emotion lane on the model in this process (fetched on first use).
fn local_emotion(models: &std::path::Path, encoder: SharedEncoder) -> BackendFactory {
    match model_files::ensure(models, "encoder", &mut |l| info!("{l}")) {
        Ok(_) => emotion::backend_factory_sharing(
            models.to_path_buf(),
            models.join(emotion::HEAD_FILE),
            move || encoder.get(),
        ),
        Err(e) => {
            warn!("the emotion model is unavailable ({e}); what you say moves no feelings");
            crate::inference::unavailable(e.to_string())
        }
    }
}

/// The game's lanes: `choice` for decisions (the trained network unless told otherwise), the real
/// dialogue model and the real emotion model (both fetched on first use; without the dialogue
/// model villagers answer from their fallback lines, without the emotion model what the player
/// says moves no feelings). While idle, the dialogue lane prepares `personas`' prompts.
fn game_pool(
    choice: PolicyChoice,
    personas: Vec<String>,
    remote: Option<crate::remote::RemoteOptions>,
    music: Option<BackendFactory>,
) -> InferencePool {
    let models = model_files::models_dir();
    // The dialogue and emotion lanes read with one copy of the sentence encoder.
    let encoder = SharedEncoder::new(models.clone());
    let dialogue = match &remote {
        Some(o) => {
            info!("villagers talk through the model server at {}", o.url);
            LaneChoice::Unavailable("the dialogue goes to the model server".into())
        }
        None => local_dialogue(personas, encoder.clone()),
    };
    lanes::build(PoolPlan {
        policy: policy::backend_factory(choice, |m| warn!("{m}")),
        dialogue,
        emotion: LaneChoice::Local(local_emotion(&models, encoder)),
        music: music.map(LaneChoice::Local),
        remote,
        dialogue_workers: None,
        nice: Some(nice()),
    })
}

/// The dialogue lane on the model in this process (fetched on first use), preparing `personas`'
/// prompts while idle; without the model villagers answer from their fallback lines.
fn local_dialogue(personas: Vec<String>, encoder: SharedEncoder) -> LaneChoice {
    match model_files::dialogue_model_path(&mut |l| info!("{l}")) {
        Ok(path) => LaneChoice::Local(factory(move || {
            Dialogue::load_with_encoder(&path, 1, encoder.get(), &mut |l| info!("{l}"))
                .map(|d| {
                    let d = d.warm_later(personas.clone()).with_wait(FIRST_WORDS_WAIT);
                    DialogueBackend(d)
                })
                .map_err(|e| InferenceError::Unavailable(e.to_string()))
        })),
        Err(e) => {
            warn!(
                "the dialogue model is unavailable ({e}); villagers answer from their fallback lines"
            );
            LaneChoice::Unavailable(e.to_string())
        }
    }
}
