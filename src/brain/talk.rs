//! Talking to an NPC: the player's line goes to the dialogue lane (streamed back into [`Speech`]) and
//! to the emotion lane (whose reading the NPC appraises, see `brain::emotion`). A failed or missing model answers with a line from
//! the NPC's `fallback_lines`. The prompt comes from `ml::prompt` (persona, mood, trust, allowed facts).

use bevy::prelude::*;

use super::Inference;
use super::collect::{InferenceCompleted, InferencePartial};
use super::emotion::{Emotion, Experience, NpcExperienced};
use super::mind::{BrainStats, InConversation, NpcIndex, Profile, Trust};
use crate::inference::{Job, JobInput, JobOutput, Lane, Priority, RequestId};
use crate::ml::prompt;
use crate::world::components::Villager;
use crate::world::rng;

/// The player said `text` to `npc`.
#[derive(Message, Clone, Debug)]
pub struct PlayerSaid {
    pub npc: Entity,
    pub text: String,
}

/// What the NPC is saying: grows token by token while `done` is false.
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
    pub history: Vec<(String, String)>,
}

/// Turns kept per NPC (the prompt uses the last few).
const HISTORY_KEPT: usize = 8;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<PlayerSaid>()
        .add_systems(
            Update,
            send_player_lines
                .in_set(crate::NpcSystems::Dispatch)
                .run_if(resource_exists::<Inference>),
        )
        .add_systems(Update, receive_replies.in_set(crate::NpcSystems::Apply))
        .add_observer(on_leave_conversation);
}

/// The player walked away: the reply in progress stops within one token and stays as it is.
fn on_leave_conversation(
    leave: On<Remove, InConversation>,
    pool: Option<Res<Inference>>,
    mut q: Query<(&Villager, Option<&mut Speech>)>,
) {
    let Ok((v, speech)) = q.get_mut(leave.entity) else {
        return;
    };
    if let Some(pool) = pool {
        pool.0.cancel(Lane::Dialogue, v.id);
    }
    if let Some(mut speech) = speech
        && !speech.done
    {
        speech.done = true;
    }
}

fn send_player_lines(
    mut said: MessageReader<PlayerSaid>,
    pool: Res<Inference>,
    mut commands: Commands,
    mut stats: ResMut<BrainStats>,
    mut q: Query<(&Villager, &Profile, &Trust, &Emotion, Option<&mut Speech>)>,
) {
    for PlayerSaid { npc, text } in said.read() {
        let Ok((v, profile, trust, emotion, speech)) = q.get_mut(*npc) else {
            continue;
        };
        let line: String = text.trim().chars().take(prompt::MAX_LINE_CHARS).collect();
        if line.is_empty() {
            continue;
        }
        let generation = speech.as_ref().map_or(0, |s| s.generation) + 1;
        let history = speech
            .as_ref()
            .map(|s| s.history.clone())
            .unwrap_or_default();
        let id = RequestId {
            npc: v.id,
            generation,
        };
        let c = &profile.0;
        let seed = rng::mix(v.id ^ ((generation as u64) << 32));
        let request = prompt::request(c, trust.0, emotion.vad, &history, &line, seed);
        let input = JobInput::Dialogue(Box::new(request));
        let reply = Job {
            id,
            priority: Priority::Focus,
            deadline: None,
            input,
        };
        let mut next = Speech {
            generation,
            heard: line.clone(),
            history,
            ..default()
        };
        if let Err(e) = pool.0.try_submit(Lane::Dialogue, reply) {
            warn!("{} answers from fallback lines: {e}", c.name);
            next.text = profile.0.fallback_line(generation as u64);
            next.done = true;
            next.fallback = true;
            stats.dialogue_fallbacks += 1;
        }
        let feel = Job {
            id,
            priority: Priority::Focus,
            deadline: None,
            input: JobInput::Emotion { text: line },
        };
        if let Err(e) = pool.0.try_submit(Lane::Emotion, feel) {
            debug!("emotion of {}'s line not classified: {e}", c.name);
        }
        match speech {
            Some(mut s) => *s = next,
            None => {
                commands.entity(*npc).insert(next);
            }
        }
    }
}

fn receive_replies(
    mut partials: MessageReader<InferencePartial>,
    mut completed: MessageReader<InferenceCompleted>,
    index: Res<NpcIndex>,
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
        // Every line the player said is felt, even when a newer line already superseded its reply.
        if let (Lane::Emotion, Ok(JobOutput::Emotion { label, scores, vad })) = (c.lane, &c.result)
        {
            let confidence = scores.get(label.index()).copied().unwrap_or(0.0);
            experienced.write(NpcExperienced {
                npc,
                experience: Experience::Heard {
                    label: *label,
                    confidence,
                    vad: *vad,
                },
            });
            continue;
        }
        if c.lane != Lane::Dialogue || speech.generation != c.id.generation {
            continue;
        }
        match &c.result {
            Ok(JobOutput::Dialogue { text }) if !text.trim().is_empty() => {
                speech.text = text.clone();
                speech.done = true;
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
