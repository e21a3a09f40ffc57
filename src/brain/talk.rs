//! Talking to an NPC: the player's line goes to the dialogue lane (streamed back into [`Speech`]) and
//! to the emotion lane (which nudges [`Emotion`]). A failed or missing model answers with a line from
//! the NPC's `fallback_lines`. The prompt here is a placeholder until the dialogue model lands.

use bevy::prelude::*;

use super::Inference;
use super::collect::{InferenceCompleted, InferencePartial};
use super::mind::{Emotion, NpcIndex, Profile};
use crate::inference::{Job, JobInput, JobOutput, Lane, Priority, RequestId};
use crate::world::components::Villager;

/// Longest player line passed on; longer lines are cut (at a char boundary).
pub const MAX_LINE_CHARS: usize = 500;
/// Most tokens in one reply.
pub const MAX_REPLY_TOKENS: usize = 64;

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
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<PlayerSaid>()
        .add_systems(
            Update,
            send_player_lines
                .in_set(crate::NpcSystems::Dispatch)
                .run_if(resource_exists::<Inference>),
        )
        .add_systems(Update, receive_replies.in_set(crate::NpcSystems::Apply));
}

fn fallback_line(profile: &Profile, generation: u32) -> String {
    let lines: Vec<&String> = profile
        .0
        .fallback_lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return "...".into();
    }
    lines[generation as usize % lines.len()].clone()
}

fn send_player_lines(
    mut said: MessageReader<PlayerSaid>,
    pool: Res<Inference>,
    mut commands: Commands,
    mut q: Query<(&Villager, &Profile, Option<&mut Speech>)>,
) {
    for PlayerSaid { npc, text } in said.read() {
        let Ok((v, profile, speech)) = q.get_mut(*npc) else {
            continue;
        };
        let line: String = text.trim().chars().take(MAX_LINE_CHARS).collect();
        if line.is_empty() {
            continue;
        }
        let generation = speech.as_ref().map_or(0, |s| s.generation) + 1;
        let id = RequestId {
            npc: v.id,
            generation,
        };
        let c = &profile.0;
        let prompt = format!(
            "{} ({}), speaking {}. Player: {line}",
            c.name, c.role, c.speech_style
        );
        let reply = Job {
            id,
            priority: Priority::Focus,
            deadline: None,
            input: JobInput::Dialogue {
                prompt,
                max_tokens: MAX_REPLY_TOKENS,
            },
        };
        let mut next = Speech {
            generation,
            ..default()
        };
        if let Err(e) = pool.0.try_submit(Lane::Dialogue, reply) {
            warn!("{} answers from fallback lines: {e}", c.name);
            next = Speech {
                text: fallback_line(profile, generation),
                done: true,
                fallback: true,
                generation,
            };
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
    mut q: Query<(&Profile, &mut Speech, &mut Emotion)>,
) {
    for p in partials.read() {
        if p.lane != Lane::Dialogue {
            continue;
        }
        if let Some((_, mut speech, _)) = index.0.get(&p.id.npc).and_then(|e| q.get_mut(*e).ok())
            && speech.generation == p.id.generation
            && !speech.done
        {
            speech.text.push_str(&p.text);
        }
    }
    for InferenceCompleted(c) in completed.read() {
        let Some((profile, mut speech, mut emotion)) =
            index.0.get(&c.id.npc).and_then(|e| q.get_mut(*e).ok())
        else {
            continue;
        };
        if speech.generation != c.id.generation {
            continue;
        }
        match (c.lane, &c.result) {
            (Lane::Dialogue, Ok(JobOutput::Dialogue { text })) if !text.trim().is_empty() => {
                speech.text = text.clone();
                speech.done = true;
            }
            (Lane::Dialogue, other) => {
                if let Err(e) = other {
                    warn!("{} answers from fallback lines: {e}", profile.0.name);
                }
                *speech = Speech {
                    text: fallback_line(profile, c.id.generation),
                    done: true,
                    fallback: true,
                    generation: c.id.generation,
                };
            }
            (Lane::Emotion, Ok(JobOutput::Emotion { vad, .. })) => {
                for (e, target) in emotion.0.iter_mut().zip(vad) {
                    *e = (*e + 0.5 * (target - *e)).clamp(-1.0, 1.0);
                }
            }
            _ => {}
        }
    }
}
