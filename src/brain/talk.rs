//! Talking to an NPC: the player's line (or a gift) goes to the dialogue lane (streamed back into
//! [`Speech`], with the record of what the reply planned and conveyed) and the line to the emotion
//! lane (whose reading the NPC appraises together with the line's intent, see `brain::emotion`).
//! A failed or missing model answers with a line from the NPC's `fallback_lines`. The request
//! comes from `ml::dialogue::request` (persona, mood, trust, knowledge, the world's names) and
//! carries the NPC's [`Memories`] of the player; each turn then leaves its own memories.

use std::collections::HashMap;
use std::sync::Arc;

use bevy::prelude::*;

use super::Inference;
use super::collect::{InferenceCompleted, InferencePartial};
use super::components::{BrainStats, Emotion, InConversation, Memories, NpcIndex, Profile, Trust};
use super::emotion::{Experience, NpcExperienced};
use crate::decide::EmotionLabel;
use crate::decide::talk::{DialogueRecord, Intent};
use crate::inference::{Job, JobInput, JobOutput, Lane, Priority, RequestId, WorldNames};
use crate::memory::{self, MemoryStream};
use crate::ml::dialogue::request::{self, Turn};
use crate::ml::dialogue::understand::line_intent;
use crate::world::components::{Villager, WorldClock};
use crate::world::rng;

/// The player said `text` to `npc`.
#[derive(Message, Clone, Debug)]
pub struct PlayerSaid {
    pub npc: Entity,
    pub text: String,
}

/// The player gave `npc` a loaf of bread (it thanks the player in words).
#[derive(Message, Clone, Copy, Debug)]
pub struct PlayerGave {
    pub npc: Entity,
}

/// The names of the game's world that replies are checked against, rebuilt when the cast changes.
#[derive(Resource, Default, Clone, Debug)]
pub(crate) struct TalkWorld(pub Arc<WorldNames>);

/// The intent of each line still waiting for its emotion reading, by (NPC id, generation).
#[derive(Resource, Default, Debug)]
struct HeardIntents(HashMap<(u64, u32), Intent>);

/// What the NPC is saying: grows sentence by sentence while `done` is false.
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub struct Speech {
    pub text: String,
    pub done: bool,
    /// True when the line came from `fallback_lines` because the model failed.
    pub fallback: bool,
    pub generation: u32,
    /// The player line being answered.
    pub heard: String,
    /// Earlier turns with this NPC: (player, npc), oldest first.
    pub(crate) history: Vec<(String, String)>,
    /// What the finished reply planned and conveyed (none for fallback lines).
    pub(crate) record: Option<DialogueRecord>,
    /// The villager's facts told in this conversation so far, for its summary when it ends.
    pub told: Vec<String>,
}

impl Speech {
    /// The start of the next turn after `prev`: a newer generation, the same history.
    pub(crate) fn after(prev: Option<&Speech>) -> Speech {
        Speech {
            generation: prev.map_or(0, |s| s.generation) + 1,
            history: prev.map(|s| s.history.clone()).unwrap_or_default(),
            told: prev.map(|s| s.told.clone()).unwrap_or_default(),
            ..default()
        }
    }
}

/// Turns kept per NPC (the prompt uses the last few).
const HISTORY_KEPT: usize = 16;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<PlayerSaid>()
        .add_message::<PlayerGave>()
        .init_resource::<TalkWorld>()
        .init_resource::<HeardIntents>()
        .add_systems(
            Update,
            (refresh_world, send_player_turns)
                .chain()
                .in_set(crate::NpcSystems::Dispatch)
                .run_if(resource_exists::<Inference>),
        )
        .add_systems(Update, receive_replies.in_set(crate::NpcSystems::Apply))
        .add_observer(on_leave_conversation);
}

/// The player walked away: the reply in progress stops within one token and stays as it is, and
/// a conversation that told facts leaves its summary memory ("When we last talked, I told you:
/// …"), made from checked replies only.
fn on_leave_conversation(
    leave: On<Remove, InConversation>,
    pool: Option<Res<Inference>>,
    clock: Res<WorldClock>,
    mut commands: Commands,
    mut q: Query<(&Villager, Option<&mut Speech>, Option<&mut Memories>)>,
) {
    let Ok((v, speech, memories)) = q.get_mut(leave.entity) else {
        return;
    };
    if let Some(pool) = pool {
        pool.cancel(Lane::Dialogue, v.id);
    }
    let Some(mut speech) = speech else {
        return;
    };
    speech.done = true;
    let told = std::mem::take(&mut speech.told);
    let facts: Vec<&str> = told.iter().map(String::as_str).collect();
    let Some(summary) = memory::summary(&facts, clock.elapsed) else {
        return;
    };
    match memories {
        Some(mut m) => m.0.add(summary),
        None => {
            let mut stream = MemoryStream::new(memory::stream::CAPACITY, clock.hour_secs());
            stream.add(summary);
            commands.entity(leave.entity).insert(Memories(stream));
        }
    }
}

/// Rebuilds the world's names when a villager joins or its config changes.
fn refresh_world(
    changed: Query<(), Changed<Profile>>,
    cast: Query<&Profile>,
    mut world: ResMut<TalkWorld>,
) {
    if changed.is_empty() {
        return;
    }
    let cast: Vec<_> = cast.iter().map(|p| p.0.as_ref().clone()).collect();
    world.0 = Arc::new(request::world_names(&cast, None));
}

/// What a villager brings to hearing the player.
type Listener<'a> = (
    &'a Villager,
    &'a Profile,
    &'a Trust,
    &'a Emotion,
    Option<&'a mut Speech>,
    Option<&'a mut Memories>,
);

#[allow(clippy::too_many_arguments)]
fn send_player_turns(
    mut said: MessageReader<PlayerSaid>,
    mut gave: MessageReader<PlayerGave>,
    pool: Res<Inference>,
    world: Res<TalkWorld>,
    mut intents: ResMut<HeardIntents>,
    mut commands: Commands,
    mut stats: ResMut<BrainStats>,
    clock: Res<WorldClock>,
    mut q: Query<Listener>,
) {
    let lines = said.read().map(|p| (p.npc, Some(p.text.clone())));
    let gifts: Vec<_> = gave.read().map(|g| (g.npc, None)).collect();
    for (npc, text) in lines.collect::<Vec<_>>().into_iter().chain(gifts) {
        let Ok((v, profile, trust, emotion, speech, memories)) = q.get_mut(npc) else {
            continue;
        };
        let line = request::cut_line(text.as_deref().unwrap_or(""));
        if text.is_some() && line.is_empty() {
            continue;
        }
        let mut next = Speech::after(speech.as_deref());
        next.heard = line.clone();
        let id = RequestId {
            npc: v.id,
            generation: next.generation,
        };
        let c = &profile.0;
        let seed = rng::mix(v.id ^ ((next.generation as u64) << 32));
        let turn = match text {
            Some(_) => Turn::Say(&line),
            None => Turn::Gift,
        };
        let mut request =
            request::request(c, trust.0, emotion.vad, &next.history, turn, &world.0, seed);
        // What it remembers goes with the request; this turn is remembered after it (a line
        // does not recall itself).
        request.memory = memories.as_ref().map(|m| Arc::new(m.0.clone()));
        request.now = clock.elapsed;
        let now = clock.elapsed;
        let new_memories = match text {
            Some(_) => memory::of_line(&line, line_intent(&line), now, Some(emotion.intensity)),
            None => vec![memory::of_gift(now)],
        };
        match memories {
            Some(mut m) => new_memories.into_iter().for_each(|x| m.0.add(x)),
            None => {
                let mut stream = MemoryStream::new(memory::stream::CAPACITY, clock.hour_secs());
                new_memories.into_iter().for_each(|x| stream.add(x));
                commands.entity(npc).insert(Memories(stream));
            }
        }
        let reply = Job {
            id,
            priority: Priority::Focus,
            deadline: None,
            input: JobInput::Dialogue(Box::new(request)),
        };
        if let Err(e) = pool.try_submit(Lane::Dialogue, reply) {
            warn!("{} answers from fallback lines: {e}", c.name);
            next.text = profile.0.fallback_line(next.generation as u64);
            next.done = true;
            next.fallback = true;
            stats.dialogue_fallbacks += 1;
        }
        if !line.is_empty() {
            let intent = line_intent(&line);
            let feel = Job {
                id,
                priority: Priority::Focus,
                deadline: None,
                input: JobInput::Emotion { text: line },
            };
            match pool.try_submit(Lane::Emotion, feel) {
                Ok(()) => {
                    intents.0.insert((v.id, next.generation), intent);
                }
                Err(e) => debug!("emotion of {}'s line not classified: {e}", c.name),
            }
        }
        match speech {
            Some(mut s) => *s = next,
            None => {
                commands.entity(npc).insert(next);
            }
        }
    }
}

fn receive_replies(
    mut partials: MessageReader<InferencePartial>,
    mut completed: MessageReader<InferenceCompleted>,
    index: Res<NpcIndex>,
    mut intents: ResMut<HeardIntents>,
    mut experienced: MessageWriter<NpcExperienced>,
    mut stats: ResMut<BrainStats>,
    mut q: Query<(&Profile, &mut Speech)>,
) {
    for p in partials.read() {
        if p.lane != Lane::Dialogue {
            continue;
        }
        if let Some((_, mut speech)) = index.0.get(&p.id.npc).and_then(|e| q.get_mut(*e).ok())
            && speech.generation == p.id.generation
            && !speech.done
        {
            speech.text.push_str(&p.text);
        }
    }
    for InferenceCompleted(c) in completed.read() {
        let Some((npc, (profile, mut speech))) = index
            .0
            .get(&c.id.npc)
            .and_then(|e| q.get_mut(*e).ok().map(|r| (*e, r)))
        else {
            continue;
        };
        // Every line the player said is felt, even when a newer line already superseded its reply;
        // without an emotion reading (the model failed) what the line does is still felt.
        if c.lane == Lane::Emotion {
            let intent = intents
                .0
                .remove(&(c.id.npc, c.id.generation))
                .unwrap_or_default();
            let (label, confidence, vad) = match &c.result {
                Ok(JobOutput::Emotion { label, scores, vad }) => (
                    *label,
                    scores.get(label.index()).copied().unwrap_or(0.0),
                    *vad,
                ),
                _ => (EmotionLabel::Neutral, 1.0, [0.0; 3]),
            };
            experienced.write(NpcExperienced {
                npc,
                experience: Experience::Heard {
                    label,
                    confidence,
                    vad,
                    intent,
                },
            });
            continue;
        }
        if c.lane != Lane::Dialogue || speech.generation != c.id.generation {
            continue;
        }
        match &c.result {
            Ok(JobOutput::Dialogue { text, record }) if !text.trim().is_empty() => {
                speech.text = text.clone();
                speech.done = true;
                speech.record = record.as_deref().cloned();
                // Facts of its own it told (recalled memories, past its own, are not new).
                for k in record.iter().flat_map(|r| r.conveyed.iter()) {
                    if let Some(f) = profile.0.knowledge.get(*k)
                        && !speech.told.contains(&f.text)
                    {
                        speech.told.push(f.text.clone());
                    }
                }
                let turn = (speech.heard.clone(), text.clone());
                speech.history.push(turn);
                let excess = speech.history.len().saturating_sub(HISTORY_KEPT);
                speech.history.drain(..excess);
            }
            other => {
                if let Err(e) = other {
                    warn!("{} answers from fallback lines: {e}", profile.0.name);
                }
                speech.text = profile.0.fallback_line(c.id.generation as u64);
                speech.done = true;
                speech.fallback = true;
                stats.dialogue_fallbacks += 1;
            }
        }
    }
}
