//! The mystery: the town bell was stolen and the player wins by naming the thief to the mayor.
//! A line typed to the mayor that accuses exactly one villager asks for confirmation (Y/N); a right
//! answer wins, too many wrong ones lose. Which villager is guilty, who judges and the lines said
//! come from `assets/mystery.ron`; the clues live in the villagers' own RON knowledge.

use std::path::Path;

use bevy::prelude::*;
use serde::Deserialize;

use super::chat::{ChatBox, LineTyped, type_line};
use super::screens::Screen;
use crate::brain::Inference;
use crate::brain::talk::{PlayerSaid, Speech};
use crate::inference::Lane;
use crate::world::components::Villager;

/// `assets/mystery.ron`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MysteryConfig {
    pub title: String,
    pub premise: String,
    /// Name of the guilty villager.
    pub culprit: String,
    /// Name of the villager who hears accusations.
    pub judge: String,
    /// Wrong accusations before the game is lost.
    pub max_wrong: u32,
    pub win_line: String,
    pub wrong_line: String,
    pub lose_line: String,
}

impl MysteryConfig {
    /// Reads and checks the file; the message names the file and the problem.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let c: MysteryConfig =
            ron::from_str(&text).map_err(|e| format!("{}:{e}", path.display()))?;
        if c.max_wrong == 0 || c.culprit.trim().is_empty() || c.judge.trim().is_empty() {
            return Err(format!(
                "{}: culprit and judge must be named and max_wrong at least 1",
                path.display()
            ));
        }
        Ok(c)
    }

    fn say(line: &str, suspect: &str, left: u32) -> String {
        line.replace("{suspect}", suspect)
            .replace("{left}", &left.to_string())
    }
}

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
            problem = Some((path.display().to_string(), e));
        }
    }
    app.insert_resource(case)
        .add_systems(
            Startup,
            move |mut errors: ResMut<crate::config::cast::ConfigErrorLog>| {
                errors.errors.extend(problem.clone());
            },
        )
        .add_systems(
            Update,
            // After the chat line has read this frame's keys, so Y/N are not typed into it.
            (route_lines, confirm.after(type_line), end_after_verdict)
                .run_if(in_state(Screen::Playing)),
        );
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
            pool.0.cancel(Lane::Dialogue, v.id);
        }
        let next = Speech {
            text,
            done: true,
            generation: speech.as_ref().map_or(0, |s| s.generation) + 1,
            history: speech
                .as_ref()
                .map(|s| s.history.clone())
                .unwrap_or_default(),
            ..default()
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

    #[test]
    fn the_shipped_mystery_loads() {
        let c = MysteryConfig::load("assets/mystery.ron".as_ref()).unwrap();
        assert_eq!((c.culprit.as_str(), c.judge.as_str()), ("Odo", "Aldric"));
        assert!(MysteryConfig::say(&c.wrong_line, "Wren", 2).contains("Wren"));
        let err = MysteryConfig::load("no/such/mystery.ron".as_ref()).unwrap_err();
        assert!(err.contains("no/such/mystery.ron"));
    }
}
