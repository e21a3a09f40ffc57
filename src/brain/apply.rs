//! Apply: decisions of the current generation set the NPC's action; errors fall back to the utility AI.
//! An NPC talking with the player stays put unless it decides to flee or to get away from the player.

use bevy::prelude::*;

use super::collect::InferenceCompleted;
use super::components::{BrainStats, InConversation, Mind, MindState, NpcIndex, ThinkSettings};
use super::finish_think;
use crate::decide::Action;
use crate::decide::utility;
use crate::inference::{JobOutput, Lane};
use crate::world::components::{CurrentAction, Villager, WorldClock};

pub(super) fn apply_decisions(
    mut completed: MessageReader<InferenceCompleted>,
    index: Res<NpcIndex>,
    clock: Res<WorldClock>,
    settings: Res<ThinkSettings>,
    mut stats: ResMut<BrainStats>,
    mut q: Query<(
        &Villager,
        &mut Mind,
        &mut CurrentAction,
        Has<InConversation>,
    )>,
) {
    for InferenceCompleted(c) in completed.read() {
        if c.lane != Lane::Policy {
            continue;
        }
        let Some((v, mut mind, mut action, talking)) =
            index.0.get(&c.id.npc).and_then(|e| q.get_mut(*e).ok())
        else {
            continue;
        };
        if mind.state != MindState::Awaiting || mind.generation != c.id.generation {
            stats.ignored_stale += 1;
            continue;
        }
        let decided = match &c.result {
            Ok(JobOutput::Policy { action, .. }) => *action,
            other => {
                if let Err(e) = other {
                    debug!("npc {} decides locally: {e}", v.id);
                }
                stats.fallbacks += 1;
                utility::decide(&mind.last_obs)
            }
        };
        action.0 = match decided {
            Action::Flee | Action::AvoidPlayer => decided,
            _ if talking => Action::Idle,
            _ => decided,
        };
        stats.decisions += 1;
        finish_think(&mut mind, &clock, &settings, v.id);
    }
}
