//! The conversation panel: on the right while a chat is open, both sides of it (the turns so far,
//! the reply streaming in or "..." while the villager thinks), the line being typed or the
//! accusation question, and the keys. With no chat open, a hint at the bottom says whom `E` would
//! talk to. Text is only laid out again when it changed.

use bevy::prelude::*;

use super::view::shown;

use super::chat::{ChatBox, ChatGate, Gifts, TalkTarget};
use super::screens::Screen;
use crate::brain::components::{Emotion, Profile, Trust};
use crate::brain::talk::Speech;
use crate::world::components::Villager;

/// Turns of the current chat the panel shows (the newest).
const TURNS_SHOWN: usize = 4;

#[derive(Component)]
struct Panel;

#[derive(Component, Clone, Copy, PartialEq, Eq)]
enum Part {
    Header,
    Turns,
    Input,
    Keys,
}

#[derive(Component)]
struct Hint;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn).add_systems(
        Update,
        (show_panel, show_hint).after(super::chat::type_line),
    );
}

fn spawn(mut commands: Commands) {
    let part = |p: Part, size: f32, colour: Color| {
        (
            p,
            Text::new(""),
            TextFont::from_font_size(size),
            TextColor(colour),
            Node {
                margin: UiRect::bottom(px(6.0)),
                ..default()
            },
        )
    };
    commands.spawn((
        Panel,
        super::view::Covers,
        Name::new("conversation"),
        Visibility::Hidden,
        Node {
            position_type: PositionType::Absolute,
            right: px(8.0),
            bottom: px(8.0),
            width: px(400.0),
            padding: UiRect::all(px(10.0)),
            flex_direction: FlexDirection::Column,
            border: UiRect::all(px(1.0)),
            ..default()
        },
        BackgroundColor(Color::srgb(0.05, 0.06, 0.1)),
        BorderColor::all(Color::srgba(0.8, 0.75, 0.6, 0.6)),
        GlobalZIndex(3),
        children![
            part(Part::Header, 17.0, Color::srgb(1.0, 0.9, 0.6)),
            part(Part::Turns, 15.0, Color::srgb(0.95, 0.95, 0.92)),
            part(Part::Input, 16.0, Color::srgb(0.7, 0.9, 1.0)),
            part(Part::Keys, 13.0, Color::srgb(0.7, 0.7, 0.75)),
        ],
    ));
    commands.spawn((
        Hint,
        super::view::Covers,
        Name::new("talk hint"),
        Text::new(""),
        TextFont::from_font_size(16.0),
        TextColor(Color::srgb(1.0, 0.95, 0.8)),
        BackgroundColor(Color::srgba(0.05, 0.06, 0.1, 0.75)),
        Node {
            position_type: PositionType::Absolute,
            bottom: px(8.0),
            left: px(8.0),
            padding: UiRect::axes(px(8.0), px(4.0)),
            ..default()
        },
        GlobalZIndex(3),
    ));
}

/// The turns of a chat as lines: "You: …" and "Hilda: …", the reply in progress last.
pub(super) fn turns_text(name: &str, speech: Option<&Speech>) -> String {
    let Some(s) = speech else {
        return format!("{name} is listening.");
    };
    let mut turns: Vec<(String, String)> = s.history.clone();
    let answered = s.done && turns.last().is_some_and(|(_, r)| *r == s.text);
    if !answered && !s.heard.is_empty() {
        let reply = if s.text.trim().is_empty() {
            "...".to_string()
        } else {
            s.text.clone()
        };
        turns.push((s.heard.clone(), reply));
    } else if !answered && !s.text.trim().is_empty() {
        // A reply to a gift or a verdict: no line of the player's.
        turns.push((String::new(), s.text.clone()));
    }
    let skip = turns.len().saturating_sub(TURNS_SHOWN);
    let mut out = Vec::new();
    for (you, them) in turns.into_iter().skip(skip) {
        if !you.is_empty() {
            out.push(format!("You: {you}"));
        }
        out.push(format!("{name}: {them}"));
    }
    if out.is_empty() {
        format!("{name} is listening.")
    } else {
        out.join("\n")
    }
}

#[allow(clippy::type_complexity)]
fn show_panel(
    chat: Res<ChatBox>,
    gate: Res<ChatGate>,
    gifts: Res<Gifts>,
    screen: Res<State<Screen>>,
    villagers: Query<(&Villager, &Profile, &Emotion, &Trust, Option<&Speech>)>,
    mut panel: Query<&mut Visibility, With<Panel>>,
    mut parts: Query<(&Part, &mut Text)>,
) {
    let open = chat
        .with
        .filter(|_| *screen.get() == Screen::Playing)
        .and_then(|e| villagers.get(e).ok());
    if let Ok(mut v) = panel.single_mut() {
        v.set_if_neq(shown(open.is_some()));
    }
    let Some((v, profile, emotion, trust, speech)) = open else {
        return;
    };
    for (part, mut text) in &mut parts {
        let shown = match part {
            Part::Header => format!(
                "{}, {}: {}, trust {:+.2}",
                v.name,
                profile.0.role,
                super::scene::feeling_text(emotion),
                trust.0
            ),
            Part::Turns => turns_text(&v.name, speech),
            Part::Input => match &gate.prompt {
                Some(question) => question.clone(),
                None => format!("> {}_", chat.typed),
            },
            Part::Keys => {
                let mut k = format!(
                    "Enter: say   Tab: give bread ({} left)   Esc: leave   F2: journal",
                    gifts.0
                );
                if let Some(n) = &gate.note {
                    k = format!("{n}\n{k}");
                }
                k
            }
        };
        if text.0 != shown {
            text.0 = shown;
        }
    }
}

fn show_hint(
    chat: Res<ChatBox>,
    target: Res<TalkTarget>,
    screen: Res<State<Screen>>,
    names: Query<&Villager>,
    mut hint: Query<(&mut Text, &mut Visibility), With<Hint>>,
) {
    let Ok((mut text, mut vis)) = hint.single_mut() else {
        return;
    };
    let line = match target.0.and_then(|e| names.get(e).ok()) {
        _ if chat.with.is_some() || *screen.get() != Screen::Playing => None,
        Some(v) => Some(format!("E: talk to {}", v.name)),
        None => Some(match &chat.ended {
            Some(why) => format!("{why}   Walk up to a villager to talk.   J: journal"),
            None => "Walk up to a villager to talk.   J: journal".into(),
        }),
    };
    vis.set_if_neq(shown(line.is_some()));
    if let Some(s) = line
        && text.0 != s
    {
        text.0 = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panel_shows_both_sides_and_thinking() {
        let mut s = Speech {
            heard: "Hello".into(),
            ..default()
        };
        assert_eq!(turns_text("Hilda", Some(&s)), "You: Hello\nHilda: ...");
        s.text = "Welcome, traveller.".into();
        s.done = true;
        s.history
            .push(("Hello".into(), "Welcome, traveller.".into()));
        assert_eq!(
            turns_text("Hilda", Some(&s)),
            "You: Hello\nHilda: Welcome, traveller."
        );
        let next = Speech {
            heard: "Any news?".into(),
            ..Speech::after(Some(&s))
        };
        assert_eq!(
            turns_text("Hilda", Some(&next)),
            "You: Hello\nHilda: Welcome, traveller.\nYou: Any news?\nHilda: ..."
        );
        assert_eq!(turns_text("Hilda", None), "Hilda is listening.");
    }
}
