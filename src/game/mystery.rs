//! The case: something was stolen and the player wins by naming the thief to the judge. A line
//! typed to the judge that accuses exactly one villager asks for confirmation (Y/N); a right
//! answer wins, too many wrong ones lose. The case (`assets/cases/*.case.ron`) says who is guilty,
//! who judges, the lines said and what each villager knows in it; a new game picks one at random,
//! or the one `play --case` names.

use bevy::prelude::*;

use super::accusation::{Accusation, Named, detect};
use super::chat::{ChatBox, ChatGate, LineTyped, type_line};
use super::journal::{Journal, journal_text};
use super::screens::{NewGame, Screen};
use crate::brain::Inference;
use crate::brain::cast::PlayedCase;
use crate::brain::components::{Emotion, Profile};
use crate::brain::talk::{PlayerSaid, Speech};
use crate::config::CaseConfig;
use crate::inference::Lane;
use crate::world::components::Villager;

/// The state of the case.
#[derive(Resource, Debug, Default)]
pub(crate) struct Case {
    pub(crate) config: Option<CaseConfig>,
    /// Every case there is, to pick the next game's from.
    pub(crate) cases: Vec<CaseConfig>,
    /// The player named the case (`--case`): every new game plays it again.
    pub(crate) fixed: bool,
    pub(crate) wrong: u32,
    /// An accusation waiting for Y/N.
    pub(crate) pending: Option<String>,
    /// A short note for the chat line ("Name one villager").
    pub(crate) note: Option<String>,
    /// Seconds until the game ends after a verdict, and how it ends.
    ending: Option<(f32, Screen)>,
}

impl Case {
    /// The case `id` among `cases`, or one at random (none when there are no cases); an unknown
    /// id is an error that names the cases there are.
    pub(crate) fn choose(cases: Vec<CaseConfig>, id: Option<&str>) -> Result<Case, String> {
        let config = match id {
            Some(id) => Some(cases.iter().find(|c| c.id == id).cloned().ok_or_else(|| {
                let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
                format!("no case {id:?}; the cases are: {}", ids.join(", "))
            })?),
            None => random_pick(&cases, None),
        };
        Ok(Case {
            config,
            cases,
            fixed: id.is_some(),
            ..default()
        })
    }

    /// Wrong accusations still allowed.
    pub(crate) fn left(&self) -> u32 {
        self.config
            .as_ref()
            .map_or(0, |c| c.max_wrong.saturating_sub(self.wrong))
    }

    /// Starts a new game: the same case when the player named it, else another one at random.
    pub(crate) fn reset(&mut self) {
        let config = if self.fixed {
            self.config.take()
        } else {
            let now = self.config.as_ref().map(|c| c.id.as_str());
            random_pick(&self.cases, now).or_else(|| self.config.take())
        };
        *self = Case {
            config,
            cases: std::mem::take(&mut self.cases),
            fixed: self.fixed,
            ..default()
        };
    }

    /// Plays the case `id` (a loaded save's); an error when it is not installed.
    pub(crate) fn play(&mut self, id: &str) -> Result<(), String> {
        if self.config.as_ref().is_some_and(|c| c.id == id) {
            return Ok(());
        }
        let c = self
            .cases
            .iter()
            .find(|c| c.id == id)
            .cloned()
            .ok_or_else(|| format!("the save is from the case {id:?}, which is not installed"))?;
        self.config = Some(c);
        Ok(())
    }
}

/// A case at random (by the clock), other than `not` when there is another.
fn random_pick(cases: &[CaseConfig], not: Option<&str>) -> Option<CaseConfig> {
    let pool: Vec<&CaseConfig> = cases
        .iter()
        .filter(|c| Some(c.id.as_str()) != not)
        .collect();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as usize);
    pool.get(nanos % pool.len().max(1)).map(|c| (*c).clone())
}

/// Seconds the verdict stays on screen before the end screen.
const VERDICT_SECS: f32 = 4.0;

/// The game inserts [`Case`] and [`PlayedCase`] before this plugin (see `game::run`).
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Case>()
        .add_message::<AccuseAnswer>()
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
                play_case,
            )
                .chain(),
        );
}

/// The case the villagers play follows the case: after a new game or a loaded save.
fn play_case(case: Res<Case>, mut played: ResMut<PlayedCase>) {
    let id = |c: &Option<CaseConfig>| c.as_ref().map(|c| c.id.clone());
    if case.is_changed() && id(&case.config) != id(&played.0) {
        played.0 = case.config.clone();
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
            "Accuse {suspect} of {}, before {}? Y to accuse, N to take it back \
             ({} wrong accusation(s) left)\n\n{}",
            case.config
                .as_ref()
                .map_or("the crime", |c| c.crime.as_str()),
            judge.unwrap_or_default(),
            case.left(),
            journal_text(&journal, 6, 0)
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
pub(crate) struct AccuseAnswer(pub bool);

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
    let text = CaseConfig::say(line, &suspect, left);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_case_is_played_again_and_an_unknown_one_lists_the_cases() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cases");
        let (cases, _) = crate::config::case::load_cases(&[dir]);
        let e = Case::choose(cases.clone(), Some("nope")).unwrap_err();
        assert!(e.contains("stolen-bell"), "{e}");
        let mut fixed = Case::choose(cases.clone(), Some("harvest-bell")).unwrap();
        fixed.wrong = 2;
        fixed.reset();
        assert_eq!(fixed.config.as_ref().unwrap().id, "harvest-bell");
        assert_eq!(fixed.wrong, 0);
        // At random, a new game plays another case than the last.
        let mut any = Case::choose(cases, None).unwrap();
        let first = any.config.as_ref().unwrap().id.clone();
        any.reset();
        assert_ne!(any.config.as_ref().unwrap().id, first);
        assert!(any.play("no-such-case").is_err());
    }
}
