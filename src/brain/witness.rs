//! What a villager witnessed becomes a memory its replies can recall: a wolf coming close, being
//! hurt by one, seeing another villager hurt, each with the place it happened ("A wolf came close
//! to me near the forest edge."). A thing seen again is renewed rather than repeated, so a wolf at
//! the same spot every night stays one memory.

use std::collections::BTreeMap;

use bevy::prelude::*;

use super::components::Memories;
use super::emotion::{Experience, NpcExperienced, witnesses_of};
use crate::memory::MemoryStream;
use crate::memory::seen::{Seen, witnessed};
use crate::memory::stream::CAPACITY;
use crate::world::components::{Position, Villager, WorldClock};
use crate::world::places;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, remember_witnessed.in_set(crate::NpcSystems::Apply));
}

fn remember_witnessed(
    mut experienced: MessageReader<NpcExperienced>,
    clock: Res<WorldClock>,
    positions: Query<(Entity, &Position), With<Villager>>,
    names: Query<&Villager>,
    mut streams: Query<&mut Memories>,
    mut commands: Commands,
) {
    let mut seen: Vec<(Entity, Seen)> = Vec::new();
    for m in experienced.read() {
        match m.experience {
            Experience::Threat => seen.push((m.npc, Seen::WolfNear)),
            Experience::Harm => {
                seen.push((m.npc, Seen::Hurt));
                if let Ok(victim) = names.get(m.npc) {
                    for w in witnesses_of(&positions, m.npc) {
                        seen.push((w, Seen::SawHurt(victim.name.clone())));
                    }
                }
            }
            _ => {}
        }
    }
    let mut new_streams: BTreeMap<Entity, MemoryStream> = BTreeMap::new();
    for (npc, what) in seen {
        let Ok((_, pos)) = positions.get(npc) else {
            continue;
        };
        let memory = witnessed(&what, places::nearest(pos.0).name, clock.elapsed);
        match streams.get_mut(npc) {
            Ok(mut m) => m.0.renew(memory),
            Err(_) => new_streams
                .entry(npc)
                .or_insert_with(|| MemoryStream::new(CAPACITY, clock.hour_secs()))
                .renew(memory),
        }
    }
    for (e, stream) in new_streams {
        commands.entity(e).insert(Memories(stream));
    }
}
