//! Talking in the window: the villager `E` would talk to is highlighted ([`TalkTarget`]); `E`
//! opens the chat, typed text goes to the chat line (never to the player's legs, not even just
//! after the villager walked off), `Enter` sends it, `Esc` or walking away closes the chat and stops
//! the reply. `Tab` gives the villager a loaf of bread (the player carries a few): a gift it feels,
//! thanks the player for in words, and trusts the player more for. A villager stops for a player
//! who comes to talk, and while talking, unless it flees. What is said is shown by
//! `conversation` (the panel) and `bubbles` (over the speaker).

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;

use super::screens::{NewGame, Screen};
use crate::brain::components::InConversation;
use crate::brain::emotion::{Experience, NpcExperienced};
use crate::brain::talk::PlayerGave;
use crate::decide::Action;
use crate::world::components::{CurrentAction, Player, Position, Villager};

/// How close the player must be to start talking, and how far before the chat closes.
const TALK_RANGE: f32 = 110.0;
const LEAVE_RANGE: f32 = 200.0;
/// Seconds typed keys still do not move the player after a chat closed by itself; each key typed
/// in that time starts it again (the player was still typing).
const TYPING_GRACE_SECS: f32 = 1.0;
/// Longest line the chat box takes.
const MAX_TYPED: usize = 200;

/// The open chat: who with, and what is typed so far.
#[derive(Resource, Default)]
pub(super) struct ChatBox {
    pub(crate) with: Option<Entity>,
    pub(crate) typed: String,
    /// Set on the frame the chat opens, so the `E` that opened it is not typed.
    just_opened: bool,
    /// Seconds left in which typed keys do not walk (see [`TYPING_GRACE_SECS`]).
    pub(crate) grace: f32,
    /// Why the last chat ended, when it was not the player's choice ("Hilda walked away").
    pub(crate) ended: Option<String>,
}

/// The villager `E` would talk to now (highlighted on screen), if any is in reach.
#[derive(Resource, Default, Debug, Clone, Copy, PartialEq)]
pub(super) struct TalkTarget(pub Option<Entity>);

/// Loaves of bread the player can still give away.
#[derive(Resource)]
pub(super) struct Gifts(pub u32);

impl Default for Gifts {
    fn default() -> Self {
        Gifts(3)
    }
}

/// What another part of the game needs the chat line to show: a question that blocks typing until
/// it is answered (the mystery's "accuse X? Y/N"), and a short note under the line.
#[derive(Resource, Default, Debug, Clone, PartialEq)]
pub(super) struct ChatGate {
    pub(crate) prompt: Option<String>,
    pub(crate) note: Option<String>,
}

/// The player pressed Enter on a line for `npc` (the mystery routes it on to the villager).
#[derive(Message, Clone, Debug)]
pub(super) struct LineTyped {
    pub(crate) npc: Entity,
    pub(crate) text: String,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ChatBox>()
        .init_resource::<Gifts>()
        .init_resource::<ChatGate>()
        .init_resource::<TalkTarget>()
        .add_message::<LineTyped>()
        .add_systems(
            Update,
            (
                (pick_target, open_or_close)
                    .chain()
                    .run_if(in_state(Screen::Playing)),
                type_line,
                refill_bread,
            )
                .chain(),
        )
        .add_systems(
            Update,
            attend
                .after(crate::NpcSystems::Apply)
                .before(crate::NpcSystems::Act),
        )
        .add_systems(OnExit(Screen::Playing), close_chat);
}

/// Starts talking to `npc` (the `E` key, or the autopilot).
pub(super) fn open_chat(commands: &mut Commands, chat: &mut ChatBox, npc: Entity) {
    commands.entity(npc).insert(InConversation);
    chat.with = Some(npc);
    chat.typed.clear();
    chat.just_opened = true;
    chat.ended = None;
}

/// Ends the chat: the villager is free again and its reply in progress stops. `why` is set when
/// the player did not choose to leave; then typed keys keep away from the player's legs a moment.
pub(super) fn end_chat(commands: &mut Commands, chat: &mut ChatBox, why: Option<String>) {
    if let Some(npc) = chat.with
        && let Ok(mut e) = commands.get_entity(npc)
    {
        e.remove::<InConversation>();
    }
    let grace = if why.is_some() {
        TYPING_GRACE_SECS
    } else {
        0.0
    };
    *chat = ChatBox {
        grace,
        ended: why,
        ..default()
    };
}

fn close_chat(mut chat: ResMut<ChatBox>, mut commands: Commands) {
    end_chat(&mut commands, &mut chat, None);
}

/// A new game: the player carries fresh bread again.
fn refill_bread(mut new_game: MessageReader<NewGame>, mut gifts: ResMut<Gifts>) {
    if new_game.read().count() > 0 {
        *gifts = Gifts::default();
    }
}

/// The villager `E` talks to, while no chat is open: the one highlighted stays so while it is in
/// reach, so that walking up to it through a crowd does not hand the highlight to whoever passes;
/// another takes it only when that one is much nearer ([`SWITCH_RATIO`]).
fn pick_target(
    chat: Res<ChatBox>,
    player: Query<&Position, With<Player>>,
    villagers: Query<(Entity, &Position), With<Villager>>,
    mut target: ResMut<TalkTarget>,
) {
    let next = match (chat.with, player.single()) {
        (None, Ok(me)) => {
            let in_reach: Vec<(Entity, f32)> = villagers
                .iter()
                .map(|(e, p)| (e, p.0.distance(me.0)))
                .filter(|(_, d)| *d <= TALK_RANGE)
                .collect();
            keep_or_switch(target.0, &in_reach)
        }
        _ => None,
    };
    target.set_if_neq(TalkTarget(next));
}

/// Another villager takes the highlight only when it is nearer than this share of the highlighted
/// one's distance.
const SWITCH_RATIO: f32 = 0.5;

/// The highlight after this frame: the current one while in reach unless another (`in_reach`:
/// villager and distance) is much nearer; else the nearest.
fn keep_or_switch<T: Copy + PartialEq>(current: Option<T>, in_reach: &[(T, f32)]) -> Option<T> {
    let nearest = in_reach.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
    let kept = current.and_then(|c| in_reach.iter().copied().find(|(e, _)| *e == c));
    match (kept, nearest) {
        (Some((_, d)), Some((n, dn))) if dn < SWITCH_RATIO * d => Some(n),
        (Some((c, _)), _) => Some(c),
        (None, n) => n.map(|(e, _)| e),
    }
}

#[allow(clippy::too_many_arguments)]
fn open_or_close(
    keys: Res<ButtonInput<KeyCode>>,
    time: Res<Time<Real>>,
    gate: Res<ChatGate>,
    target: Res<TalkTarget>,
    mut chat: ResMut<ChatBox>,
    mut commands: Commands,
    player: Query<&Position, With<Player>>,
    villagers: Query<(&Villager, &Position)>,
) {
    let Ok(me) = player.single() else { return };
    chat.grace = (chat.grace - time.delta_secs()).max(0.0);
    if let Some(npc) = chat.with {
        let gone = match villagers.get(npc) {
            Ok((v, p)) if p.0.distance(me.0) > LEAVE_RANGE => {
                Some(format!("{} walked away.", v.name))
            }
            Ok(_) => None,
            Err(_) => Some("The villager is gone.".into()),
        };
        // Esc first answers a pending question (see `mystery`), then closes the chat.
        if gone.is_some() {
            end_chat(&mut commands, &mut chat, gone);
        } else if keys.just_pressed(KeyCode::Escape) && gate.prompt.is_none() {
            end_chat(&mut commands, &mut chat, None);
        }
        return;
    }
    if keys.just_pressed(KeyCode::KeyE)
        && chat.grace <= 0.0
        && let Some(npc) = target.0
    {
        open_chat(&mut commands, &mut chat, npc);
    }
}

/// A villager the player comes to talk to, or talks with, stands still (it turns to the player
/// on screen); one that flees or keeps away from the player still does.
fn attend(
    chat: Res<ChatBox>,
    target: Res<TalkTarget>,
    mut q: Query<&mut CurrentAction, With<Villager>>,
) {
    for npc in [chat.with, target.0].into_iter().flatten() {
        if let Ok(mut action) = q.get_mut(npc)
            && !matches!(action.0, Action::Flee | Action::AvoidPlayer)
        {
            action.set_if_neq(CurrentAction(Action::Idle));
        }
    }
}

/// Gives `npc` a loaf if the player has one left (Tab, or the autopilot): it feels the gift and
/// thanks the player in words. False when the bread is gone.
pub(super) fn give_bread(
    npc: Entity,
    gifts: &mut Gifts,
    felt: &mut MessageWriter<NpcExperienced>,
    gave: &mut MessageWriter<PlayerGave>,
) -> bool {
    if gifts.0 == 0 {
        return false;
    }
    gifts.0 -= 1;
    felt.write(NpcExperienced {
        npc,
        experience: Experience::Gift,
    });
    gave.write(PlayerGave { npc });
    true
}

/// Typed keys go to the chat line while it is open (not while a question waits for Y/N).
pub(super) fn type_line(
    mut keys: MessageReader<KeyboardInput>,
    mut chat: ResMut<ChatBox>,
    gate: Res<ChatGate>,
    mut typed: MessageWriter<LineTyped>,
    mut gifts: ResMut<Gifts>,
    mut felt: MessageWriter<NpcExperienced>,
    mut gave: MessageWriter<PlayerGave>,
) {
    let Some(npc) = chat.with else {
        // Still typing after the chat closed by itself: keep the keys from walking a while longer.
        let typing = keys
            .read()
            .any(|k| k.state == ButtonState::Pressed && k.text.is_some());
        if typing && chat.grace > 0.0 {
            chat.grace = TYPING_GRACE_SECS;
        }
        return;
    };
    if std::mem::take(&mut chat.just_opened) || gate.prompt.is_some() {
        keys.clear();
        return;
    }
    for k in keys.read() {
        if k.state != ButtonState::Pressed {
            continue;
        }
        match &k.logical_key {
            Key::Enter => {
                let line = std::mem::take(&mut chat.typed);
                if !line.trim().is_empty() {
                    typed.write(LineTyped { npc, text: line });
                }
            }
            Key::Backspace => {
                chat.typed.pop();
            }
            Key::Tab => {
                give_bread(npc, &mut gifts, &mut felt, &mut gave);
            }
            Key::Escape => {}
            _ => {
                if let Some(text) = &k.text
                    && chat.typed.chars().count() < MAX_TYPED
                {
                    chat.typed.extend(text.chars().filter(|c| !c.is_control()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::keep_or_switch;

    #[test]
    fn the_highlight_stays_on_the_villager_walked_up_to() {
        // Nothing highlighted: the nearest.
        assert_eq!(keep_or_switch(None, &[(1, 80.0), (2, 60.0)]), Some(2));
        // Someone passes a little nearer: the highlight stays.
        assert_eq!(keep_or_switch(Some(1), &[(1, 80.0), (2, 60.0)]), Some(1));
        // Someone much nearer (in the player's way): it takes the highlight.
        assert_eq!(keep_or_switch(Some(1), &[(1, 100.0), (2, 30.0)]), Some(2));
        // The highlighted one left reach: the nearest of the rest, or none.
        assert_eq!(keep_or_switch(Some(1), &[(2, 90.0), (3, 70.0)]), Some(3));
        assert_eq!(keep_or_switch::<u8>(Some(1), &[]), None);
    }
}
