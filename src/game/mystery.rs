//! The mystery: the town bell was stolen and the player wins by naming the thief to the mayor.
//! A line typed to the mayor that accuses exactly one villager asks for confirmation (Y/N); a right
//! answer wins, too many wrong ones lose. Which villager is guilty, who judges and the lines said
//! come from `assets/mystery.ron`; the clues live in the villagers' own RON knowledge.

use bevy::prelude::*;

use super::accusation::{Accusation, Named, detect};
use super::chat::{ChatBox, ChatGate, LineTyped, type_line};
use super::journal::{Journal, journal_text};
use super::screens::{NewGame, Screen, overlay};
use crate::brain::Inference;
use crate::brain::cast::ConfigErrorLog;
use crate::brain::components::{Emotion, Profile};
use crate::brain::talk::{PlayerSaid, Speech};
use crate::config::MysteryConfig;
use crate::inference::Lane;
use crate::world::components::Villager;

/// The state of the case.
#[derive(Resource, Debug, Default)]
pub struct Case {
    pub config: Option<MysteryConfig>,
    pub wrong: u32,
    /// An accusation waiting for Y/N.
    pub pending: Option<String>,
    /// A short note for the chat line ("Name one villager").
    pub note: Option<String>,
    /// Seconds until the game ends after a verdict, and how it ends.
    ending: Option<(f32, Screen)>,
}

impl Case {
    /// Wrong accusations still allowed.
    pub fn left(&self) -> u32 {
        self.config
            .as_ref()
            .map_or(0, |c| c.max_wrong.saturating_sub(self.wrong))
    }

    /// Starts the case afresh (keeps the config).
    pub fn reset(&mut self) {
        *self = Case {
            config: self.config.take(),
            ..default()
        };
    }
}

/// Seconds the verdict stays on screen before the end screen.
const VERDICT_SECS: f32 = 4.0;

pub(super) fn plugin(app: &mut App) {
    // Loaded while the app is built: the title screen (shown before `Startup`) tells the premise.
    let path = super::asset_root()
        .unwrap_or_else(|| "assets".into())
        .join("mystery.ron");
    let mut case = Case::default();
    let mut problem = None;
    match MysteryConfig::load(&path) {
        Ok(c) => case.config = Some(c),
        Err(e) => {
            warn!("no mystery this time: {e}");
            problem = Some((path.display().to_string(), e.to_string()));
        }
    }
    app.insert_resource(case)
        .add_message::<AccuseAnswer>()
        .add_systems(Startup, move |mut errors: ResMut<ConfigErrorLog>| {
            errors.errors.extend(problem.clone());
        })
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
        .add_systems(
            Update,
            (
                // After the chat line has read this frame's keys, so Y/N are not typed into it.
                (
                    route_lines,
                    answer_keys.after(type_line),
                    confirm,
                    end_after_verdict,
                )
                    .chain()
                    .run_if(in_state(Screen::Playing)),
                publish_gate,
                start_again,
            )
                .chain(),
        );
}

fn title_text(case: &Case) -> String {
    match &case.config {
        Some(c) => format!(
            "{}\n\n{}\n\nWASD / arrows: walk    E: talk    Enter: say    Tab: give bread\n\
             J: clue journal    Esc: leave a chat    F1: help    F3: metrics\n\
             Music: M mute    + / - volume    L like    K skip\n\n\
             Press Enter to begin",
            c.title, c.premise
        ),
        None => {
            "Millbrook\n\nWASD / arrows: walk    E: talk    F3: metrics\n\nPress Enter to begin"
                .into()
        }
    }
}

/// Tells the chat line what the case needs from it: a pending accusation blocks typing and is
/// shown instead; a note ("name one villager") is shown under the line.
fn publish_gate(
    case: Res<Case>,
    journal: Res<Journal>,
    chat: Res<ChatBox>,
    names: Query<&Villager>,
    mut gate: ResMut<ChatGate>,
) {
    let judge = chat
        .with
        .and_then(|e| names.get(e).ok())
        .map(|v| v.name.clone());
    let prompt = case.pending.as_ref().map(|suspect| {
        format!(
            "Accuse {suspect} of stealing the bell, before {}? Y to accuse, N to take it back \
             ({} wrong accusation(s) left)\n\n{}",
            judge.unwrap_or_default(),
            case.left(),
            journal_text(&journal, 8)
        )
    });
    let next = ChatGate {
        prompt,
        note: case.note.clone(),
    };
    if *gate != next {
        *gate = next;
    }
}

/// A new game: the case starts afresh.
fn start_again(mut new_game: MessageReader<NewGame>, mut case: ResMut<Case>) {
    if new_game.read().count() > 0 {
        case.reset();
    }
}

/// Typed lines go to the villager, except an accusation made to the judge, which waits for Y/N.
fn route_lines(
    mut typed: MessageReader<LineTyped>,
    mut said: MessageWriter<PlayerSaid>,
    mut case: ResMut<Case>,
    villagers: Query<(&Villager, &Profile)>,
) {
    let cast: Vec<Named> = villagers
        .iter()
        .map(|(v, p)| Named {
            name: &v.name,
            role: &p.0.role,
        })
        .collect();
    for LineTyped { npc, text } in typed.read() {
        let judge = match (&case.config, villagers.get(*npc)) {
            (Some(c), Ok((v, _))) if v.name == c.judge => Some(c.judge.clone()),
            _ => None,
        };
        if let Some(judge) = judge
            && case.ending.is_none()
        {
            match detect(text, &cast, &judge) {
                Accusation::Suspect(s) => {
                    case.pending = Some(s);
                    case.note = None;
                    continue;
                }
                Accusation::Unclear => {
                    case.note = Some("To accuse, name one villager.".into());
                }
                Accusation::None => case.note = None,
            }
        }
        said.write(PlayerSaid {
            npc: *npc,
            text: text.clone(),
        });
    }
}

/// The player's answer to "accuse X?": Y (true) or N / Esc (false). The autopilot answers too.
#[derive(Message, Clone, Copy, Debug)]
pub struct AccuseAnswer(pub bool);

fn answer_keys(
    keys: Res<ButtonInput<KeyCode>>,
    case: Res<Case>,
    mut answer: MessageWriter<AccuseAnswer>,
) {
    if case.pending.is_none() {
        return;
    }
    if keys.just_pressed(KeyCode::KeyY) {
        answer.write(AccuseAnswer(true));
    } else if keys.just_pressed(KeyCode::KeyN) || keys.just_pressed(KeyCode::Escape) {
        answer.write(AccuseAnswer(false));
    }
}

/// How the judge feels after a verdict: relieved and glad when the thief is named, angry at a
/// slander (the line said and the ring shown agree).
const GLAD: [f32; 3] = [0.8, 0.5, 0.4];
const CROSS: [f32; 3] = [-0.6, 0.6, 0.5];

/// Y confirms the pending accusation, N (or Esc) takes it back.
fn confirm(
    mut answers: MessageReader<AccuseAnswer>,
    mut case: ResMut<Case>,
    chat: Res<ChatBox>,
    pool: Option<Res<Inference>>,
    mut judge: Query<(&Villager, &mut Emotion, Option<&mut Speech>)>,
    mut commands: Commands,
) {
    let Some(AccuseAnswer(yes)) = answers.read().last().copied() else {
        return;
    };
    let Some(suspect) = case.pending.take() else {
        return;
    };
    let Some(config) = case.config.clone().filter(|_| yes) else {
        return;
    };
    let right = suspect.eq_ignore_ascii_case(&config.culprit);
    if !right {
        case.wrong += 1;
    }
    let left = case.left();
    let (line, end) = match (right, left) {
        (true, _) => (&config.win_line, Some(Screen::Won)),
        (false, 0) => (&config.lose_line, Some(Screen::Lost)),
        (false, _) => (&config.wrong_line, None),
    };
    let text = MysteryConfig::say(line, &suspect, left);
    if let Some(npc) = chat.with
        && let Ok((v, mut emotion, speech)) = judge.get_mut(npc)
    {
        // The verdict replaces whatever the judge was saying.
        if let Some(pool) = &pool {
            pool.cancel(Lane::Dialogue, v.id);
        }
        *emotion = Emotion::at(if right { GLAD } else { CROSS });
        let next = Speech {
            text,
            done: true,
            ..Speech::after(speech.as_deref())
        };
        match speech {
            Some(mut s) => *s = next,
            None => {
                commands.entity(npc).insert(next);
            }
        }
    }
    case.ending = end.map(|s| (VERDICT_SECS, s));
}

fn end_after_verdict(time: Res<Time>, mut case: ResMut<Case>, mut next: ResMut<NextState<Screen>>) {
    if let Some((secs, screen)) = case.ending.as_mut() {
        *secs -= time.delta_secs();
        if *secs <= 0.0 {
            next.set(screen.clone());
            case.ending = None;
        }
    }
}
