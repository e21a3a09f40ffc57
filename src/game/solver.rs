//! `play --autopilot solve`: plays the mystery as a patient, kind player would. It visits the
//! villagers nearest first, greets each and asks about the night of the theft, about its workplace
//! and about odd behaviour; when a villager hints that it knows more than it says ("I might know a
//! thing or two..."), it first confronts it with the journal's clue from another villager that bears
//! most on what was said (evidence can open what trust does not), then gives bread (while it has
//! some) and says something kind, and asks again. After each visit it reads
//! the journal. When the journal points clearly at one villager (or everyone has been asked) it walks
//! to the judge, accuses the journal's lead, confirms, and succeeds on the win screen. It knows
//! only what a player sees: names, trades and workplaces, who judges, and the journal; never the
//! mystery's answer.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::autopilot::{Autopilot, LINGER_FRAMES, walk_to};
use super::chat::{ChatBox, Gifts, LineTyped, end_chat, give_bread, open_chat};
use super::journal::{Clue, Journal, Suspect, clear_lead};
use super::mystery::{AccuseAnswer, Case};
use super::screens::Screen;
use super::stages::{Heard, Said, Stage, after_reply};
use super::visit::{bearing, evidence, questions};
use crate::brain::components::Profile;
use crate::brain::emotion::NpcExperienced;
use crate::brain::talk::{PlayerGave, Speech};
use crate::decide::talk::Move;
use crate::world::components::{Player, Position, Villager};

/// Seconds (real) it waits for one reply before moving on.
const REPLY_TIMEOUT_SECS: f32 = 90.0;

/// Said after the villager thanked it for bread, before asking again: kindness earns trust.
const KIND: &str = "You are very kind, thank you. I am glad to help the village.";

#[derive(Resource)]
struct Solver {
    stage: Stage,
    visited: Vec<Entity>,
    /// Villagers given bread.
    fed: Vec<Entity>,
    /// Suspects accused wrongly (not accused again).
    cleared: Vec<String>,
    /// The clues cited on this visit, and every clue cited so far (once per citation).
    evidence: Vec<Clue>,
    cited: Vec<String>,
    /// What was said on this visit, both ways, and the clues cited on it.
    heard: Vec<String>,
    cited_here: Vec<String>,
}

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(Solver {
        stage: Stage::Choose,
        visited: Vec::new(),
        fed: Vec::new(),
        cleared: Vec::new(),
        evidence: Vec::new(),
        cited: Vec::new(),
        heard: Vec::new(),
        cited_here: Vec::new(),
    })
    .add_systems(
        Update,
        (drive.run_if(in_state(Screen::Playing)), watch_end).chain(),
    );
}

/// What the autopilot does with its hands: talk, give bread, answer the judge.
#[derive(SystemParam)]
struct Hands<'w, 's> {
    chat: ResMut<'w, ChatBox>,
    gifts: ResMut<'w, Gifts>,
    typed: MessageWriter<'w, LineTyped>,
    felt: MessageWriter<'w, NpcExperienced>,
    gave: MessageWriter<'w, PlayerGave>,
    answer: MessageWriter<'w, AccuseAnswer>,
    commands: Commands<'w, 's>,
}

impl Hands<'_, '_> {
    /// Says `text` to `npc`.
    fn say(&mut self, npc: Entity, text: String) {
        self.typed.write(LineTyped { npc, text });
    }
}

type Villagers<'w, 's> = Query<
    'w,
    's,
    (
        Entity,
        &'static Villager,
        &'static Profile,
        &'static Position,
        Option<&'static Speech>,
    ),
>;

/// What the autopilot sees: the journal and the villagers.
#[derive(SystemParam)]
struct Sight<'w, 's> {
    journal: Res<'w, Journal>,
    villagers: Villagers<'w, 's>,
}

/// The villager a stage is with, as the autopilot sees it.
struct Visiting<'a> {
    npc: Entity,
    name: &'a str,
    work: &'a str,
    speech: Option<&'a Speech>,
    /// The speech's generation now: a reply is one newer than this.
    generation: u32,
}

/// One step of the autopilot per frame: the stage it is in decides what it does next.
fn drive(
    time: Res<Time<Real>>,
    mut solver: ResMut<Solver>,
    mut ap: ResMut<Autopilot>,
    mut case: ResMut<Case>,
    mut hands: Hands,
    mut player: Query<&mut Position, (With<Player>, Without<Villager>)>,
    sight: Sight,
) {
    let (journal, villagers) = (&*sight.journal, &sight.villagers);
    let Ok(mut me) = player.single_mut() else {
        return;
    };
    let dt = time.delta_secs();
    let judge_name = case
        .config
        .as_ref()
        .map(|c| c.judge.clone())
        .unwrap_or_default();
    let solver = &mut *solver;
    let stage = solver.stage.clone();
    // A stage with one villager: walk with them while it lasts; choose again if they left.
    if let Some(npc) = stage.villager() {
        let Ok((_, v, p, at, speech)) = villagers.get(npc) else {
            solver.stage = Stage::Choose;
            return;
        };
        let near = walk_to(&mut me, at.0, dt);
        let with = Visiting {
            npc,
            name: &v.name,
            work: &p.0.work,
            speech,
            generation: speech.map_or(0, |s| s.generation),
        };
        solver.stage = with_villager(solver, &mut hands, journal, stage, &with, near, dt);
        return;
    }
    solver.stage = match stage {
        // The cast is still loading.
        Stage::Choose if villagers.is_empty() => Stage::Choose,
        Stage::Choose => choose(solver, &mut ap, journal, villagers, &judge_name, me.0),
        Stage::Accuse(judge, suspect) => {
            let Ok((_, v, _, at, _)) = villagers.get(judge) else {
                ap.shooting = Some(Err(format!("the judge {judge_name} is gone")));
                solver.stage = Stage::Done;
                return;
            };
            if !walk_to(&mut me, at.0, dt) {
                return;
            }
            if hands.chat.with != Some(judge) {
                open_chat(&mut hands.commands, &mut hands.chat, judge);
            }
            let line = format!("{}, I accuse {suspect} of stealing the bell.", v.name);
            info!("autopilot: {line}");
            hands.say(judge, line);
            Stage::Confirm(suspect, 0.0)
        }
        Stage::Confirm(suspect, waited) => {
            confirm(solver, &mut ap, &mut case, &mut hands, suspect, waited + dt)
        }
        // A wrong verdict (the game goes on): try the journal's next lead.
        Stage::Verdict if case.wrong as usize >= solver.cleared.len() && case.pending.is_none() => {
            Stage::Choose
        }
        other => other,
    };
}

/// The next villager to visit (nearest first, the judge last), or the judge when the journal
/// points clearly at one suspect; done when everyone was asked and it points at no one.
fn choose(
    solver: &mut Solver,
    ap: &mut Autopilot,
    journal: &Journal,
    villagers: &Villagers,
    judge_name: &str,
    me: Vec2,
) -> Stage {
    let judge = villagers
        .iter()
        .find(|(_, v, ..)| v.name == judge_name)
        .map(|(e, ..)| e);
    // The judge hears the accusation; it is not a suspect.
    let cast: Vec<Suspect> = villagers
        .iter()
        .filter(|(_, v, ..)| v.name != judge_name)
        .map(|(_, v, p, ..)| Suspect {
            name: v.name.clone(),
            role: p.0.role.clone(),
            work: p.0.work.clone(),
        })
        .collect();
    let left: Vec<_> = villagers
        .iter()
        .filter(|(e, ..)| !solver.visited.contains(e))
        .collect();
    // The judge is a witness too, but is asked last.
    let next = left
        .iter()
        .filter(|(e, ..)| Some(*e) != judge || left.len() == 1)
        .min_by(|a, b| a.3.0.distance(me).total_cmp(&b.3.0.distance(me)));
    let lead = clear_lead(journal, &cast, &solver.cleared, next.is_none());
    match (lead, next, judge) {
        (Some(suspect), _, Some(j)) => {
            info!("autopilot: the journal points at {suspect}");
            Stage::Accuse(j, suspect)
        }
        (None, Some((e, v, ..)), _) => {
            info!("autopilot: visiting {}", v.name);
            Stage::Approach(*e)
        }
        _ => {
            ap.shooting = Some(Err(format!(
                "everyone was asked and the journal points at no one ({} clue(s))",
                journal.clues.len()
            )));
            Stage::Done
        }
    }
}

/// A step of a visit: arrive and open the chat, ask, cite, praise, give bread, or wait for the
/// reply (`near`: the autopilot stands by the villager).
fn with_villager(
    solver: &mut Solver,
    hands: &mut Hands,
    journal: &Journal,
    stage: Stage,
    with: &Visiting,
    near: bool,
    dt: f32,
) -> Stage {
    let npc = with.npc;
    match stage {
        Stage::Approach(_) if !near => stage,
        Stage::Approach(_) => {
            open_chat(&mut hands.commands, &mut hands.chat, npc);
            solver.visited.push(npc);
            solver.evidence = evidence(journal, with.name, &solver.cited);
            let texts: Vec<String> = solver.evidence.iter().map(|c| c.text.clone()).collect();
            solver.cited.extend(texts.clone());
            solver.cited_here = texts;
            solver.heard.clear();
            Stage::Next(npc, 0)
        }
        Stage::Next(_, i) | Stage::Reask(_, i) => {
            let fed = matches!(stage, Stage::Reask(..));
            match questions(with.work, &solver.evidence).get(i) {
                None => {
                    end_chat(&mut hands.commands, &mut hands.chat, None);
                    Stage::Choose
                }
                Some(q) => {
                    info!("autopilot: said to {}: {q}", with.name);
                    solver.heard.push(q.clone());
                    hands.say(npc, q.clone());
                    Stage::Await(npc, Said::Question(i, fed), with.generation, 0.0)
                }
            }
        }
        Stage::Cite(_, i, n, clue) => {
            let line = format!("{} told me this: {}", clue.speaker, clue.text);
            info!("autopilot: confronts {} with evidence: {line}", with.name);
            solver.cited.push(clue.text.clone());
            solver.cited_here.push(clue.text);
            hands.say(npc, line);
            Stage::Await(npc, Said::Cited(i, n), with.generation, 0.0)
        }
        Stage::Praise(_, i) => {
            info!("autopilot: said to {}: {KIND}", with.name);
            hands.say(npc, KIND.into());
            Stage::Await(npc, Said::Kind(i), with.generation, 0.0)
        }
        Stage::Feed(_, i) => {
            give_bread(npc, &mut hands.gifts, &mut hands.felt, &mut hands.gave);
            solver.fed.push(npc);
            info!("autopilot: gave {} bread", with.name);
            Stage::Await(npc, Said::Bread(i), with.generation, 0.0)
        }
        Stage::Await(_, said, sent_at, waited) => {
            let reply = with.speech.filter(|s| s.generation > sent_at && s.done);
            match (reply, said) {
                (Some(s), _) => heard_reply(solver, hands, journal, with, said, s),
                (
                    None,
                    Said::Question(i, _) | Said::Bread(i) | Said::Kind(i) | Said::Cited(i, _),
                ) if waited > REPLY_TIMEOUT_SECS => {
                    warn!("autopilot: {} did not answer in time", with.name);
                    Stage::Next(npc, i + 1)
                }
                (None, _) => Stage::Await(npc, said, sent_at, waited + dt),
            }
        }
        other => other,
    }
}

/// The villager answered what was `said`: print it, and decide what follows (see
/// [`after_reply`]).
fn heard_reply(
    solver: &mut Solver,
    hands: &Hands,
    journal: &Journal,
    with: &Visiting,
    said: Said,
    s: &Speech,
) -> Stage {
    let how = s.record.as_ref().map_or(String::new(), |r| {
        format!(
            " [{} rejected, model's first token {:.2} s]",
            r.rejections.len(),
            r.speed.first_token_secs
        )
    });
    println!("autopilot: {} said: {}{how}", with.name, s.text);
    solver.heard.push(s.text.clone());
    let opened = matches!(said, Said::Cited(..))
        && s.record
            .as_ref()
            .is_some_and(|r| r.unlocked.iter().any(|k| r.conveyed.contains(k)));
    if opened {
        println!(
            "autopilot: the evidence opened what {} held back",
            with.name
        );
    }
    // "I might know more": a hint that trust is short.
    let heard = Heard {
        hinted: s
            .record
            .as_ref()
            .is_some_and(|r| matches!(r.plan.mv, Move::Hint(_))),
        opened,
        can_feed: hands.gifts.0 > 0 && !solver.fed.contains(&with.npc),
    };
    let context = solver.heard.join(" ");
    after_reply(with.npc, said, heard, || {
        bearing(
            journal,
            with.name,
            &context,
            &solver.cited,
            &solver.cited_here,
        )
    })
}

/// Accused `suspect`: confirm when the judge asks, fail when it refuses or never asks.
fn confirm(
    solver: &mut Solver,
    ap: &mut Autopilot,
    case: &mut Case,
    hands: &mut Hands,
    suspect: String,
    waited: f32,
) -> Stage {
    if case.pending.as_deref() == Some(suspect.as_str()) {
        hands.answer.write(AccuseAnswer(true));
        println!("autopilot: accused {suspect}");
        solver.cleared.push(suspect);
        Stage::Verdict
    } else if case.note.is_some() {
        ap.shooting = Some(Err(format!(
            "the judge did not take the accusation of {suspect}: {:?}",
            case.note.take()
        )));
        Stage::Done
    } else if waited > REPLY_TIMEOUT_SECS {
        ap.shooting = Some(Err(format!(
            "the judge never asked to confirm the accusation of {suspect}"
        )));
        Stage::Done
    } else {
        Stage::Confirm(suspect, waited)
    }
}

/// The end screens: a win lingers, then the screenshot; a loss fails.
fn watch_end(
    screen: Res<State<Screen>>,
    mut solver: ResMut<Solver>,
    mut ap: ResMut<Autopilot>,
    mut commands: Commands,
) {
    match (screen.get(), solver.stage.clone()) {
        (Screen::Won, Stage::Verdict) => solver.stage = Stage::Linger(LINGER_FRAMES),
        (Screen::Won, Stage::Linger(0)) => {
            ap.shoot(&mut commands, Ok("the mystery is solved".into()));
            solver.stage = Stage::Done;
        }
        (Screen::Won, Stage::Linger(n)) => solver.stage = Stage::Linger(n - 1),
        (Screen::Lost, _) => {
            ap.shooting = Some(Err("the mystery was lost".into()));
            solver.stage = Stage::Done;
        }
        _ => {}
    }
}
