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

#[allow(clippy::too_many_arguments)]
fn drive(
    time: Res<Time<Real>>,
    mut solver: ResMut<Solver>,
    mut ap: ResMut<Autopilot>,
    mut chat: ResMut<ChatBox>,
    mut gifts: ResMut<Gifts>,
    mut case: ResMut<Case>,
    journal: Res<Journal>,
    mut typed: MessageWriter<LineTyped>,
    mut felt: MessageWriter<NpcExperienced>,
    mut gave: MessageWriter<PlayerGave>,
    mut answer: MessageWriter<AccuseAnswer>,
    mut commands: Commands,
    mut player: Query<&mut Position, (With<Player>, Without<Villager>)>,
    villagers: Query<(Entity, &Villager, &Profile, &Position, Option<&Speech>)>,
) {
    let Ok(mut me) = player.single_mut() else {
        return;
    };
    let dt = time.delta_secs();
    let judge_name = case
        .config
        .as_ref()
        .map(|c| c.judge.clone())
        .unwrap_or_default();
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
    let stage = solver.stage.clone();
    match stage {
        // The cast is still loading.
        Stage::Choose if villagers.is_empty() => {}
        Stage::Choose => {
            let left: Vec<_> = villagers
                .iter()
                .filter(|(e, ..)| !solver.visited.contains(e))
                .collect();
            // The judge is a witness too, but is asked last.
            let next = left
                .iter()
                .filter(|(e, ..)| Some(*e) != judge || left.len() == 1)
                .min_by(|a, b| a.3.0.distance(me.0).total_cmp(&b.3.0.distance(me.0)));
            let lead = clear_lead(&journal, &cast, &solver.cleared, next.is_none());
            solver.stage = match (lead, next, judge) {
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
            };
        }
        Stage::Approach(npc) => {
            let Ok((_, v, _, at, _)) = villagers.get(npc) else {
                solver.stage = Stage::Choose;
                return;
            };
            if walk_to(&mut me, at.0, dt) {
                open_chat(&mut commands, &mut chat, npc);
                solver.visited.push(npc);
                solver.evidence = evidence(&journal, &v.name, &solver.cited);
                let texts: Vec<String> = solver.evidence.iter().map(|c| c.text.clone()).collect();
                solver.cited.extend(texts.clone());
                solver.cited_here = texts;
                solver.heard.clear();
                solver.stage = Stage::Next(npc, 0);
            }
        }
        Stage::Next(npc, i) | Stage::Reask(npc, i) => {
            let Ok((_, v, p, at, speech)) = villagers.get(npc) else {
                solver.stage = Stage::Choose;
                return;
            };
            walk_to(&mut me, at.0, dt);
            let generation = speech.map_or(0, |s| s.generation);
            let fed = matches!(stage, Stage::Reask(..));
            solver.stage = match questions(&p.0.work, &solver.evidence).get(i) {
                None => {
                    end_chat(&mut commands, &mut chat, None);
                    Stage::Choose
                }
                Some(q) => {
                    info!("autopilot: said to {}: {q}", v.name);
                    solver.heard.push(q.clone());
                    typed.write(LineTyped {
                        npc,
                        text: q.clone(),
                    });
                    Stage::Await(npc, Said::Question(i, fed), generation, 0.0)
                }
            };
        }
        Stage::Cite(npc, i, n, clue) => {
            let Ok((_, v, _, _, speech)) = villagers.get(npc) else {
                solver.stage = Stage::Choose;
                return;
            };
            let generation = speech.map_or(0, |s| s.generation);
            let line = format!("{} told me this: {}", clue.speaker, clue.text);
            info!("autopilot: confronts {} with evidence: {line}", v.name);
            solver.cited.push(clue.text.clone());
            solver.cited_here.push(clue.text);
            typed.write(LineTyped { npc, text: line });
            solver.stage = Stage::Await(npc, Said::Cited(i, n), generation, 0.0);
        }
        Stage::Praise(npc, i) => {
            let Ok((_, v, _, _, speech)) = villagers.get(npc) else {
                solver.stage = Stage::Choose;
                return;
            };
            let generation = speech.map_or(0, |s| s.generation);
            info!("autopilot: said to {}: {KIND}", v.name);
            typed.write(LineTyped {
                npc,
                text: KIND.into(),
            });
            solver.stage = Stage::Await(npc, Said::Kind(i), generation, 0.0);
        }
        Stage::Feed(npc, i) => {
            let Ok((_, v, _, _, speech)) = villagers.get(npc) else {
                solver.stage = Stage::Choose;
                return;
            };
            let generation = speech.map_or(0, |s| s.generation);
            give_bread(npc, &mut gifts, &mut felt, &mut gave);
            solver.fed.push(npc);
            info!("autopilot: gave {} bread", v.name);
            solver.stage = Stage::Await(npc, Said::Bread(i), generation, 0.0);
        }
        Stage::Await(npc, said, sent_at, waited) => {
            let Ok((_, v, _, at, speech)) = villagers.get(npc) else {
                solver.stage = Stage::Choose;
                return;
            };
            walk_to(&mut me, at.0, dt);
            let reply = speech.filter(|s| s.generation > sent_at && s.done);
            solver.stage = match (reply, said) {
                (Some(s), _) => {
                    let how = s.record.as_ref().map_or(String::new(), |r| {
                        format!(
                            " [{} rejected, model's first token {:.2} s]",
                            r.rejections.len(),
                            r.speed.first_token_secs
                        )
                    });
                    println!("autopilot: {} said: {}{how}", v.name, s.text);
                    solver.heard.push(s.text.clone());
                    let opened = matches!(said, Said::Cited(..))
                        && s.record
                            .as_ref()
                            .is_some_and(|r| r.unlocked.iter().any(|k| r.conveyed.contains(k)));
                    if opened {
                        println!("autopilot: the evidence opened what {} held back", v.name);
                    }
                    // "I might know more": a hint that trust is short.
                    let heard = Heard {
                        hinted: s
                            .record
                            .as_ref()
                            .is_some_and(|r| matches!(r.plan.mv, Move::Hint(_))),
                        opened,
                        can_feed: gifts.0 > 0 && !solver.fed.contains(&npc),
                    };
                    let context = solver.heard.join(" ");
                    after_reply(npc, said, heard, || {
                        bearing(
                            &journal,
                            &v.name,
                            &context,
                            &solver.cited,
                            &solver.cited_here,
                        )
                    })
                }
                (
                    None,
                    Said::Question(i, _) | Said::Bread(i) | Said::Kind(i) | Said::Cited(i, _),
                ) if waited > REPLY_TIMEOUT_SECS => {
                    warn!("autopilot: {} did not answer in time", v.name);
                    Stage::Next(npc, i + 1)
                }
                (None, _) => Stage::Await(npc, said, sent_at, waited + dt),
            };
        }
        Stage::Accuse(judge, suspect) => {
            let Ok((_, v, _, at, _)) = villagers.get(judge) else {
                ap.shooting = Some(Err(format!("the judge {judge_name} is gone")));
                solver.stage = Stage::Done;
                return;
            };
            if walk_to(&mut me, at.0, dt) {
                if chat.with != Some(judge) {
                    open_chat(&mut commands, &mut chat, judge);
                }
                let line = format!("{}, I accuse {suspect} of stealing the bell.", v.name);
                info!("autopilot: {line}");
                typed.write(LineTyped {
                    npc: judge,
                    text: line,
                });
                solver.stage = Stage::Confirm(suspect, 0.0);
            }
        }
        Stage::Confirm(suspect, waited) => {
            if case.pending.as_deref() == Some(suspect.as_str()) {
                answer.write(AccuseAnswer(true));
                println!("autopilot: accused {suspect}");
                solver.cleared.push(suspect);
                solver.stage = Stage::Verdict;
            } else if case.note.is_some() {
                ap.shooting = Some(Err(format!(
                    "the judge did not take the accusation of {suspect}: {:?}",
                    case.note.take()
                )));
                solver.stage = Stage::Done;
            } else if waited > REPLY_TIMEOUT_SECS {
                ap.shooting = Some(Err(format!(
                    "the judge never asked to confirm the accusation of {suspect}"
                )));
                solver.stage = Stage::Done;
            } else {
                solver.stage = Stage::Confirm(suspect, waited + dt);
            }
        }
        Stage::Verdict => {
            // A wrong verdict (the game goes on): try the journal's next lead.
            let wrong_so_far = case.wrong as usize;
            if wrong_so_far >= solver.cleared.len() && case.pending.is_none() {
                solver.stage = Stage::Choose;
            }
        }
        Stage::Linger(_) | Stage::Done => {}
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
