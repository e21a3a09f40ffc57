//! What a decision is made from: plain numbers the ECS side gathers each think, with a stable hash
//! of their exact bits (the record/replay key).

use serde::{Deserialize, Serialize};

use super::action::Action;
use super::hash::Fnv;

/// What a decision is made from: plain numbers the ECS side gathers each think.
/// The policy network is trained on exactly this layout (see `ml::policy::encoding`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// hunger (0 fed .. 1 starving), energy (0 exhausted .. 1 rested), social (0 lonely .. 1 fulfilled).
    pub needs: [f32; 3],
    /// valence, arousal, dominance in [-1, 1], from the NPC's emotion state.
    pub emotion: [f32; 3],
    /// bravery, sociability, diligence, temper, honesty in [0, 1].
    pub persona: [f32; 5],
    /// Hour of day in [0, 24).
    pub hour: f32,
    /// Distance (world units) and unit direction to the player.
    pub player: ([f32; 2], f32),
    /// Direction and distance to the nearest threat; distance is `f32::INFINITY`-free: capped at 10_000.
    pub threat: ([f32; 2], f32),
    pub home: ([f32; 2], f32),
    pub work: ([f32; 2], f32),
    /// Trust towards the player in [-1, 1].
    pub trust: f32,
    pub current: Action,
    /// Health in [0, 1].
    pub health: f32,
    /// What the NPC's daily schedule suggests now, if anything.
    pub scheduled: Option<Action>,
}

impl Observation {
    /// A stable hash of the exact input bits, used as the record/replay key.
    pub(crate) fn stable_hash(&self) -> u64 {
        let mut h = Fnv::default();
        for v in self.needs.iter().chain(&self.emotion).chain(&self.persona) {
            h.write(v.to_bits() as u64);
        }
        h.write(self.hour.to_bits() as u64);
        for (dir, dist) in [self.player, self.threat, self.home, self.work] {
            h.write(dir[0].to_bits() as u64);
            h.write(dir[1].to_bits() as u64);
            h.write(dist.to_bits() as u64);
        }
        h.write(self.trust.to_bits() as u64);
        h.write(self.current.index() as u64);
        h.write(self.health.to_bits() as u64);
        h.write(self.scheduled.map_or(99, |a| a.index() as u64));
        h.finish()
    }
}
