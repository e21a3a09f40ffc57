//! Which screen the game is on (title, playing, won, lost) and the overlay they are shown in:
//! `Enter` starts (or starts again), `Esc` on an end screen quits. Starting again is a [`NewGame`]
//! message that each part of the game handles itself; here, every villager's trust and feelings
//! are reset. What the screens say comes from the mystery (`mystery.rs`).

use bevy::prelude::*;

use crate::brain::components::{Emotion, Memories, Profile, Trust};
use crate::brain::emotion::baseline;
use crate::brain::talk::Speech;

/// Which screen the game is on.
#[derive(States, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) enum Screen {
    #[default]
    Title,
    Playing,
    Won,
    Lost,
}

/// A new game starts after an end screen: each plugin resets its own state.
#[derive(Message, Clone, Copy, Debug, Default)]
pub(crate) struct NewGame;

pub(super) fn plugin(app: &mut App) {
    app.init_state::<Screen>()
        .add_message::<NewGame>()
        .add_systems(Update, leave_screen.run_if(not(in_state(Screen::Playing))))
        .add_systems(Update, reset_villagers);
}

/// What a title or end screen shows, top to bottom: a heading, the case's title, the card's text
/// (the premise, or the case told back), the keys, and what to press next.
pub(super) struct Card {
    pub(crate) heading: String,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) keys: &'static [(&'static str, &'static str)],
    /// What to press next, under the keys (empty: the keys say it).
    pub(crate) next: String,
}

/// Gold for headings and the card's frame.
const GOLD: Color = Color::srgb(1.0, 0.84, 0.45);
/// The card's parchment-dark fill and the screen's night-blue veil over the village.
const CARD: Color = Color::srgb(0.11, 0.09, 0.07);
const VEIL: Color = Color::srgba(0.02, 0.03, 0.08, 0.9);

/// The screen: the village veiled, and over it, centred, the heading, the case's title, a framed
/// card with the text, the keys as labelled key caps, and what to press next. Removed when the
/// screen changes.
pub(super) fn overlay(mut commands: Commands, screen: Screen, card: Card) {
    let text = |t: String, size: f32, colour: Color| {
        (
            Text::new(t),
            TextFont::from_font_size(size),
            TextColor(colour),
            TextLayout::justify(Justify::Center),
        )
    };
    let root = commands
        .spawn((
            DespawnOnExit(screen),
            Node {
                width: percent(100.0),
                height: percent(100.0),
                position_type: PositionType::Absolute,
                flex_direction: FlexDirection::Column,
                justify_content: JustifyContent::Center,
                align_items: AlignItems::Center,
                row_gap: px(14.0),
                ..default()
            },
            BackgroundColor(VEIL),
            GlobalZIndex(10),
        ))
        .id();
    let heading = commands.spawn(text(card.heading, 54.0, GOLD)).id();
    let title = commands
        .spawn(text(card.title, 26.0, Color::srgb(0.95, 0.93, 0.88)))
        .id();
    let body = commands
        .spawn((
            Node {
                max_width: px(880.0),
                padding: UiRect::axes(px(22.0), px(16.0)),
                border: UiRect::all(px(2.0)),
                ..default()
            },
            BackgroundColor(CARD),
            BorderColor::all(GOLD.with_alpha(0.7)),
            children![(
                Text::new(card.body),
                TextFont::from_font_size(19.0),
                TextColor(Color::srgb(0.98, 0.94, 0.84)),
            )],
        ))
        .id();
    let keys = commands
        .spawn(Node {
            max_width: px(900.0),
            flex_wrap: FlexWrap::Wrap,
            justify_content: JustifyContent::Center,
            column_gap: px(18.0),
            row_gap: px(8.0),
            ..default()
        })
        .id();
    for (key, what) in card.keys {
        let cap = commands
            .spawn((
                Node {
                    align_items: AlignItems::Center,
                    column_gap: px(6.0),
                    ..default()
                },
                children![
                    (
                        Node {
                            padding: UiRect::axes(px(7.0), px(2.0)),
                            border: UiRect::all(px(1.0)),
                            ..default()
                        },
                        BackgroundColor(Color::srgb(0.16, 0.17, 0.22)),
                        BorderColor::all(Color::srgb(0.6, 0.6, 0.7)),
                        children![(
                            Text::new(*key),
                            TextFont::from_font_size(16.0),
                            TextColor(Color::WHITE),
                        )],
                    ),
                    (
                        Text::new(*what),
                        TextFont::from_font_size(16.0),
                        TextColor(Color::srgb(0.75, 0.77, 0.82)),
                    ),
                ],
            ))
            .id();
        commands.entity(keys).add_child(cap);
    }
    commands
        .entity(root)
        .add_children(&[heading, title, body, keys]);
    if !card.next.is_empty() {
        let next = commands
            .spawn(text(card.next, 22.0, Color::srgb(1.0, 0.95, 0.7)))
            .id();
        commands.entity(root).add_child(next);
    }
}

fn leave_screen(
    keys: Res<ButtonInput<KeyCode>>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut new_game: MessageWriter<NewGame>,
    mut exit: MessageWriter<AppExit>,
) {
    let ended = matches!(screen.get(), Screen::Won | Screen::Lost);
    if ended && keys.just_pressed(KeyCode::Escape) {
        exit.write(AppExit::Success);
        return;
    }
    if !keys.just_pressed(KeyCode::Enter) {
        return;
    }
    if ended {
        new_game.write(NewGame);
    }
    next.set(Screen::Playing);
}

/// A new game: every villager trusts the player as little as at first, feels as it did, and
/// remembers no conversation with the player (the next case may be another).
fn reset_villagers(
    mut new_game: MessageReader<NewGame>,
    mut villagers: Query<(Entity, &Profile, &mut Trust, &mut Emotion, Option<&Speech>)>,
    mut commands: Commands,
) {
    if new_game.read().count() == 0 {
        return;
    }
    for (e, profile, mut trust, mut emotion, speech) in &mut villagers {
        trust.0 = 0.0;
        *emotion = Emotion::at(baseline(&profile.0.temperament));
        // A newer generation, so that a reply still in flight does not land in the new game.
        let fresh = Speech {
            generation: speech.map_or(0, |s| s.generation) + 1,
            done: true,
            ..Speech::default()
        };
        commands.entity(e).insert(fresh).remove::<Memories>();
    }
}
