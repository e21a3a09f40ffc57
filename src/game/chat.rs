//! Talking in the window: `E` near a villager opens a chat line at the bottom, typed text goes there
//! (not to the player's legs), `Enter` sends it, the reply streams into a bubble above the villager,
//! `Esc` or walking away closes the chat and stops the reply. `Tab` gives the villager a loaf of
//! bread (the player carries a few): a gift it feels, thanks the player for in words, and trusts
//! the player more for.

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;

use super::screens::{NewGame, Screen};
use crate::brain::components::InConversation;
use crate::brain::emotion::{Experience, NpcExperienced};
use crate::brain::talk::{PlayerGave, Speech};
use crate::world::components::{Player, Position, Villager};

/// How close the player must be to start talking, and how far before the chat closes.
const TALK_RANGE: f32 = 70.0;
const LEAVE_RANGE: f32 = 160.0;
/// Longest line the chat box takes.
const MAX_TYPED: usize = 200;

/// The open chat: who with, and what is typed so far.
#[derive(Resource, Default)]
pub(super) struct ChatBox {
    pub with: Option<Entity>,
    pub typed: String,
    /// Set on the frame the chat opens, so the `E` that opened it is not typed.
    just_opened: bool,
}

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
    pub prompt: Option<String>,
    pub note: Option<String>,
}

/// The player pressed Enter on a line for `npc` (the mystery routes it on to the villager).
#[derive(Message, Clone, Debug)]
pub(super) struct LineTyped {
    pub npc: Entity,
    pub text: String,
}

#[derive(Component)]
struct ChatLine;

/// A speech bubble and the seconds since its text last changed.
#[derive(Component, Default)]
struct Bubble {
    idle: f32,
}

/// Bubbles of villagers no longer talking fade after this many seconds without new text.
const BUBBLE_SECS: f32 = 8.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ChatBox>()
        .init_resource::<Gifts>()
        .init_resource::<ChatGate>()
        .add_message::<LineTyped>()
        .add_systems(Startup, spawn_chat_line)
        .add_systems(
            Update,
            (
                open_or_close.run_if(in_state(Screen::Playing)),
                type_line,
                show_chat,
                show_bubbles,
                fade_bubbles,
                refill_bread,
            )
                .chain(),
        )
        .add_systems(OnExit(Screen::Playing), close_chat);
}

/// Starts talking to `npc` (the `E` key, or the autopilot).
pub(super) fn open_chat(commands: &mut Commands, chat: &mut ChatBox, npc: Entity) {
    commands.entity(npc).insert(InConversation);
    chat.with = Some(npc);
    chat.typed.clear();
    chat.just_opened = true;
}

/// Ends the chat: the villager is free again and its reply in progress stops.
fn end_chat(commands: &mut Commands, chat: &mut ChatBox) {
    if let Some(npc) = chat.with
        && let Ok(mut e) = commands.get_entity(npc)
    {
        e.remove::<InConversation>();
    }
    *chat = ChatBox::default();
}

fn close_chat(mut chat: ResMut<ChatBox>, mut commands: Commands) {
    end_chat(&mut commands, &mut chat);
}

/// A new game: the player carries fresh bread again.
fn refill_bread(mut new_game: MessageReader<NewGame>, mut gifts: ResMut<Gifts>) {
    if new_game.read().count() > 0 {
        *gifts = Gifts::default();
    }
}

fn spawn_chat_line(mut commands: Commands) {
    commands.spawn((
        ChatLine,
        Text::new(""),
        TextFont::from_font_size(18.0),
        BackgroundColor(Color::srgba(0.0, 0.0, 0.0, 0.55)),
        Node {
            position_type: PositionType::Absolute,
            bottom: px(36.0),
            left: px(8.0),
            padding: UiRect::axes(px(6.0), px(3.0)),
            ..default()
        },
    ));
}

fn open_or_close(
    keys: Res<ButtonInput<KeyCode>>,
    gate: Res<ChatGate>,
    mut chat: ResMut<ChatBox>,
    mut commands: Commands,
    player: Query<&Position, With<Player>>,
    villagers: Query<(Entity, &Position), With<Villager>>,
) {
    let Ok(me) = player.single() else { return };
    if let Some(npc) = chat.with {
        let gone = villagers
            .get(npc)
            .map_or(true, |(_, p)| p.0.distance(me.0) > LEAVE_RANGE);
        // Esc first answers a pending question (see `mystery`), then closes the chat.
        if (keys.just_pressed(KeyCode::Escape) && gate.prompt.is_none()) || gone {
            end_chat(&mut commands, &mut chat);
        }
        return;
    }
    if keys.just_pressed(KeyCode::KeyE)
        && let Some((npc, _)) = villagers
            .iter()
            .filter(|(_, p)| p.0.distance(me.0) <= TALK_RANGE)
            .min_by(|a, b| a.1.0.distance(me.0).total_cmp(&b.1.0.distance(me.0)))
    {
        open_chat(&mut commands, &mut chat, npc);
    }
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
        keys.clear();
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
                if gifts.0 > 0 {
                    gifts.0 -= 1;
                    felt.write(NpcExperienced {
                        npc,
                        experience: Experience::Gift,
                    });
                    gave.write(PlayerGave { npc });
                }
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

fn show_chat(
    chat: Res<ChatBox>,
    gifts: Res<Gifts>,
    gate: Res<ChatGate>,
    screen: Res<State<Screen>>,
    names: Query<&Villager>,
    mut line: Query<&mut Text, With<ChatLine>>,
) {
    let Ok(mut text) = line.single_mut() else {
        return;
    };
    let shown = match (chat.with.and_then(|e| names.get(e).ok()), &gate.prompt) {
        _ if *screen.get() != Screen::Playing => String::new(),
        (Some(_), Some(question)) => question.clone(),
        (Some(v), None) => format!(
            "To {}: {}_   (Enter to say, Tab to give bread [{} left], Esc to leave){}",
            v.name,
            chat.typed,
            gifts.0,
            gate.note
                .as_ref()
                .map_or(String::new(), |n| format!("\n{n}"))
        ),
        (None, _) => "E near a villager to talk".into(),
    };
    if text.0 != shown {
        text.0 = shown;
    }
}

/// A speech bubble above each villager who has something to say.
/// While a reply streams, its bubble is laid out again at most this often (text layout is the
/// costly part of a frame that shows a growing reply).
const BUBBLE_REFRESH_SECS: f32 = 0.25;

fn show_bubbles(
    mut commands: Commands,
    speakers: Query<(Entity, &Speech, Option<&Children>), Changed<Speech>>,
    mut bubbles: Query<(&mut Text2d, &mut Bubble)>,
) {
    for (npc, speech, children) in &speakers {
        let existing = children.and_then(|c| c.iter().find(|c| bubbles.contains(*c)));
        match existing.and_then(|b| bubbles.get_mut(b).ok()) {
            Some((mut t, mut bubble)) => {
                if speech.done || bubble.idle >= BUBBLE_REFRESH_SECS {
                    let shown = wrap(&speech.text, 38);
                    if t.0 != shown {
                        t.0 = shown;
                    }
                    bubble.idle = 0.0;
                }
            }
            None => {
                commands.entity(npc).with_child((
                    Bubble::default(),
                    Text2d::new(wrap(&speech.text, 38)),
                    TextFont::from_font_size(14.0),
                    TextColor(Color::srgb(1.0, 1.0, 0.85)),
                    Transform::from_xyz(0.0, 46.0, 20.0),
                ));
            }
        }
    }
}

/// Removes bubbles that said their piece a while ago, unless the player is still in that chat.
fn fade_bubbles(
    time: Res<Time>,
    mut commands: Commands,
    mut bubbles: Query<(Entity, &ChildOf, &mut Bubble)>,
    talking: Query<(), With<InConversation>>,
) {
    for (e, parent, mut bubble) in &mut bubbles {
        bubble.idle += time.delta_secs();
        if bubble.idle > BUBBLE_SECS && !talking.contains(parent.parent()) {
            commands.entity(e).despawn();
        }
    }
}

/// Breaks text into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in text.split_whitespace() {
        if col > 0 && col + word.chars().count() >= width {
            out.push('\n');
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.chars().count();
    }
    out
}
