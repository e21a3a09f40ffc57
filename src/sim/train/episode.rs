//! One training episode: a lockstep village whose policy lane samples from the current network;
//! every applied decision is read back with the NPC's observation and reward so far, and turned
//! into discounted returns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bevy::ecs::message::{MessageCursor, Messages};

use crate::brain::components::{Mind, NpcIndex};
use crate::brain::{InferenceCompleted, Lockstep};
use crate::config::NpcConfig;
use crate::decide::action_mask;
use crate::inference::{Backend, BackendFactory, JobOutput, Lane};
use crate::ml::policy::encoding::encode;
use crate::ml::policy::train::{Sampler, SamplerState, Step};
use crate::sim::run::{build_app, sim_pool};
use crate::world::components::{CurrentAction, Reward};

/// Game seconds per tick (the sim's lockstep step).
pub(crate) const DT: f32 = 0.05;
/// Discount per game second.
const GAMMA_PER_SECOND: f32 = 0.97;

/// An applied decision, before its return is known.
struct Taken {
    tick: u64,
    step: Step,
    reward_so_far: f64,
}

/// One episode's decisions (with returns) and its mean reward per NPC per game second.
pub(crate) struct Episode {
    pub(crate) steps: Vec<Step>,
    pub(crate) mean_reward: f64,
}

/// Runs one episode of `seconds` game seconds with `npcs` villagers on world `seed`.
pub(crate) fn run_episode(
    cast: &[NpcConfig],
    npcs: usize,
    seconds: f64,
    seed: u64,
    state: Arc<Mutex<SamplerState>>,
) -> Episode {
    let factory: BackendFactory =
        Arc::new(move || Ok(Box::new(Sampler(state.clone())) as Box<dyn Backend>));
    let mut app = build_app(cast, npcs, seed, DT, sim_pool(factory));
    app.insert_resource(Lockstep::new(2));
    let ticks = (seconds / DT as f64).ceil() as u64;
    let mut cursor = MessageCursor::<InferenceCompleted>::default();
    let mut taken: HashMap<u64, Vec<Taken>> = HashMap::new();
    for tick in 0..ticks {
        app.update();
        let world = app.world_mut();
        let decided: Vec<(u64, u32)> = {
            let messages = world.resource::<Messages<InferenceCompleted>>();
            cursor
                .read(messages)
                .filter(|m| m.0.lane == Lane::Policy)
                .filter(|m| matches!(m.0.result, Ok(JobOutput::Policy { .. })))
                .map(|m| (m.0.id.npc, m.0.id.generation))
                .collect()
        };
        for (npc, generation) in decided {
            let Some(&entity) = world.resource::<NpcIndex>().0.get(&npc) else {
                continue;
            };
            let (Some(mind), Some(reward)) =
                (world.get::<Mind>(entity), world.get::<Reward>(entity))
            else {
                continue;
            };
            if mind.generation != generation {
                continue; // superseded: not applied
            }
            let action = world.get::<CurrentAction>(entity).map(|a| a.0.index());
            let (Ok(obs), Some(action)) = (encode(&mind.last_obs), action) else {
                continue;
            };
            let mask = action_mask(&mind.last_obs);
            if !mask[action] {
                continue; // overridden by the conversation rule (not in the sim, but be safe)
            }
            taken.entry(npc).or_default().push(Taken {
                tick,
                step: Step {
                    obs,
                    mask,
                    action,
                    ret: 0.0,
                },
                reward_so_far: reward.total,
            });
        }
    }
    let world = app.world_mut();
    let mut totals: HashMap<u64, f64> = HashMap::new();
    let mut sum = 0.0;
    let index = world.resource::<NpcIndex>().0.clone();
    for (npc, entity) in index {
        if let Some(r) = world.get::<Reward>(entity) {
            totals.insert(npc, r.total);
            sum += r.total;
        }
    }
    let mut steps = Vec::new();
    let mut taken: Vec<(u64, Vec<Taken>)> = taken.into_iter().collect();
    taken.sort_by_key(|(npc, _)| *npc);
    for (npc, list) in taken {
        let end = totals.get(&npc).copied().unwrap_or(0.0);
        let mut next_return = 0.0f32;
        for k in (0..list.len()).rev() {
            let (until, gap) = match list.get(k + 1) {
                Some(next) => (next.reward_so_far, (next.tick - list[k].tick) as f32 * DT),
                None => (end, 0.0),
            };
            let r = (until - list[k].reward_so_far) as f32;
            next_return = r + GAMMA_PER_SECOND.powf(gap) * next_return;
            let mut s = list[k].step.clone();
            s.ret = next_return;
            steps.push(s);
        }
    }
    Episode {
        steps,
        mean_reward: sum / npcs.max(1) as f64 / seconds,
    }
}
