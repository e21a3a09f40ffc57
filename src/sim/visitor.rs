//! The sim's player as a visitor with manners, so that decisions are trained and compared with a
//! player in the world: it walks its route, speaks to every villager within talking reach every few
//! game seconds, kindly or rudely (the manner towards each villager fixed by the world seed: kind,
//! rude or fickle), brings bread with every third kind word, and now and then follows the villager it
//! spoke to. What it says reaches the villager as the game's own experiences (praise, insult, gift),
//! so trust, emotion, needs and reward move just as when a person plays.
//!
//! With [`Talking`] (`sim --talk`, and `sim --remote`) it says real lines instead: each goes through
//! the dialogue and emotion lanes as a player's typed line does in the game (`brain::talk`), so the
//! villager answers in words and feels what the emotion model reads in the line; a loaf is felt as a
//! gift and thanked in words.

use std::collections::HashMap;

use bevy::prelude::*;

use crate::NpcSystems;
use crate::brain::emotion::{Experience, NpcExperienced};
use crate::brain::talk::{PlayerGave, PlayerSaid};
use crate::world::components::{Player, Position, Villager, WorldClock, WorldSeed};
use crate::world::{ScriptedWalk, rng};

/// Talking reach (the game's `E` reach).
pub(crate) const TALK_RANGE: f32 = 110.0;
/// Game seconds between two words to the same villager.
const TALK_EVERY: f64 = 5.0;
/// Game seconds the visitor follows a villager it spoke to.
const FOLLOW_FOR: f64 = 20.0;
/// Chance that a word starts following (when not following already).
const FOLLOW_CHANCE: f32 = 0.25;
/// Every this many kind words to a villager, the kind word is bread.
const BREAD_EVERY: u32 = 3;

/// The visitor says real lines (see the module doc).
#[derive(Resource, Default)]
pub(crate) struct Talking;

/// What a kind visitor says; each reads as praise (`ml::dialogue::understand::line_intent`).
const KIND_LINES: [&str; 6] = [
    "You're a wonderful neighbour, I really admire you.",
    "What beautiful work, you are so talented.",
    "You are so kind and clever.",
    "You do wonderful work, I admire it.",
    "What a lovely job you did.",
    "Well done, that was brilliant work.",
];

/// What a rude visitor says; each reads as an insult.
const RUDE_LINES: [&str; 6] = [
    "You are a useless fool.",
    "Get out of my way, you lazy idiot.",
    "Your work is pathetic and worthless.",
    "Shut up, you stupid old fool.",
    "You're a liar and a coward.",
    "Nobody likes you, you miserable wretch.",
];

/// The line said to villager `id` on the visitor's turn `turn`.
pub(crate) fn line(kind: bool, seed: u64, id: u64, turn: u64) -> &'static str {
    let lines = if kind { &KIND_LINES } else { &RUDE_LINES };
    let i = (rng::unit(seed, id, turn, 0x11e5) * lines.len() as f32) as usize;
    lines[i.min(lines.len() - 1)]
}

/// How the visitor treats one villager.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Manner {
    Kind,
    Rude,
    /// Kind or rude, a coin flip each time.
    Fickle,
}

/// The visitor's manner towards villager `id` in world `seed`: 45% kind, 35% rude, 20% fickle.
pub(crate) fn manner(seed: u64, id: u64) -> Manner {
    match rng::unit(seed, id, 0, 0x77a1) {
        u if u < 0.45 => Manner::Kind,
        u if u < 0.8 => Manner::Rude,
        _ => Manner::Fickle,
    }
}

/// The sim's player speaks (see the module doc).
#[derive(Component, Default)]
pub(crate) struct Visitor {
    /// Game second each villager (by id) was last spoken to.
    last_spoke: HashMap<u64, f64>,
    /// Kind words said to each villager.
    kind_words: HashMap<u64, u32>,
    /// The villager followed, and until when.
    following: Option<(Entity, f64)>,
    /// Words said in all: kind, rude.
    pub(crate) said: (u64, u64),
    /// With [`Talking`]: lines said through the lanes, and loaves given, in this run.
    pub(crate) lines: u64,
    pub(crate) gifts: u64,
}

/// What the visitor remembers, as saved: (villager id, last spoke), (villager id, kind words),
/// the villager followed (by id) and until when, and the words said.
pub(super) type VisitorState = (
    Vec<(u64, f64)>,
    Vec<(u64, u32)>,
    Option<(u64, f64)>,
    (u64, u64),
);

impl Visitor {
    /// Its state in a fixed order, villagers by id (`ids`: entity → id).
    pub(super) fn snapshot(&self, ids: &HashMap<Entity, u64>) -> VisitorState {
        let mut last: Vec<(u64, f64)> = self.last_spoke.iter().map(|(k, v)| (*k, *v)).collect();
        last.sort_by_key(|x| x.0);
        let mut kind: Vec<(u64, u32)> = self.kind_words.iter().map(|(k, v)| (*k, *v)).collect();
        kind.sort_by_key(|x| x.0);
        let following = self
            .following
            .and_then(|(e, until)| ids.get(&e).map(|id| (*id, until)));
        (last, kind, following, self.said)
    }

    /// Back from a [`Visitor::snapshot`] (`entities`: villager id → entity).
    pub(super) fn restore(&mut self, state: VisitorState, entities: &HashMap<u64, Entity>) {
        let (last, kind, following, said) = state;
        self.last_spoke = last.into_iter().collect();
        self.kind_words = kind.into_iter().collect();
        self.following = following.and_then(|(id, until)| entities.get(&id).map(|e| (*e, until)));
        self.said = said;
    }
}

pub(super) fn plugin(app: &mut App) {
    // Between moving villagers and the world's reaction, so lockstep runs stay reproducible.
    app.add_systems(
        Update,
        visit.after(NpcSystems::Act).before(NpcSystems::Simulate),
    );
}

#[allow(clippy::too_many_arguments)]
fn visit(
    clock: Res<WorldClock>,
    seed: Res<WorldSeed>,
    mut player: Query<(&Position, &mut ScriptedWalk, &mut Visitor), With<Player>>,
    villagers: Query<(Entity, &Villager, &Position)>,
    talking: Option<Res<Talking>>,
    mut said: MessageWriter<NpcExperienced>,
    mut lines: MessageWriter<PlayerSaid>,
    mut gave: MessageWriter<PlayerGave>,
) {
    let Ok((at, mut walk, mut visitor)) = player.single_mut() else {
        return;
    };
    let now = clock.elapsed;
    walk.toward = match visitor.following {
        Some((e, until)) if now < until => villagers.get(e).ok().map(|(_, _, p)| p.0),
        _ => None,
    };
    if walk.toward.is_none() {
        visitor.following = None;
    }
    let mut near: Vec<(u64, Entity)> = villagers
        .iter()
        .filter(|(_, _, p)| p.0.distance(at.0) <= TALK_RANGE)
        .map(|(e, v, _)| (v.id, e))
        .collect();
    near.sort_unstable();
    for (id, npc) in near {
        if visitor
            .last_spoke
            .get(&id)
            .is_some_and(|t| now - t < TALK_EVERY)
        {
            continue;
        }
        visitor.last_spoke.insert(id, now);
        let turn = (now / TALK_EVERY) as u64;
        let kind = match manner(seed.0, id) {
            Manner::Kind => true,
            Manner::Rude => false,
            Manner::Fickle => rng::unit(seed.0, id, turn, 0x5eed) < 0.5,
        };
        let gift = if kind {
            visitor.said.0 += 1;
            let k = visitor.kind_words.entry(id).or_default();
            *k += 1;
            *k % BREAD_EVERY == 0
        } else {
            visitor.said.1 += 1;
            false
        };
        let experience = match (gift, kind) {
            (true, _) => Some(Experience::Gift),
            (false, true) if talking.is_none() => Some(Experience::Praise),
            (false, false) if talking.is_none() => Some(Experience::Insult),
            _ => None,
        };
        if let Some(experience) = experience {
            said.write(NpcExperienced { npc, experience });
        }
        if talking.is_some() {
            if gift {
                visitor.gifts += 1;
                gave.write(PlayerGave { npc });
            } else {
                visitor.lines += 1;
                let text = line(kind, seed.0, id, turn).to_string();
                lines.write(PlayerSaid { npc, text });
            }
        }
        if visitor.following.is_none() && rng::unit(seed.0, id, turn, 0xf011) < FOLLOW_CHANCE {
            visitor.following = Some((npc, now + FOLLOW_FOR));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manners_are_mixed_and_fixed_by_the_seed() {
        let all: Vec<Manner> = (0..1000).map(|id| manner(9, id)).collect();
        let share = |m| all.iter().filter(|x| **x == m).count() as f32 / 1000.0;
        assert!((share(Manner::Kind) - 0.45).abs() < 0.05);
        assert!((share(Manner::Rude) - 0.35).abs() < 0.05);
        assert!((share(Manner::Fickle) - 0.2).abs() < 0.05);
        assert!((0..1000).all(|id| manner(9, id) == all[id as usize]));
        assert!((0..1000).any(|id| manner(10, id) != all[id as usize]));
    }

    #[test]
    fn the_visitors_lines_read_as_the_manner_it_means() {
        use crate::decide::talk::Intent;
        use crate::ml::dialogue::understand::line_intent;
        for l in KIND_LINES {
            assert_eq!(line_intent(l), Intent::Praise, "{l}");
        }
        for l in RUDE_LINES {
            assert_eq!(line_intent(l), Intent::Insult, "{l}");
        }
        // Every line is used, and the choice is fixed by the seed.
        let chosen: std::collections::HashSet<_> =
            (0..200).map(|t| line(t % 2 == 0, 9, 3, t)).collect();
        assert_eq!(chosen.len(), KIND_LINES.len() + RUDE_LINES.len());
        assert_eq!(line(true, 9, 3, 4), line(true, 9, 3, 4));
    }
}
