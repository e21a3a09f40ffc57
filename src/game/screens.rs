//! Title, win and lose screens over the living village: `Enter` starts (or starts again), `Esc` on
//! an end screen quits. Starting again resets the case, the bread and every villager's trust and
//! feelings.

use bevy::prelude::*;

use super::chat::Gifts;
use super::mystery::Case;
use crate::brain::emotion::{Emotion, baseline};
use crate::brain::mind::{Profile, Trust};

/// Which screen the game is on.
#[derive(States, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Screen {
    #[default]
    Title,
    Playing,
    Won,
    Lost,
}

pub(super) fn plugin(app: &mut App) {
    app.init_state::<Screen>()
        .add_systems(OnEnter(Screen::Title), |c: Commands, case: Res<Case>| {
            overlay(c, Screen::Title, title_text(&case))
        })
        .add_systems(OnEnter(Screen::Won), |c: Commands, case: Res<Case>| {
            let text = format!(
                "The bell is found!\n\nYou named the thief with {} wrong accusation(s).\n\n\
                 Enter: play again    Esc: quit",
                case.wrong
            );
            overlay(c, Screen::Won, text)
        })
        .add_systems(OnEnter(Screen::Lost), |c: Commands| {
            let text = "The mayor has had enough of you.\n\nThe bell stays lost, and the thief \
                        walks free.\n\nEnter: play again    Esc: quit";
            overlay(c, Screen::Lost, text.into())
        })
        .add_systems(Update, leave_screen.run_if(not(in_state(Screen::Playing))));
}

fn title_text(case: &Case) -> String {
    match &case.config {
        Some(c) => format!(
            "{}\n\n{}\n\nWASD / arrows: walk    E: talk    Enter: say    Tab: give bread\n\
             Esc: leave a chat    F3: metrics\n\nPress Enter to begin",
            c.title, c.premise
        ),
        None => {
            "Millbrook\n\nWASD / arrows: walk    E: talk    F3: metrics\n\nPress Enter to begin"
                .into()
        }
    }
}

/// A dark panel with centred text, removed when the screen changes.
fn overlay(mut commands: Commands, screen: Screen, text: String) {
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

#[allow(clippy::too_many_arguments)]
fn leave_screen(
    keys: Res<ButtonInput<KeyCode>>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut case: ResMut<Case>,
    mut gifts: ResMut<Gifts>,
    mut villagers: Query<(&Profile, &mut Trust, &mut Emotion)>,
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
        case.reset();
        *gifts = Gifts::default();
        for (profile, mut trust, mut emotion) in &mut villagers {
            trust.0 = 0.0;
            *emotion = Emotion::at(baseline(&profile.0.temperament));
        }
    }
    next.set(Screen::Playing);
}
