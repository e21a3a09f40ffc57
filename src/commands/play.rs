//! `npc-minds play` (the default command): open the window on the village, or say why not.

use std::path::PathBuf;
use std::process::ExitCode;

use super::PolicyArgs;

/// What `--autopilot` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AutopilotMode {
    /// Talk to the nearest villager once (a quick check).
    Talk,
    /// Solve the mystery from the clue journal.
    Solve,
    /// Put the screen in its busiest states (a chat with the journal and a new clue, the
    /// accusation over a full journal, F3 with the tutorial), save a screenshot of each beside
    /// `--screenshot`, and fail if any panel covers another or the player.
    Layout,
}

/// Arguments of `npc-minds play`.
#[derive(Debug, clap::Args)]
pub struct PlayArgs {
    /// Folder of modded `*.npc.ron` files that override or add NPCs by name.
    #[arg(long, default_value = "mods")]
    pub(crate) mods: PathBuf,
    /// Run this many frames, then exit (0 = until the window closes).
    #[arg(long, default_value_t = 0)]
    pub(crate) frames: u64,
    /// Save a PNG of the window shortly before exiting (needs --frames).
    #[arg(long, value_name = "FILE", requires = "frames")]
    pub(crate) screenshot: Option<PathBuf>,
    /// Append this run's frame times to FILE (CSV: run, frame, ms, phase) and print the summary
    /// of every run in it, so that several runs can be pooled.
    #[arg(long, value_name = "FILE")]
    pub(crate) frame_log: Option<PathBuf>,
    /// Play by itself (for CI and screenshots); --frames is the limit. `talk` (the default):
    /// walk to the nearest villager, say a line, wait for the streamed reply, save
    /// --screenshot, exit 0 only if the villager replied and the screenshot is not blank.
    /// `solve`: play the whole mystery from the clue journal, exit 0 only on the win screen.
    #[arg(
        long,
        value_name = "MODE",
        num_args = 0..=1,
        default_missing_value = "talk",
        requires_all = ["frames", "screenshot"]
    )]
    pub(crate) autopilot: Option<AutopilotMode>,
    /// Who decides (default: the trained policy network).
    #[command(flatten)]
    pub(crate) policy: PolicyArgs,
    #[command(flatten)]
    pub(crate) remote: super::RemoteArgs,
    /// No soundtrack (the pool gets no music lane).
    #[arg(long)]
    pub(crate) no_music: bool,
    /// Play this case (an id from `npc-minds cases`) in every game; by default each new game
    /// picks one at random.
    #[arg(long, value_name = "ID")]
    pub(crate) case: Option<String>,
    /// The hour the game starts at (default 8, morning); 22 starts at night.
    #[arg(long, value_name = "H", value_parser = hour)]
    pub(crate) hour: Option<f32>,
}

/// An hour in [0, 24).
fn hour(s: &str) -> Result<f32, String> {
    let h: f32 = s
        .parse()
        .map_err(|e| format!("{s:?} is not a number: {e}"))?;
    if (0.0..24.0).contains(&h) {
        Ok(h)
    } else {
        Err(format!("{h} is not an hour of the day (0 to 24)"))
    }
}

const HEADLESS_HINT: &str =
    "Run the village headless instead: npc-minds sim --npcs 100 --seconds 60";

/// Opens the window and plays until it closes.
#[cfg(feature = "windowed")]
pub fn run(a: PlayArgs) -> anyhow::Result<ExitCode> {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "error: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n\
             {HEADLESS_HINT}\nor start a virtual display: xvfb-run -a npc-minds play"
        );
        return Ok(ExitCode::from(2));
    }
    Ok(crate::game::run(crate::game::GameOptions {
        mods: a.mods,
        frames: a.frames,
        screenshot: a.screenshot,
        frame_log: a.frame_log,
        autopilot: a.autopilot.map(|m| match m {
            AutopilotMode::Talk => crate::game::AutopilotMode::Talk,
            AutopilotMode::Solve => crate::game::AutopilotMode::Solve,
            AutopilotMode::Layout => crate::game::AutopilotMode::Layout,
        }),
        policy: a.policy.choice(super::PolicyKind::Net, 1),
        remote: a.remote.options()?,
        music: !a.no_music,
        case: a.case,
        hour: a.hour,
    }))
}

/// This build has no window.
#[cfg(not(feature = "windowed"))]
pub(crate) fn run(_: PlayArgs) -> anyhow::Result<ExitCode> {
    eprintln!(
        "error: this build has no window (built without the `windowed` feature).\n{HEADLESS_HINT}"
    );
    Ok(ExitCode::from(2))
}
