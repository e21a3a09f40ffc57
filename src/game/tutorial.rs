//! The first minute: five short steps (walk, talk, bread, journal, accuse), each done by doing
//! it, shown once per player (a marker file in the settings folder remembers), `F1` to skip or to
//! see it again.

use std::path::PathBuf;

use bevy::prelude::*;

use super::view::{GAP, TOP, shown};

use super::chat::{ChatBox, LineTyped};
use super::journal::JournalOpen;
use super::screens::Screen;
use crate::brain::talk::PlayerGave;
use crate::world::components::{Player, Position};

/// The steps, in order.
const STEPS: [&str; 5] = [
    "Walk with WASD or the arrow keys.",
    "Walk up to a villager (a yellow marker shows who) and press E to talk. Type a line, Enter \
     to say it.",
    "Tab gives the villager a loaf of bread: kindness and bread earn trust, and trust opens \
     mouths.",
    "Press J (F2 in a chat) for your journal: every clue a villager tells you is written there.",
    "When you know who did it, tell the mayor: \"I accuse ...\", naming one villager. Good \
     luck!",
];

/// Where the tutorial stands: the step shown, or none.
#[derive(Resource, Debug)]
pub(super) struct Tutorial {
    pub(crate) step: Option<usize>,
    start: Option<Vec2>,
    /// Seconds the step shown has been on screen.
    shown_secs: f32,
}

/// Seconds the last step stays before it ends by itself (it asks nothing of the player).
const LAST_STEP_SECS: f32 = 12.0;

/// The settings folder: `NPC_MINDS_CONFIG`, else `$XDG_CONFIG_HOME/npc-minds`, else
/// `~/.config/npc-minds`.
fn settings_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("NPC_MINDS_CONFIG") {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("npc-minds"))
}

fn seen_marker() -> Option<PathBuf> {
    settings_dir().map(|d| d.join("tutorial-seen"))
}

/// Remembers that the player has seen the tutorial (a failure only costs seeing it again).
fn remember_seen() {
    let Some(path) = seen_marker() else { return };
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&path, "done\n"));
    if let Err(e) = written {
        warn!(
            "could not remember the tutorial as seen in {}: {e}",
            path.display()
        );
    }
}

impl Tutorial {
    /// From the first step, unless this player has seen it before.
    pub(crate) fn first_time() -> Self {
        let seen = seen_marker().is_some_and(|p| p.exists());
        Tutorial {
            step: (!seen).then_some(0),
            start: None,
            shown_secs: 0.0,
        }
    }

    /// Not shown (the autopilot).
    pub(crate) fn off() -> Self {
        Tutorial {
            step: None,
            start: None,
            shown_secs: 0.0,
        }
    }

    /// Moves past `step` when it is the one shown; after the last, it is done for good.
    fn done(&mut self, step: usize) {
        if self.step == Some(step) {
            self.step = (step + 1 < STEPS.len()).then_some(step + 1);
            self.shown_secs = 0.0;
            if self.step.is_none() {
                remember_seen();
            }
        }
    }
}

#[derive(Component)]
struct TutorialText;

pub(super) fn plugin(app: &mut App) {
    if !app.world().contains_resource::<Tutorial>() {
        app.insert_resource(Tutorial::first_time());
    }
    app.add_systems(Startup, spawn)
        .add_systems(Update, (advance, show).chain());
}

fn spawn(mut commands: Commands) {
    commands.spawn((
        TutorialText,
        super::view::Stacked { hud: false },
        super::view::Covers,
        Name::new("tutorial"),
        Visibility::Hidden,
        Text::new(""),
        TextFont::from_font_size(17.0),
        TextColor(Color::srgb(1.0, 0.97, 0.85)),
        TextLayout::justify(Justify::Center),
        BackgroundColor(Color::srgb(0.1, 0.2, 0.15)),
        Node {
            position_type: PositionType::Absolute,
            top: px(TOP),
            left: percent(22.0),
            width: percent(56.0),
            padding: UiRect::all(px(10.0)),
            ..default()
        },
        GlobalZIndex(6),
    ));
}

#[allow(clippy::too_many_arguments)]
fn advance(
    time: Res<Time>,
    keys: Res<ButtonInput<KeyCode>>,
    screen: Res<State<Screen>>,
    chat: Res<ChatBox>,
    journal: Res<JournalOpen>,
    mut lines: MessageReader<LineTyped>,
    mut gifts: MessageReader<PlayerGave>,
    player: Query<&Position, With<Player>>,
    mut tut: ResMut<Tutorial>,
) {
    let said = lines.read().count() > 0;
    let gave = gifts.read().count() > 0;
    if *screen.get() != Screen::Playing {
        return;
    }
    if keys.just_pressed(KeyCode::F1) {
        if tut.step.is_some() {
            tut.step = None;
            remember_seen();
        } else {
            tut.step = Some(0);
        }
        return;
    }
    let Some(step) = tut.step else { return };
    tut.shown_secs += time.delta_secs();
    let moved = match (player.single(), tut.start) {
        (Ok(p), Some(s)) => p.0.distance(s) > 60.0,
        (Ok(p), None) => {
            tut.start = Some(p.0);
            false
        }
        _ => false,
    };
    let finished = match step {
        0 => moved,
        1 => said || (chat.with.is_some() && keys.just_pressed(KeyCode::Enter)),
        2 => gave,
        3 => journal.0,
        _ => {
            (keys.just_pressed(KeyCode::Enter) && chat.with.is_none())
                || tut.shown_secs >= LAST_STEP_SECS
        }
    };
    if finished {
        tut.done(step);
    }
}

fn show(
    tut: Res<Tutorial>,
    journal: Res<JournalOpen>,
    screen: Res<State<Screen>>,
    hud: Query<(&ComputedNode, &UiGlobalTransform), With<super::hud::HudText>>,
    mut q: Query<(&mut Text, &mut Visibility, &mut Node), With<TutorialText>>,
) {
    let Ok((mut text, mut vis, mut node)) = q.single_mut() else {
        return;
    };
    // Never over the HUD: with F3's metrics it grows down the screen.
    if let Ok((computed, at)) = hud.single() {
        let bottom = super::view::bottom_of(computed, at);
        let top = px(TOP.max(bottom + GAP));
        if node.top != top {
            node.top = top;
        }
    }
    // The journal opens where the tutorial stands: it steps aside meanwhile.
    let step = tut
        .step
        .filter(|_| *screen.get() == Screen::Playing && !journal.0);
    vis.set_if_neq(shown(step.is_some()));
    if let Some(i) = step {
        let shown = format!(
            "Tutorial {}/{}: {}\n(F1: skip)",
            i + 1,
            STEPS.len(),
            STEPS[i]
        );
        if text.0 != shown {
            text.0 = shown;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_go_in_order_and_finish() {
        let mut t = Tutorial {
            step: Some(0),
            start: None,
            shown_secs: 0.0,
        };
        t.done(2); // not the step shown: nothing happens
        assert_eq!(t.step, Some(0));
        for i in 0..STEPS.len() - 1 {
            t.done(i);
            assert_eq!(t.step, Some(i + 1));
        }
        // The last step: done (remembering it writes under a throwaway folder).
        let dir = std::env::temp_dir().join(format!("npc-minds-tut-{}", std::process::id()));
        // SAFETY: this test is the only one that sets NPC_MINDS_CONFIG.
        unsafe { std::env::set_var("NPC_MINDS_CONFIG", &dir) };
        t.done(STEPS.len() - 1);
        assert_eq!(t.step, None);
        assert!(dir.join("tutorial-seen").exists());
        assert_eq!(
            Tutorial::first_time().step,
            None,
            "seen once, not shown again"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
