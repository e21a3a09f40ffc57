//! `play --autopilot`: the game plays itself for CI and screenshots.
//!
//! - `talk` (plain `--autopilot`): walks to the nearest villager, stands a moment (the frame log's
//!   baseline), says a line, waits for the streamed reply, lingers so the bubble shows, takes the
//!   screenshot; exits 0 only if the villager really replied (not a fallback line) and the
//!   screenshot is not blank.
//! - `solve`: plays the whole mystery (see `solver`) and exits 0 only on the win screen.
//!
//! Otherwise, or when the frame limit comes first, it exits 1 and says why. At exit it prints the
//! journal's clues; the frame log prints the frame and reply figures.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::window::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

use super::chat::{ChatBox, LineTyped, open_chat};
use super::journal::Journal;
use super::screens::Screen;
use super::walls::WalksRound;
use crate::brain::talk::Speech;
use crate::world::components::{Player, Position, Villager};

/// What the autopilot does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AutopilotMode {
    /// Talk to the nearest villager once (a quick check).
    Talk,
    /// Solve the mystery from the clue journal.
    Solve,
    /// Put the screen in its busiest states and check that no panel covers another.
    Layout,
}

/// What the quick check says.
const LINE: &str = "Good morning! Did you see anything strange the night the bell was stolen?";
/// How close it walks before talking.
pub(super) const NEAR: f32 = 60.0;
/// The player's walking speed (as with the keys).
pub(super) const WALK: f32 = 180.0;
/// Frames the reply stays on screen before the screenshot.
pub(super) const LINGER_FRAMES: u32 = 40;
/// Frames it stands next to the villager before talking: the frame log's quiet baseline.
const BASELINE_FRAMES: u32 = 150;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Walk,
    Baseline(u32),
    Talk,
    Wait,
    Linger(u32),
}

/// How a run ended: `Ok` with what to report, or why it failed.
pub(super) type Verdict = Result<String, String>;

/// The autopilot's settings and progress.
#[derive(Resource)]
pub(super) struct Autopilot {
    limit: u64,
    shot: PathBuf,
    frames: u64,
    /// Set once the screenshot is asked for: what to report if it turns out not blank.
    pub(crate) shooting: Option<Verdict>,
    /// Whether the captured screenshot had more than a few colours.
    not_blank: Option<bool>,
    done: bool,
    quick: Quick,
}

/// The quick check's state.
struct Quick {
    phase: Phase,
    target: Option<Entity>,
}

impl Autopilot {
    pub(crate) fn new(limit: u64, shot: PathBuf) -> Self {
        Autopilot {
            limit,
            shot,
            frames: 0,
            shooting: None,
            not_blank: None,
            done: false,
            quick: Quick {
                phase: Phase::Walk,
                target: None,
            },
        }
    }

    /// Takes the screenshot; `verdict` is reported once it is captured.
    pub(crate) fn shoot(&mut self, commands: &mut Commands, verdict: Verdict) {
        if self.shooting.is_some() {
            return;
        }
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(self.shot.clone()))
            .observe(on_captured);
        self.shooting = Some(verdict);
    }
}

pub(super) fn plugin(mode: AutopilotMode) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.add_systems(Startup, |mut next: ResMut<NextState<Screen>>| {
            next.set(Screen::Playing)
        })
        // Before `Last`, where the frame log prints its summary on exit.
        .add_systems(PostUpdate, finish)
        .add_systems(Update, walk_round);
        // `solve` is driven by the solver's plugin (added next to this one).
        if mode == AutopilotMode::Talk {
            app.add_systems(Update, drive.run_if(in_state(Screen::Playing)));
        }
    }
}

/// The autopilot's player goes round walls as villagers do (it walks straight at its villager).
fn walk_round(mut commands: Commands, player: Query<Entity, (With<Player>, Without<WalksRound>)>) {
    for e in &player {
        commands.entity(e).insert(WalksRound);
    }
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

/// Moves `me` towards `to` at walking speed until within [`NEAR`]; true once there.
pub(super) fn walk_to(me: &mut Position, to: Vec2, dt: f32) -> bool {
    if me.0.distance(to) > NEAR {
        let step = (to - me.0).clamp_length_max(WALK * dt);
        me.0 += step;
    }
    me.0.distance(to) <= NEAR
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
    if ap.quick.target.is_none() {
        ap.quick.target = villagers
            .iter()
            .min_by(|a, b| a.2.0.distance(me.0).total_cmp(&b.2.0.distance(me.0)))
            .map(|(e, ..)| e);
    }
    let Some((npc, v, at, speech)) = ap.quick.target.and_then(|e| villagers.get(e).ok()) else {
        return;
    };
    // Walk towards the villager (and keep up with it while waiting).
    let near = walk_to(&mut me, at.0, time.delta_secs());
    match ap.quick.phase {
        Phase::Walk if near => ap.quick.phase = Phase::Baseline(BASELINE_FRAMES),
        Phase::Baseline(0) => ap.quick.phase = Phase::Talk,
        Phase::Baseline(n) => ap.quick.phase = Phase::Baseline(n - 1),
        Phase::Talk => {
            open_chat(&mut commands, &mut chat, npc);
            typed.write(LineTyped {
                npc,
                text: LINE.into(),
            });
            info!("autopilot: said to {}: {LINE}", v.name);
            ap.quick.phase = Phase::Wait;
        }
        Phase::Wait => {
            if let Some(s) = speech
                && s.done
                && s.heard == LINE
                && !s.text.trim().is_empty()
            {
                println!("autopilot: {} replied: {}", v.name, s.text);
                if let Some(r) = &s.record {
                    println!(
                        "autopilot: the reply came from {:?} after {} rejected attempt(s) {:?}; \
                         {} tokens, model's first token {:.2} s",
                        r.source,
                        r.rejections.len(),
                        r.rejections,
                        r.speed.tokens,
                        r.speed.first_token_secs
                    );
                }
                if s.fallback {
                    let why = format!(
                        "{} answered from its fallback lines: the dialogue model did not reply",
                        v.name
                    );
                    ap.shooting = Some(Err(why));
                } else {
                    ap.quick.phase = Phase::Linger(LINGER_FRAMES);
                }
            }
        }
        Phase::Linger(0) => {
            let ok = format!("{} replied", v.name);
            ap.shoot(&mut commands, Ok(ok));
        }
        Phase::Linger(n) => ap.quick.phase = Phase::Linger(n - 1),
        _ => {}
    }
}

fn finish(mut ap: ResMut<Autopilot>, journal: Res<Journal>, mut exit: MessageWriter<AppExit>) {
    if ap.done {
        return;
    }
    ap.frames += 1;
    let verdict = match (&ap.shooting, ap.not_blank) {
        (Some(Err(why)), _) => Some(Err(why.clone())),
        (Some(Ok(_)), Some(false)) => Some(Err(format!(
            "the screenshot {} is blank",
            ap.shot.display()
        ))),
        (Some(Ok(what)), Some(true)) => Some(Ok(what.clone())),
        _ if ap.frames >= ap.limit => Some(Err(format!("not finished within {} frames", ap.limit))),
        _ => None,
    };
    let Some(verdict) = verdict else { return };
    ap.done = true;
    println!(
        "autopilot: the journal holds {} clue(s)",
        journal.clues.len()
    );
    for c in &journal.clues {
        println!("  {}", c.line());
    }
    match verdict {
        Ok(what) => {
            println!(
                "autopilot: ok ({what}), screenshot in {}",
                ap.shot.display()
            );
            exit.write(AppExit::Success);
        }
        Err(why) => {
            eprintln!("autopilot failed: {why}");
            exit.write(AppExit::error());
        }
    }
}
