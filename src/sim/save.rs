//! `sim --save FILE` / `sim --load FILE`: the whole state of a headless village (clock, every
//! villager's body, needs, mind, trust, emotion, rumours and memories, the scripted player and its visitor's
//! memory of whom it spoke to, the wolves) in a versioned save file (`memory::file`: atomic,
//! checked). A decision in flight when the run stopped is asked again on load with the same id
//! and observation, and lockstep applies it at the tick it was due, so save at T, load, run to
//! T + N gives the same state hash as a run straight to T + N.

use bevy::prelude::*;
use serde::{Deserialize, Serialize};

use super::visitor::Visitor;
use crate::brain::components::{Emotion, Memories, Mind, MindState, Trust};
use crate::brain::gossip::Gossiping;
use crate::decide::{Action, EmotionLabel, Observation};
use crate::memory::MemoryStream;
use crate::memory::gossip::Gossip;
use crate::world::ScriptedWalk;
use crate::world::components::{
    CurrentAction, Health, LastInjuries, Needs, Player, PlayerWords, Position, Reward, Villager,
    Wolf, WorldClock,
};
use crate::world::threats::ThreatGrid;

/// Save kind and version of a sim.
pub const SIM_KIND: &str = "sim";
pub const SIM_VERSION: u32 = 1;

/// A whole sim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimSave {
    pub npcs: usize,
    pub seed: u64,
    pub(crate) dt: f32,
    pub(crate) tick: u64,
    pub(crate) elapsed: f64,
    pub(crate) day_length: f32,
    pub(crate) start_hour: f32,
    pub villagers: Vec<VillagerSave>,
    pub(crate) player: PlayerSave,
    /// (index, position) of each wolf.
    pub(crate) wolves: Vec<(u64, [f32; 2])>,
}

/// One villager.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VillagerSave {
    pub(crate) id: u64,
    pub(crate) position: [f32; 2],
    /// Hunger, energy, social.
    pub(crate) needs: [f32; 3],
    pub(crate) health: f32,
    pub(crate) injuries: u32,
    /// Game second of the last injury (`None` before the first).
    pub(crate) last_injury: Option<f64>,
    pub(crate) action: Action,
    pub(crate) reward_last: f32,
    pub(crate) reward_total: f64,
    pub(crate) injuries_charged: u32,
    /// Kind and rude words heard, and those charged to the reward.
    pub(crate) words: (u32, u32, (u32, u32)),
    pub mind: MindSave,
    pub(crate) trust: f32,
    pub(crate) vad: [f32; 3],
    pub(crate) label: EmotionLabel,
    pub(crate) intensity: f32,
    /// Rumours and trust in the others (`None` before its first tick).
    pub(crate) gossip: Option<Gossip>,
    /// What it remembers of the player (`None` until something happened).
    pub(crate) memories: Option<MemoryStream>,
}

/// A villager's think cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MindSave {
    pub(crate) generation: u32,
    /// "resting", "wanting" or "awaiting" (a decision in flight, asked again on load).
    pub state: String,
    pub(crate) next_think: f64,
    pub(crate) dispatched_tick: u64,
    pub(crate) last_obs: Observation,
    pub(crate) threat_seen: bool,
    pub(crate) injuries_seen: u32,
}

/// The scripted player and what its visitor remembers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct PlayerSave {
    pub(crate) position: [f32; 2],
    pub(crate) leg: usize,
    pub(crate) toward: Option<[f32; 2]>,
    /// (villager id, game second) of the last words to each.
    pub(crate) last_spoke: Vec<(u64, f64)>,
    pub(crate) kind_words: Vec<(u64, u32)>,
    /// The villager followed (by id) and until when.
    pub(crate) following: Option<(u64, f64)>,
    pub(crate) said: (u64, u64),
}

fn state_name(s: MindState) -> &'static str {
    match s {
        MindState::Resting => "resting",
        MindState::Wanting => "wanting",
        MindState::Awaiting => "awaiting",
    }
}

fn state_of(name: &str) -> Result<MindState, String> {
    Ok(match name {
        "resting" => MindState::Resting,
        "wanting" => MindState::Wanting,
        "awaiting" => MindState::Awaiting,
        other => return Err(format!("unknown mind state {other:?}")),
    })
}

type VillagerParts<'a> = (
    &'a Villager,
    &'a Position,
    &'a Needs,
    &'a Health,
    &'a CurrentAction,
    &'a Reward,
    &'a LastInjuries,
    &'a PlayerWords,
    &'a Mind,
    &'a Trust,
    &'a Emotion,
    Option<&'a Gossiping>,
    Option<&'a Memories>,
);

/// The state of the sim in `world` (built by `build_app` with `npcs`, `seed`, `dt`).
pub fn capture(world: &mut World, npcs: usize, seed: u64, dt: f32) -> SimSave {
    let mut villagers: Vec<VillagerSave> = world
        .query::<VillagerParts>()
        .iter(world)
        .map(|(v, p, n, h, a, r, li, w, m, t, e, g, mem)| VillagerSave {
            id: v.id,
            position: p.0.to_array(),
            needs: [n.hunger, n.energy, n.social],
            health: h.value,
            injuries: h.injuries,
            last_injury: h.last_injury.is_finite().then_some(h.last_injury),
            action: a.0,
            reward_last: r.last,
            reward_total: r.total,
            injuries_charged: li.0,
            words: (w.kind, w.rude, w.charged),
            mind: MindSave {
                generation: m.generation,
                state: state_name(m.state).into(),
                next_think: m.next_think,
                dispatched_tick: m.dispatched_tick,
                last_obs: m.last_obs.clone(),
                threat_seen: m.threat_seen,
                injuries_seen: m.injuries_seen,
            },
            trust: t.0,
            vad: e.vad,
            label: e.label,
            intensity: e.intensity,
            gossip: g.map(|g| g.0.clone()),
            memories: mem.map(|m| m.0.clone()),
        })
        .collect();
    villagers.sort_by_key(|v| v.id);
    let ids: std::collections::HashMap<Entity, u64> = world
        .query::<(Entity, &Villager)>()
        .iter(world)
        .map(|(e, v)| (e, v.id))
        .collect();
    let (position, walk, visitor) = world
        .query_filtered::<(&Position, &ScriptedWalk, &Visitor), With<Player>>()
        .single(world)
        .map(|(p, w, v)| (p.0, (w.leg, w.toward), v.snapshot(&ids)))
        .ok()
        .unwrap_or_default();
    let mut wolves: Vec<(u64, [f32; 2])> = world
        .query::<(&Wolf, &Position)>()
        .iter(world)
        .map(|(w, p)| (w.index, p.0.to_array()))
        .collect();
    wolves.sort_by_key(|w| w.0);
    let clock = world.resource::<WorldClock>();
    SimSave {
        npcs,
        seed,
        dt,
        tick: clock.tick,
        elapsed: clock.elapsed,
        day_length: clock.day_length,
        start_hour: clock.start_hour,
        villagers,
        player: PlayerSave {
            position: position.to_array(),
            leg: walk.0,
            toward: walk.1.map(|t| t.to_array()),
            last_spoke: visitor.0,
            kind_words: visitor.1,
            following: visitor.2,
            said: visitor.3,
        },
        wolves,
    }
}

/// Puts `save` into `world` (built by `build_app` with the save's `npcs`, `seed` and `dt`): the
/// village, then the scripted player.
pub fn restore(world: &mut World, save: &SimSave) -> Result<(), String> {
    let entities = restore_village(world, save)?;
    let mut player =
        world.query_filtered::<(&mut Position, &mut ScriptedWalk, &mut Visitor), With<Player>>();
    let (mut pos, mut walk, mut visitor) = player
        .single_mut(world)
        .map_err(|e| format!("the village has no scripted player: {e}"))?;
    pos.0 = Vec2::from_array(save.player.position);
    walk.leg = save.player.leg;
    walk.toward = save.player.toward.map(Vec2::from_array);
    let p = &save.player;
    visitor.restore(
        (
            p.last_spoke.clone(),
            p.kind_words.clone(),
            p.following,
            p.said,
        ),
        &entities,
    );
    Ok(())
}

/// Puts the village of `save` into `world` (clock, villagers by id, wolves) and asks again for the
/// decisions that were in flight. Returns villager id → entity.
pub(crate) fn restore_village(
    world: &mut World,
    save: &SimSave,
) -> Result<std::collections::HashMap<u64, Entity>, String> {
    {
        let mut clock = world.resource_mut::<WorldClock>();
        clock.tick = save.tick;
        clock.elapsed = save.elapsed;
        clock.day_length = save.day_length;
        clock.start_hour = save.start_hour;
    }
    let by_id: std::collections::HashMap<u64, &VillagerSave> =
        save.villagers.iter().map(|v| (v.id, v)).collect();
    let mut entities: std::collections::HashMap<u64, Entity> = Default::default();
    let mut q = world.query::<(Entity, &Villager)>();
    for (e, v) in q.iter(world) {
        entities.insert(v.id, e);
    }
    if entities.len() != save.villagers.len() {
        return Err(format!(
            "the save has {} villagers, the village {}",
            save.villagers.len(),
            entities.len()
        ));
    }
    for (id, e) in &entities {
        let s = by_id
            .get(id)
            .ok_or_else(|| format!("villager {id} is not in the save"))?;
        restore_villager(world.entity_mut(*e), s)?;
    }
    restore_wolves(world, save);
    // The clock of a loaded village is already running: without this, Bevy's first update after
    // load would see no time pass, where the saved run's next tick saw its full step.
    world
        .resource_mut::<Time<bevy::time::Real>>()
        .update_with_duration(std::time::Duration::ZERO);
    crate::brain::dispatch::resume_awaiting(world);
    Ok(entities)
}

/// One villager as saved: its body, needs, feelings, trust, gossip, memories and mind.
fn restore_villager(mut entity: EntityWorldMut, s: &VillagerSave) -> Result<(), String> {
    entity.insert((
        Position(Vec2::from_array(s.position)),
        Needs {
            hunger: s.needs[0],
            energy: s.needs[1],
            social: s.needs[2],
        },
        Health {
            value: s.health,
            injuries: s.injuries,
            last_injury: s.last_injury.unwrap_or(f64::NEG_INFINITY),
        },
        CurrentAction(s.action),
        Reward {
            last: s.reward_last,
            total: s.reward_total,
        },
        LastInjuries(s.injuries_charged),
        PlayerWords {
            kind: s.words.0,
            rude: s.words.1,
            charged: s.words.2,
        },
        Trust(s.trust),
        Emotion {
            vad: s.vad,
            label: s.label,
            intensity: s.intensity,
        },
    ));
    if let Some(g) = &s.gossip {
        entity.insert(Gossiping(g.clone()));
    }
    if let Some(m) = &s.memories {
        entity.insert(Memories(m.clone()));
    }
    let m = &s.mind;
    // A village that ran on after the save (the game loading) has sent newer requests than
    // the saved ones: the pool would drop the saved generation as stale, so think afresh.
    let running = entity.get::<Mind>().map_or(0, |now| now.generation);
    let (generation, state) = if running >= m.generation && running > 0 {
        (running + 1, MindState::Wanting)
    } else {
        (m.generation, state_of(&m.state)?)
    };
    entity.insert(Mind {
        generation,
        state,
        next_think: m.next_think,
        dispatched_tick: m.dispatched_tick,
        last_obs: m.last_obs.clone(),
        threat_seen: m.threat_seen,
        injuries_seen: m.injuries_seen,
    });
    Ok(())
}

/// The wolves where they were, and the threat grid they left at the end of the saved tick.
fn restore_wolves(world: &mut World, save: &SimSave) {
    let mut wolves = world.query::<(&Wolf, &mut Position)>();
    let saved: std::collections::HashMap<u64, [f32; 2]> = save.wolves.iter().copied().collect();
    for (w, mut p) in wolves.iter_mut(world) {
        if let Some(at) = saved.get(&w.index) {
            p.0 = Vec2::from_array(*at);
        }
    }
    // The grid the wolves left at the end of the saved tick (read by the next tick's perceive).
    let night = world.resource::<WorldClock>().is_night();
    let positions: Vec<Vec2> = if night {
        save.wolves.iter().map(|w| Vec2::from_array(w.1)).collect()
    } else {
        Vec::new()
    };
    world.resource_mut::<ThreatGrid>().rebuild(&positions);
}
