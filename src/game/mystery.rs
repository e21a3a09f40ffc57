//! The mystery: the town bell was stolen and the player wins by naming the thief to the mayor.
//! A line typed to the mayor that accuses exactly one villager asks for confirmation (Y/N); a right
//! answer wins, too many wrong ones lose. Which villager is guilty, who judges and the lines said
//! come from `assets/mystery.ron`; the clues live in the villagers' own RON knowledge.

use bevy::prelude::*;

use super::chat::{ChatBox, ChatGate, LineTyped, type_line};
use super::screens::{NewGame, Screen, overlay};
use crate::brain::Inference;
use crate::brain::cast::ConfigErrorLog;
use crate::brain::talk::{PlayerSaid, Speech};
use crate::config::MysteryConfig;
use crate::inference::Lane;
use crate::world::components::Villager;

/// What a typed line means for the case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accusation {
    /// Not an accusation.
    None,
    /// Names this one villager as the thief.
    Suspect(String),
    /// Accuses, but names several villagers.
    Unclear,
}

const ACCUSING: [&str; 14] = [
    "accuse",
    "stole",
    "steal",
    "stolen",
    "thief",
    "culprit",
    "guilty",
    "took the bell",
    "took your bell",
    "has the bell",
    "has your bell",
    "did it",
    "it was",
    "responsible",
];
const DENYING: [&str; 6] = ["not ", "n't", "never", "innocent", "didn't", "wasn't"];

/// Reads `line` for an accusation of one of `names` (case-insensitive, whole words).
pub fn detect(line: &str, names: &[&str]) -> Accusation {
    let lower = line.to_lowercase();
    if !ACCUSING.iter().any(|k| lower.contains(k)) || DENYING.iter().any(|k| lower.contains(k)) {
        return Accusation::None;
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let named: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| words.contains(&n.to_lowercase().as_str()))
        .collect();
    match named.as_slice() {
        [] => Accusation::None,
        [one] => Accusation::Suspect(one.to_string()),
        _ => Accusation::Unclear,
    }
}

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
                (route_lines, confirm.after(type_line), end_after_verdict)
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
             Esc: leave a chat    F3: metrics\n\nPress Enter to begin",
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
             ({} wrong accusation(s) left)",
            judge.unwrap_or_default(),
            case.left()
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
    villagers: Query<&Villager>,
) {
    let names: Vec<&str> = villagers.iter().map(|v| v.name.as_str()).collect();
    for LineTyped { npc, text } in typed.read() {
        let to_judge = match (&case.config, villagers.get(*npc)) {
            (Some(c), Ok(v)) => v.name == c.judge,
            _ => false,
        };
        if to_judge && case.ending.is_none() {
            match detect(text, &names) {
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

/// Y confirms the pending accusation, N (or Esc) takes it back.
#[allow(clippy::too_many_arguments)]
fn confirm(
    keys: Res<ButtonInput<KeyCode>>,
    mut case: ResMut<Case>,
    chat: Res<ChatBox>,
    pool: Option<Res<Inference>>,
    mut judge: Query<(&Villager, Option<&mut Speech>)>,
    mut commands: Commands,
) {
    let Some(suspect) = case.pending.clone() else {
        return;
    };
    if keys.just_pressed(KeyCode::KeyN) || keys.just_pressed(KeyCode::Escape) {
        case.pending = None;
        return;
    }
    if !keys.just_pressed(KeyCode::KeyY) {
        return;
    }
    case.pending = None;
    let Some(config) = case.config.clone() else {
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
        && let Ok((v, speech)) = judge.get_mut(npc)
    {
        // The verdict replaces whatever the judge was saying.
        if let Some(pool) = &pool {
            pool.cancel(Lane::Dialogue, v.id);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 4] = ["Odo", "Greta", "Aldric", "Wren"];

    #[test]
    fn accusations_name_one_villager() {
        for line in [
            "I accuse Odo!",
            "odo stole your bell",
            "It was Odo, the miller.",
            "Mayor, the thief is ODO.",
            "I think Greta took the bell",
        ] {
            assert!(
                matches!(detect(line, &NAMES), Accusation::Suspect(_)),
                "{line}"
            );
        }
        assert_eq!(
            detect("odo stole it", &NAMES),
            Accusation::Suspect("Odo".into())
        );
        assert_eq!(detect("It was Greta or Odo", &NAMES), Accusation::Unclear);
    }

    #[test]
    fn questions_denials_and_chatter_are_not_accusations() {
        for line in [
            "Where is Odo?",
            "Hello Aldric, lovely day.",
            "Odo didn't steal it.",
            "Greta is not the thief",
            "Who stole the bell?",
            "",
            "Odometer stole nothing", // "Odo" only as part of a word
        ] {
            assert_eq!(detect(line, &NAMES), Accusation::None, "{line}");
        }
    }
}
