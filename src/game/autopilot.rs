//! `play --autopilot`: the game plays itself for CI and screenshots. It walks to the nearest
//! villager, stands a moment (the frame log's baseline), opens the chat, says a line, waits for the
//! streamed reply, lingers so the bubble shows,
//! takes a screenshot and exits 0 only if the villager really replied (not a fallback line) and
//! the screenshot is not blank; otherwise, or when the frame limit comes first, it exits 1 and says
//! why.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::window::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

use super::chat::{ChatBox, LineTyped, open_chat};
use super::screens::Screen;
use crate::brain::talk::Speech;
use crate::world::components::{Player, Position, Villager};

/// What the autopilot says.
const LINE: &str = "Good morning! Did you see anything strange the night the bell was stolen?";
/// How close it walks before talking.
const NEAR: f32 = 45.0;
/// Frames the reply stays on screen before the screenshot.
const LINGER_FRAMES: u32 = 40;
/// Frames it stands next to the villager before talking: the frame log's quiet baseline.
const BASELINE_FRAMES: u32 = 150;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Walk,
    Baseline(u32),
    Talk,
    Wait,
    Linger(u32),
    Shoot,
    Done,
}

/// The autopilot's settings and progress.
#[derive(Resource)]
pub(super) struct Autopilot {
    limit: u64,
    shot: PathBuf,
    phase: Phase,
    frames: u64,
    target: Option<Entity>,
    reply: Option<(String, String, bool)>,
    /// Whether the captured screenshot had more than a few colours.
    not_blank: Option<bool>,
}

impl Autopilot {
    pub fn new(limit: u64, shot: PathBuf) -> Self {
        Autopilot {
            limit,
            shot,
            phase: Phase::Walk,
            frames: 0,
            target: None,
            reply: None,
            not_blank: None,
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, |mut next: ResMut<NextState<Screen>>| {
        next.set(Screen::Playing)
    })
    .add_systems(Update, drive.run_if(in_state(Screen::Playing)))
    // Before `Last`, where the frame log prints its summary on exit.
    .add_systems(PostUpdate, finish);
}

/// Counts distinct colours in a sample of the pixels: a blank frame has one or two.
fn colours(data: &[u8]) -> usize {
    let mut seen = std::collections::HashSet::new();
    for px in data.chunks_exact(4).step_by(97) {
        seen.insert([px[0], px[1], px[2]]);
        if seen.len() > 64 {
            break;
        }
    }
    seen.len()
}

fn on_captured(shot: On<ScreenshotCaptured>, mut ap: ResMut<Autopilot>) {
    let n = shot.image.data.as_deref().map_or(0, colours);
    ap.not_blank = Some(n > 8);
}

#[allow(clippy::too_many_arguments)]
fn drive(
    time: Res<Time>,
    mut ap: ResMut<Autopilot>,
    mut chat: ResMut<ChatBox>,
    mut typed: MessageWriter<LineTyped>,
    mut commands: Commands,
    mut player: Query<&mut Position, (With<Player>, Without<Villager>)>,
    villagers: Query<(Entity, &Villager, &Position, Option<&Speech>)>,
) {
    let Ok(mut me) = player.single_mut() else {
        return;
    };
    if ap.target.is_none() {
        ap.target = villagers
            .iter()
            .min_by(|a, b| a.2.0.distance(me.0).total_cmp(&b.2.0.distance(me.0)))
            .map(|(e, ..)| e);
    }
    let Some((npc, v, at, speech)) = ap.target.and_then(|e| villagers.get(e).ok()) else {
        return;
    };
    // Walk towards the villager (and keep up with it while waiting).
    if me.0.distance(at.0) > NEAR {
        let step = (at.0 - me.0).clamp_length_max(180.0 * time.delta_secs());
        me.0 += step;
    }
    match ap.phase {
        Phase::Walk if me.0.distance(at.0) <= NEAR => ap.phase = Phase::Baseline(BASELINE_FRAMES),
        Phase::Baseline(0) => ap.phase = Phase::Talk,
        Phase::Baseline(n) => ap.phase = Phase::Baseline(n - 1),
        Phase::Talk => {
            open_chat(&mut commands, &mut chat, npc);
            typed.write(LineTyped {
                npc,
                text: LINE.into(),
            });
            info!("autopilot: said to {}: {LINE}", v.name);
            ap.phase = Phase::Wait;
        }
        Phase::Wait => {
            if let Some(s) = speech
                && s.done
                && s.heard == LINE
                && !s.text.trim().is_empty()
            {
                ap.reply = Some((v.name.clone(), s.text.clone(), s.fallback));
                ap.phase = Phase::Linger(LINGER_FRAMES);
            }
        }
        Phase::Linger(0) => {
            commands
                .spawn(Screenshot::primary_window())
                .observe(save_to_disk(ap.shot.clone()))
                .observe(on_captured);
            ap.phase = Phase::Shoot;
        }
        Phase::Linger(n) => ap.phase = Phase::Linger(n - 1),
        _ => {}
    }
}

fn finish(mut ap: ResMut<Autopilot>, mut exit: MessageWriter<AppExit>) {
    if ap.phase == Phase::Done {
        return;
    }
    ap.frames += 1;
    let verdict = match (ap.phase, ap.not_blank, &ap.reply) {
        (Phase::Shoot, Some(not_blank), Some((name, text, fallback))) => {
            println!("autopilot: {name} replied: {text}");
            if *fallback {
                Some(Err(format!(
                    "{name} answered from its fallback lines: the dialogue model did not reply"
                )))
            } else if !not_blank {
                Some(Err(format!(
                    "the screenshot {} is blank",
                    ap.shot.display()
                )))
            } else {
                Some(Ok(()))
            }
        }
        _ if ap.frames >= ap.limit => Some(Err(format!(
            "no reply and screenshot within {} frames (stopped while {:?})",
            ap.limit, ap.phase
        ))),
        _ => None,
    };
    let Some(verdict) = verdict else { return };
    ap.phase = Phase::Done;
    match verdict {
        Ok(()) => {
            println!("autopilot: ok, screenshot in {}", ap.shot.display());
            exit.write(AppExit::Success);
        }
        Err(why) => {
            eprintln!("autopilot failed: {why}");
            exit.write(AppExit::error());
        }
    }
}
