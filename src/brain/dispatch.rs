//! Dispatch: due observations go to the policy lane with `try_submit`; a full queue defers them.

use std::time::{Duration, Instant};

use bevy::prelude::*;

use super::collect::Lockstep;
use super::components::{BrainStats, InConversation, Mind, MindState, ThinkSettings};
use super::{Inference, finish_think};
use crate::decide::utility;
use crate::inference::{Job, JobInput, Lane, Priority, RequestId, SubmitError};
use crate::world::components::{CurrentAction, Villager, WorldClock};

#[allow(clippy::type_complexity)]
pub(super) fn dispatch_decisions(
    pool: Res<Inference>,
    clock: Res<WorldClock>,
    settings: Res<ThinkSettings>,
    mut lockstep: Option<ResMut<Lockstep>>,
    mut stats: ResMut<BrainStats>,
    mut q: Query<(
        &Villager,
        &mut Mind,
        &mut CurrentAction,
        Has<InConversation>,
    )>,
) {
    let deadline = (lockstep.is_none())
        .then(|| Instant::now() + Duration::from_secs_f64(settings.policy_deadline));
    for (v, mut mind, mut action, focus) in &mut q {
        if mind.state != MindState::Wanting {
            continue;
        }
        let id = RequestId {
            npc: v.id,
            generation: mind.generation,
        };
        let priority = if focus {
            Priority::Focus
        } else if mind.last_obs.player.1 > settings.mid.0 {
            Priority::Background
        } else {
            Priority::Normal
        };
        let job = Job {
            id,
            priority,
            deadline,
            input: JobInput::Policy(Box::new(mind.last_obs.clone())),
        };
        let mut result = pool.try_submit(Lane::Policy, job.clone());
        // Lockstep (sim only) must not depend on worker speed: wait for room instead of deferring.
        while lockstep.is_some() && matches!(result, Err(SubmitError::Full(_))) {
            std::thread::sleep(Duration::from_micros(200));
            result = pool.try_submit(Lane::Policy, job.clone());
        }
        match result {
            Ok(()) => {
                mind.state = MindState::Awaiting;
                mind.dispatched_tick = clock.tick;
                if let Some(ls) = lockstep.as_deref_mut() {
                    ls.expect(clock.tick, id);
                }
            }
            Err(SubmitError::Full(_)) => stats.deferred += 1,
            Err(_) => {
                // No lane (or shut down): decide locally so the NPC never freezes.
                action.0 = utility::decide(&mind.last_obs);
                stats.fallbacks += 1;
                finish_think(&mut mind, &clock, &settings, v.id);
            }
        }
    }
}

/// Asks again for every decision in flight (a sim loaded from a save): the same id and
/// observation, expected by lockstep at the tick it was due when it was first sent.
pub(crate) fn resume_awaiting(world: &mut World) {
    let mut q = world.query::<(&Villager, &Mind)>();
    let jobs: Vec<(RequestId, u64, JobInput)> = q
        .iter(world)
        .filter(|(_, m)| m.state == MindState::Awaiting)
        .map(|(v, m)| {
            let id = RequestId {
                npc: v.id,
                generation: m.generation,
            };
            (
                id,
                m.dispatched_tick,
                JobInput::Policy(Box::new(m.last_obs.clone())),
            )
        })
        .collect();
    for (id, tick, input) in jobs {
        let job = Job {
            id,
            priority: Priority::Normal,
            deadline: None,
            input,
        };
        let pool = &world.resource::<Inference>().0;
        let mut result = pool.try_submit(Lane::Policy, job.clone());
        while matches!(result, Err(SubmitError::Full(_))) {
            std::thread::sleep(Duration::from_micros(200));
            result = pool.try_submit(Lane::Policy, job.clone());
        }
        if result.is_err() {
            // Refused (no lane, or the pool already saw a newer generation): think again; a
            // dispatch without a lane falls back to the utility AI.
            let entity = world
                .resource::<super::components::NpcIndex>()
                .0
                .get(&id.npc)
                .copied();
            if let Some(mut mind) = entity.and_then(|e| world.get_mut::<Mind>(e)) {
                mind.state = MindState::Wanting;
            }
        } else if let Some(mut ls) = world.get_resource_mut::<Lockstep>() {
            ls.expect(tick, id);
        }
    }
}
