//! What a villager witnessed becomes a memory its replies can recall: a wolf coming close, being
//! hurt by one, seeing another villager hurt or run from one, each with the place it happened
//! ("A wolf came close to me near the forest edge."). A villager keeps one sight of each kind a
//! game hour, and a thing seen again is renewed rather than repeated, so a wolf at the same spot
//! every night stays one memory.

use std::collections::HashSet;

use bevy::prelude::*;

use super::components::{FirstMemories, Memories};
use super::emotion::{Experience, NpcExperienced, witnesses_of};
use crate::decide::Action;
use crate::memory::seen::{Seen, seen_lately, witnessed};
use crate::world::components::{CurrentAction, Position, Villager, WorldClock};
use crate::world::places;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, remember_witnessed.in_set(crate::NpcSystems::Apply));
}

/// A sight before its words: who was hurt is looked up only for a memory that will be kept.
enum Sight {
    WolfNear,
    Hurt,
    SawHurt(Entity),
    SawFlee(Entity),
}

#[allow(clippy::too_many_arguments)]
fn remember_witnessed(
    mut experienced: MessageReader<NpcExperienced>,
    clock: Res<WorldClock>,
    positions: Query<(Entity, &Position), With<Villager>>,
    names: Query<&Villager>,
    fleeing: Query<(Entity, &CurrentAction), Changed<CurrentAction>>,
    mut fled: Local<HashSet<Entity>>,
    mut streams: Query<&mut Memories>,
    mut commands: Commands,
) {
    let mut sights: Vec<(Entity, Sight)> = Vec::new();
    for m in experienced.read() {
        match m.experience {
            Experience::Threat => sights.push((m.npc, Sight::WolfNear)),
            Experience::Harm => {
                sights.push((m.npc, Sight::Hurt));
                for w in witnesses_of(&positions, m.npc) {
                    sights.push((w, Sight::SawHurt(m.npc)));
                }
            }
            _ => {}
        }
    }
    // Someone starting to flee is seen by those near (a villager still fleeing decides to flee
    // again and again; only the start is a sight).
    for (e, action) in &fleeing {
        if action.0 != Action::Flee {
            fled.remove(&e);
        } else if fled.insert(e) {
            for w in witnesses_of(&positions, e) {
                sights.push((w, Sight::SawFlee(e)));
            }
        }
    }
    let now = clock.elapsed;
    let mut first = FirstMemories::default();
    for (npc, sight) in sights {
        // Whoever was seen does not matter to how lately a sight of the kind was kept.
        let kind = match sight {
            Sight::WolfNear => Seen::WolfNear,
            Sight::Hurt => Seen::Hurt,
            Sight::SawHurt(_) => Seen::SawHurt(String::new()),
            Sight::SawFlee(_) => Seen::SawFlee(String::new()),
        };
        let lately = match streams.get(npc) {
            Ok(m) => seen_lately(&m.0, &kind, now),
            Err(_) => first.get(npc).is_some_and(|s| seen_lately(s, &kind, now)),
        };
        let name = |other: Entity| names.get(other).ok().map(|v| v.name.clone());
        let seen = match sight {
            _ if lately => None,
            Sight::SawHurt(other) => name(other).map(Seen::SawHurt),
            Sight::SawFlee(other) => name(other).map(Seen::SawFlee),
            Sight::WolfNear | Sight::Hurt => Some(kind),
        };
        let (Some(seen), Ok((_, pos))) = (seen, positions.get(npc)) else {
            continue;
        };
        let memory = witnessed(&seen, places::nearest(pos.0).name, now);
        match streams.get_mut(npc) {
            Ok(mut m) => m.0.renew(memory),
            Err(_) => first.stream(npc, clock.hour_secs()).renew(memory),
        }
    }
    first.insert(&mut commands);
}
