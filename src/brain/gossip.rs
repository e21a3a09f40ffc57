//! Gossip in the village (rules in `memory::gossip`): every villager knows its own clues and what
//! the player said to it; villagers socialising at the tavern, market or square tell the nearest
//! other one something every few seconds, in id order, so lockstep runs stay reproducible. A
//! rumour about the player moves the listener's trust in them and becomes a memory its replies
//! can recall ("Greta told me you were rude to Odo"); a clue becomes one its replies may tell,
//! as secret as its first teller kept it ("Greta told me, \"I saw a lantern …\"").

use std::collections::HashMap;
use std::sync::Arc;

use bevy::prelude::*;

use super::components::{FirstMemories, Memories, Profile, Trust};
use crate::NpcSystems;
use crate::config::NpcConfig;
use crate::decide::Action;
use crate::memory::gossip::{self, CHAT_TRUST, Gossip, Rumour, Subject};
use crate::world::components::{
    CurrentAction, PlayerWords, Position, Villager, WorldClock, WorldSeed,
};
use crate::world::{places, rng};

/// How close two socialising villagers must be to talk.
const CHAT_RANGE: f32 = 60.0;
/// Game seconds between two things a villager tells (± 25%).
const CHAT_EVERY: f64 = 8.0;

/// A villager's gossip state.
#[derive(Component, Clone, Debug, Default)]
pub struct Gossiping(pub Gossip);

/// Counts of the village's gossip, for the sim's report.
#[derive(Resource, Clone, Debug, Default)]
pub struct GossipStats {
    pub(crate) exchanges: u64,
    pub(crate) learnt: u64,
    /// Rumours about the player learnt (each moved the listener's trust).
    pub(crate) about_player: u64,
    /// Villagers knowing each rumour (subject, origin), first-hand included.
    pub reach: HashMap<(Subject, u64), u32>,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<GossipStats>().add_systems(
        Update,
        (seed_gossip, spread_gossip)
            .chain()
            .in_set(NpcSystems::Gossip),
    );
}

/// A new villager knows its own clues.
fn seed_gossip(
    clock: Res<WorldClock>,
    seed: Res<WorldSeed>,
    mut stats: ResMut<GossipStats>,
    mut commands: Commands,
    q: Query<(Entity, &Villager, &Profile), Without<Gossiping>>,
) {
    for (e, v, profile) in &q {
        let mut g = Gossip {
            next_chat: clock.elapsed + CHAT_EVERY * rng::unit(seed.0, v.id, 0, 0x6055) as f64,
            ..Gossip::default()
        };
        for k in 0..profile.0.knowledge.len().min(u16::MAX as usize) {
            let subject = Subject::Clue(k as u16);
            g.learn(first_hand(subject, v.id, clock.elapsed));
            *stats.reach.entry((subject, v.id)).or_default() += 1;
        }
        commands.entity(e).insert(Gossiping(g));
    }
}

fn first_hand(subject: Subject, id: u64, at: f64) -> Rumour {
    Rumour {
        subject,
        origin: id,
        source: id,
        hops: 0,
        at,
    }
}

type Parts<'a> = (
    Entity,
    &'a Villager,
    &'a Position,
    &'a CurrentAction,
    &'a PlayerWords,
    &'a mut Gossiping,
    &'a mut Trust,
    Option<&'a mut Memories>,
    &'a Profile,
);

/// A rumour's first teller: its name and config (for its clues).
type Origin = (String, Option<Arc<NpcConfig>>);

fn spread_gossip(
    clock: Res<WorldClock>,
    seed: Res<WorldSeed>,
    mut stats: ResMut<GossipStats>,
    mut commands: Commands,
    mut q: Query<Parts>,
) {
    let now = clock.elapsed;
    let social = hear_the_player(&mut q, &mut stats, now);
    let mut names: Option<HashMap<u64, Origin>> = None;
    let mut first = FirstMemories::default();
    for &(a_id, a, a_pos) in &social {
        if !q.get(a).is_ok_and(|p| p.5.0.next_chat <= now) {
            continue;
        }
        let Some((b_id, b)) = nearest(&social, a_id, a_pos) else {
            continue;
        };
        let Ok([mut teller, mut listener]) = q.get_many_mut([a, b]) else {
            continue;
        };
        let told = {
            let (tg, lg) = (&teller.5.0, &listener.5.0);
            tg.pick_for(b_id, lg, tg.trust_in(b_id)).cloned()
        };
        let jitter = 0.75 + 0.5 * rng::unit(seed.0, a_id, clock.tick, 0xc4a7) as f64;
        teller.5.0.next_chat = now + CHAT_EVERY * jitter;
        teller.5.0.befriend(b_id, CHAT_TRUST);
        listener.5.0.befriend(a_id, CHAT_TRUST);
        stats.exchanges += 1;
        let Some(r) = told.filter(|_| listener.5.0.trust_in(a_id) >= 0.0) else {
            continue;
        };
        let heard = Rumour {
            source: a_id,
            hops: r.hops.saturating_add(1),
            at: now,
            ..r
        };
        if !listener.5.0.learn(heard.clone()) {
            continue;
        }
        stats.learnt += 1;
        *stats.reach.entry((r.subject, r.origin)).or_default() += 1;
        let moved = gossip::reputation(r.subject, heard.hops);
        if moved != 0.0 {
            stats.about_player += 1;
            listener.6.0 = (listener.6.0 + moved).clamp(-1.0, 1.0);
        }
        let teller_name = teller.1.name.clone();
        let origin = origin_of(&q, names.get_or_insert_with(HashMap::new), r.origin);
        let memory = match r.subject {
            Subject::Clue(k) => origin
                .1
                .as_ref()
                .and_then(|c| c.knowledge.get(k as usize))
                .map(|fact| gossip::heard_clue(&teller_name, &origin.0, fact, now)),
            about_player => gossip::heard_memory(about_player, &teller_name, &origin.0, now),
        };
        let Some(memory) = memory else {
            continue;
        };
        let Ok(mut listener) = q.get_mut(b) else {
            continue;
        };
        match listener.7.as_deref_mut() {
            Some(m) => m.0.add(memory),
            None => first.stream(b, clock.hour_secs()).add(memory),
        }
    }
    first.insert(&mut commands);
}

/// What the player said to each villager is its own first-hand news (learnt once per new
/// word); the villagers socialising at a social place, by id.
fn hear_the_player(
    q: &mut Query<Parts>,
    stats: &mut GossipStats,
    now: f64,
) -> Vec<(u64, Entity, Vec2)> {
    let mut social: Vec<(u64, Entity, Vec2)> = Vec::new();
    for (e, v, pos, action, words, mut g, _, _, _) in q.iter_mut() {
        for (said, seen, subject) in [
            (words.kind, g.0.seen_words.0, Subject::PlayerKind),
            (words.rude, g.0.seen_words.1, Subject::PlayerRude),
        ] {
            if said > seen && g.0.learn(first_hand(subject, v.id, now)) {
                *stats.reach.entry((subject, v.id)).or_default() += 1;
            }
        }
        g.0.seen_words = (words.kind, words.rude);
        if action.0 == Action::Socialize && places::at_any(pos.0, places::social_places()) {
            social.push((v.id, e, pos.0));
        }
    }
    social.sort_unstable_by_key(|s| s.0);
    social
}

/// The nearest other socialising villager within chatting range of `a` (ties by id).
fn nearest(social: &[(u64, Entity, Vec2)], a_id: u64, a_pos: Vec2) -> Option<(u64, Entity)> {
    social
        .iter()
        .filter(|s| s.0 != a_id && s.2.distance(a_pos) <= CHAT_RANGE)
        .min_by(|x, y| {
            x.2.distance(a_pos)
                .total_cmp(&y.2.distance(a_pos))
                .then(x.0.cmp(&y.0))
        })
        .map(|s| (s.0, s.1))
}

/// Who a rumour started with, by id: name and config ("someone" when gone), looked up once.
fn origin_of(q: &Query<Parts>, names: &mut HashMap<u64, Origin>, id: u64) -> Origin {
    if let Some(o) = names.get(&id) {
        return o.clone();
    }
    let o = q
        .iter()
        .find(|p| p.1.id == id)
        .map(|p| (p.1.name.clone(), Some(p.8.0.clone())))
        .unwrap_or_else(|| ("someone".to_string(), None));
    names.insert(id, o.clone());
    o
}
