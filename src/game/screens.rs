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

/// A dark panel with centred text, removed when the screen changes.
pub(super) fn overlay(mut commands: Commands, screen: Screen, text: String) {
    commands.spawn((
        DespawnOnExit(screen),
        Node {
            width: percent(100.0),
            height: percent(100.0),
            position_type: PositionType::Absolute,
            justify_content: JustifyContent::Center,
            align_items: AlignItems::Center,
            ..default()
        },
        BackgroundColor(Color::srgba(0.02, 0.03, 0.08, 0.92)),
        GlobalZIndex(10),
        children![(
            Text::new(text),
            TextFont::from_font_size(22.0),
            TextLayout::justify(Justify::Center),
            Node {
                max_width: px(900.0),
                ..default()
            },
        )],
    ));
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
