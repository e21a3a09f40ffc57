//! The autopilot's hands and sight (the system parameters its step uses), and one step of a
//! visit to a villager: arrive, ask, cite a clue, praise, give bread, or wait for the reply and
//! decide what follows it.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::super::chat::{ChatBox, Gifts, LineTyped, end_chat, give_bread, open_chat};
use super::super::journal::Journal;
use super::super::mystery::AccuseAnswer;
use super::super::stages::{Heard, Said, Stage, after_reply};
use super::super::visit::{bearing, evidence, questions};
use super::{KIND, REPLY_TIMEOUT_SECS, Solver};
use crate::brain::components::Profile;
use crate::brain::emotion::NpcExperienced;
use crate::brain::talk::{PlayerGave, Speech};
use crate::decide::talk::Move;
use crate::world::components::{Position, Villager};

/// What the autopilot does with its hands: talk, give bread, answer the judge.
#[derive(SystemParam)]
pub(super) struct Hands<'w, 's> {
    pub(super) chat: ResMut<'w, ChatBox>,
    pub(super) gifts: ResMut<'w, Gifts>,
    pub(super) typed: MessageWriter<'w, LineTyped>,
    pub(super) felt: MessageWriter<'w, NpcExperienced>,
    pub(super) gave: MessageWriter<'w, PlayerGave>,
    pub(super) answer: MessageWriter<'w, AccuseAnswer>,
    pub(super) commands: Commands<'w, 's>,
}

impl Hands<'_, '_> {
    /// Says `text` to `npc`.
    pub(super) fn say(&mut self, npc: Entity, text: String) {
        self.typed.write(LineTyped { npc, text });
    }
}

pub(super) type Villagers<'w, 's> = Query<
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
pub(super) struct Sight<'w, 's> {
    pub(super) journal: Res<'w, Journal>,
    pub(super) villagers: Villagers<'w, 's>,
}

/// The villager a stage is with, as the autopilot sees it.
pub(super) struct Visiting<'a> {
    pub(super) npc: Entity,
    pub(super) name: &'a str,
    pub(super) work: &'a str,
    /// The question the case suggests asking first.
    pub(super) ask: &'a str,
    pub(super) speech: Option<&'a Speech>,
    /// The speech's generation now: a reply is one newer than this.
    pub(super) generation: u32,
}

/// A step of a visit: arrive and open the chat, ask, cite, praise, give bread, or wait for the
/// reply (`near`: the autopilot stands by the villager).
pub(super) fn with_villager(
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
            match questions(with.ask, with.work, &solver.evidence).get(i) {
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
