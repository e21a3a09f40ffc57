//! The shipped policy network (`models/policy.safetensors`, in the repository) on worlds it never
//! trained on, with the sim's visitor talking to villagers kindly and rudely, against the utility AI
//! and random choice: over the sim's default run and over a full day it earns more reward than the
//! utility AI (which beats random), takes no more harm from wolves, stays near a player it trusts
//! and keeps away from one it distrusts at least as well as the utility AI does.

use std::collections::BTreeMap;

use bevy::prelude::*;
use npc_minds::brain::Lockstep;
use npc_minds::brain::emotion::{Experience, NpcExperienced};
use npc_minds::config::files::load_cast;
use npc_minds::sim::compare::{PolicyResult, compare_policies};
use npc_minds::sim::policy::{PolicyChoice, backend_factory};
use npc_minds::sim::run::{build_app, sim_pool};
use npc_minds::sim::{SimOptions, run_sim};
use npc_minds::world::ScriptedWalk;
use npc_minds::world::components::{CurrentAction, Health, Player, Position, Villager, WorldClock};

/// Worlds never used in training (training uses seed·1000 + iteration).
const SEEDS: [u64; 2] = [404, 505];

fn compare(seconds: f64) -> BTreeMap<&'static str, PolicyResult> {
    let base = SimOptions {
        seconds,
        ..SimOptions::default()
    };
    let table = compare_policies(&base, &SEEDS, "models/policy.safetensors".into()).unwrap();
    for (name, r) in &table {
        eprintln!(
            "{seconds} s {name}: reward {:.4}, harmed {:.1}, reactions {:?}",
            r.mean_reward, r.harmed, r.reactions
        );
    }
    assert!(
        table["policy"].error.is_none(),
        "{:?}",
        table["policy"].error
    );
    table
}

fn ranks(t: &BTreeMap<&'static str, PolicyResult>) {
    let (net, utility, random) = (&t["policy"], &t["utility"], &t["random"]);
    assert!(net.mean_reward > utility.mean_reward);
    assert!(utility.mean_reward > random.mean_reward);
}

#[test]
fn the_trained_policy_beats_the_utility_ai_over_the_default_run() {
    ranks(&compare(SimOptions::default().seconds));
}

#[test]
fn over_a_full_day_it_beats_the_utility_ai_and_reacts_to_the_player_and_wolves() {
    let t = compare(480.0);
    ranks(&t);
    let (net, utility) = (&t["policy"], &t["utility"]);
    assert!(net.harmed <= utility.harmed);
    let (n, u) = (net.reactions, utility.reactions);
    assert!(n.trusting_close >= u.trusting_close, "{n:?} vs {u:?}");
    assert!(n.distrusting_close <= u.distrusting_close, "{n:?} vs {u:?}");
    // Night came: the histograms say what villagers did in it.
    assert!(!net.night_action_histogram.is_empty());
}

#[test]
fn the_visitor_speaks_and_its_words_move_trust_both_ways() {
    let r = run_sim(SimOptions {
        seconds: 120.0,
        seed: 404,
        lockstep: true,
        ..SimOptions::default()
    })
    .unwrap();
    let (kind, rude) = r.visitor_said;
    assert!(kind > 20 && rude > 20, "kind {kind}, rude {rude}");
    assert!(r.reactions.trusting_close > 0.0 && r.reactions.distrusting_close > 0.0);
}

/// A lockstep village of `npcs` villagers deciding with `policy`, its clock starting at `hour`.
fn village(policy: &PolicyChoice, npcs: usize, seed: u64, hour: f32) -> App {
    let (cast, _) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let lane = backend_factory(policy.clone(), |m| panic!("{m}"));
    let mut app = build_app(&cast, npcs, seed, 0.05, sim_pool(lane));
    app.insert_resource(Lockstep::new(2));
    app.world_mut().resource_mut::<WorldClock>().start_hour = hour;
    app
}

/// Villager `id` of a village of `npcs` at `hour`, after five `words` from a player who then stands
/// still 60 units from it: its distance to the player 15 game seconds later.
fn after_words(policy: &PolicyChoice, npcs: usize, id: u64, words: Experience, hour: f32) -> f32 {
    let mut app = village(policy, npcs, 404, hour);
    let world = app.world_mut();
    let player = world
        .query_filtered::<Entity, With<Player>>()
        .single(world)
        .unwrap();
    world.entity_mut(player).remove::<ScriptedWalk>();
    let npc = world
        .query::<(Entity, &Villager)>()
        .iter(world)
        .find(|(_, v)| v.id == id)
        .unwrap()
        .0;
    let at = world.get::<Position>(npc).unwrap().0 + Vec2::new(60.0, 0.0);
    world.get_mut::<Position>(player).unwrap().0 = at;
    for _ in 0..5 {
        app.world_mut().write_message(NpcExperienced {
            npc,
            experience: words,
        });
        app.update();
    }
    for _ in 0..300 {
        app.update();
    }
    app.world().get::<Position>(npc).unwrap().0.distance(at)
}

#[test]
fn an_insulted_villager_keeps_further_away_than_a_praised_one_as_with_the_utility_ai() {
    let (cast, _) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let net = PolicyChoice::Net("models/policy.safetensors".into());
    let mut gaps = Vec::new();
    for policy in [PolicyChoice::Utility, net] {
        let mut gap = 0.0;
        for id in 0..cast.len() as u64 {
            let rude = after_words(&policy, cast.len(), id, Experience::Insult, 19.0);
            let kind = after_words(&policy, cast.len(), id, Experience::Praise, 19.0);
            eprintln!(
                "{} villager {id}: {rude:.0} after insults, {kind:.0} after praise",
                policy.name()
            );
            gap += (rude - kind) / cast.len() as f32;
        }
        eprintln!(
            "{}: insulted villagers end {gap:.0} units further away",
            policy.name()
        );
        gaps.push(gap);
    }
    assert!(gaps[0] > 40.0, "the utility AI keeps away: {gaps:?}");
    assert!(
        gaps[1] >= gaps[0],
        "the network keeps away at least as much: {gaps:?}"
    );
}

/// In 20 game seconds of a night that starts with 30 villagers gathered near the forest edge while
/// the wolves come out: their injuries, and how much further from the edge they end up on average.
fn night_at_the_forest(policy: &PolicyChoice) -> (u32, f32) {
    let mut app = village(policy, 30, 5, 22.0);
    let edge = Vec2::new(-640.0, 380.0);
    let spread = |app: &mut App| {
        let world = app.world_mut();
        let q = world
            .query_filtered::<&Position, With<Villager>>()
            .iter(world)
            .map(|p| p.0.distance(edge))
            .collect::<Vec<_>>();
        q.iter().sum::<f32>() / q.len() as f32
    };
    let world = app.world_mut();
    for mut p in world
        .query_filtered::<&mut Position, With<Villager>>()
        .iter_mut(world)
    {
        p.0 = edge + (p.0 - edge) * 0.2;
    }
    let before = spread(&mut app);
    let mut actions = [0u32; 10];
    for _ in 0..400 {
        app.update();
        let world = app.world_mut();
        for a in world.query::<&CurrentAction>().iter(world) {
            actions[a.0.index()] += 1;
        }
    }
    eprintln!("{}: actions {actions:?}", policy.name());
    let away = spread(&mut app) - before;
    let world = app.world_mut();
    let injuries = world
        .query::<&Health>()
        .iter(world)
        .map(|h| h.injuries)
        .sum();
    (injuries, away)
}

#[test]
fn at_night_by_the_forest_the_network_gets_away_and_is_hurt_no_more_than_with_the_utility_ai() {
    let (utility, u_away) = night_at_the_forest(&PolicyChoice::Utility);
    let (net, n_away) = night_at_the_forest(&PolicyChoice::Net("models/policy.safetensors".into()));
    eprintln!(
        "injuries in 20 s: utility {utility}, network {net}; further from the forest by {u_away:.0} and {n_away:.0}"
    );
    assert!(net <= utility, "network {net}, utility {utility}");
    assert!(
        n_away > 100.0,
        "the network's villagers got away from the forest: {n_away}"
    );
}
