//! The headless sim: lockstep determinism, record → replay equality, a 1,000-NPC smoke run, and the
//! ECS loop's behaviour (level of detail, fallback, staleness) through the real pool.

use crate::common;

use std::time::Duration;

use bevy::prelude::*;
use npc_minds::brain::components::{BrainStats, Mind};
use npc_minds::config::files::load_cast;
use npc_minds::decide::Action;
use npc_minds::inference::backends::scripted::ScriptedBackend;
use npc_minds::inference::backends::utility::UtilityBackend;
use npc_minds::inference::{Lane, factory};
use npc_minds::sim::run::{build_app, sim_pool};
use npc_minds::sim::{SimOptions, run_sim};
use npc_minds::world::components::{CurrentAction, Player, Position, Villager, Wolf};

use common::lockstep as opts;

#[test]
fn lockstep_runs_with_the_same_seed_give_the_same_state_hash() {
    let a = run_sim(opts(150, 20.0, 7)).unwrap();
    let b = run_sim(opts(150, 20.0, 7)).unwrap();
    let c = run_sim(opts(150, 20.0, 8)).unwrap();
    assert_eq!(a.state_hash, b.state_hash);
    assert_ne!(a.state_hash, c.state_hash, "the seed matters");
    assert!(a.brain.decisions > 1000, "{:?}", a.brain);
}

#[test]
fn a_talking_visitor_is_answered_through_the_lanes() {
    let talking = SimOptions {
        talk: true,
        npcs: 10,
        seconds: 40.0,
        seed: 5,
        ..SimOptions::default()
    };
    let a = run_sim(talking.clone()).unwrap();
    let t = a.talk.as_ref().expect("a talk report");
    assert_eq!(t.models, "scripted");
    assert!(t.lines >= 5, "{t:?}");
    // Every line and loaf is a dialogue job; with scripted lanes none fails.
    assert_eq!(t.fallbacks, 0, "{t:?}");
    assert_eq!(
        t.replies + t.superseded + t.in_flight,
        t.lines + t.gifts,
        "{t:?}"
    );
    // Each line is also felt through the emotion lane (a loaf is felt as a gift, not read).
    let felt = a.lanes["emotion"].done;
    assert!(felt + 2 >= t.lines && felt <= t.lines, "{felt} of {t:?}");
    // Without --talk the lanes stay idle and the report has no talk.
    let quiet = run_sim(SimOptions {
        talk: false,
        ..talking.clone()
    })
    .unwrap();
    assert!(quiet.talk.is_none());
    assert_eq!(quiet.lanes["emotion"].done, 0);
    assert_eq!(quiet.lanes["dialogue"].done, 0);
    // Lockstep cannot hold talk for a tick: asking for both is a clear error.
    let err = run_sim(SimOptions {
        lockstep: true,
        ..talking
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("--talk") && err.contains("--lockstep"),
        "{err}"
    );
}

#[test]
fn a_replay_reproduces_the_recorded_run_without_any_model() {
    let path = std::env::temp_dir().join(format!("npc-minds-{}.replay", std::process::id()));
    let recorded = run_sim(SimOptions {
        record: Some(path.clone()),
        ..opts(120, 15.0, 3)
    })
    .unwrap();
    let replayed = run_sim(SimOptions {
        replay: Some(path.clone()),
        ..SimOptions::default()
    })
    .unwrap();
    assert_eq!(replayed.npcs, 120, "settings come from the recording");
    assert_eq!(replayed.state_hash, recorded.state_hash);
    assert_eq!(replayed.replay_matches, Some(true));
    assert_eq!(
        replayed.brain.fallbacks, 0,
        "every decision came from the recording"
    );
    // A corrupt recording is a clear error, not a panic.
    std::fs::write(&path, b"{\"format\": 12").unwrap();
    let err = run_sim(SimOptions {
        replay: Some(path.clone()),
        ..SimOptions::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("not a record file"), "{err}");
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_thousand_npcs_run_headless() {
    let r = run_sim(SimOptions {
        npcs: 1000,
        seconds: 10.0,
        lockstep: false,
        ..SimOptions::default()
    })
    .unwrap();
    assert_eq!(r.ticks, 200);
    let policy = &r.lanes["policy"];
    assert!(
        policy.done >= 1000,
        "every NPC decided at least once: {}",
        policy.done
    );
    assert_eq!(policy.failed, 0);
    let total: f64 = r.action_histogram.values().sum();
    assert!((total - 1.0).abs() < 1e-6);
    assert!(r.mean_reward.is_finite());
}

#[test]
fn wolves_come_out_at_night_and_villagers_flee_from_them() {
    // Start at 22:00 next to the forest: wolves are out.
    let (cast, _) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let mut app = build_app(&cast, 60, 5, 0.05, sim_pool(factory(|| Ok(UtilityBackend))));
    app.world_mut()
        .resource_mut::<npc_minds::world::components::WorldClock>()
        .start_hour = 22.0;
    app.insert_resource(npc_minds::brain::Lockstep::new(2));
    let edge = Vec2::new(-640.0, 380.0);
    let mut q = app
        .world_mut()
        .query_filtered::<&mut Position, With<Villager>>();
    for mut p in q.iter_mut(app.world_mut()) {
        p.0 = edge + (p.0 - edge) * 0.2;
    }
    let mut fled = false;
    for _ in 0..400 {
        app.update();
        let mut q = app.world_mut().query::<&CurrentAction>();
        fled |= q.iter(app.world()).any(|a| a.0 == Action::Flee);
    }
    let mut wolves = app.world_mut().query_filtered::<&Position, With<Wolf>>();
    assert!(
        wolves.iter(app.world()).any(|w| w.0.distance(edge) < 400.0),
        "wolves came out"
    );
    assert!(fled, "someone fled from a wolf");
}

#[test]
fn far_npcs_think_less_often_than_near_ones() {
    let (cast, _) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let mut app = build_app(&cast, 40, 2, 0.05, sim_pool(factory(|| Ok(UtilityBackend))));
    app.insert_resource(npc_minds::brain::Lockstep::new(1));
    // The player stands still at the square; half the villagers are kept far away.
    let mut player = app.world_mut().query_filtered::<Entity, With<Player>>();
    let p = player.single(app.world()).unwrap();
    app.world_mut()
        .entity_mut(p)
        .remove::<npc_minds::world::ScriptedWalk>();
    for _ in 0..600 {
        let mut q = app.world_mut().query::<(&Villager, &mut Position)>();
        for (v, mut pos) in q.iter_mut(app.world_mut()) {
            pos.0 = if v.id % 2 == 0 {
                Vec2::new(20.0, 0.0)
            } else {
                Vec2::new(900.0, 560.0)
            };
        }
        app.update();
    }
    let mut q = app.world_mut().query::<(&Villager, &Mind)>();
    let (mut near, mut far) = (0u64, 0u64);
    for (v, m) in q.iter(app.world()) {
        if v.id % 2 == 0 {
            near += m.generation as u64
        } else {
            far += m.generation as u64
        }
    }
    assert!(near > 3 * far, "near {near} thinks vs far {far}");
}

#[test]
fn failing_backends_fall_back_to_the_utility_ai() {
    let (cast, _) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let broken = ScriptedBackend {
        failure_rate: 1.0,
        ..Default::default()
    };
    let mut app = build_app(
        &cast,
        30,
        1,
        0.05,
        sim_pool(factory(move || Ok(broken.clone()))),
    );
    for _ in 0..100 {
        app.update();
        std::thread::sleep(Duration::from_millis(1));
    }
    let stats = app.world().resource::<BrainStats>().clone();
    assert!(
        stats.fallbacks >= 30 && stats.fallbacks == stats.decisions,
        "{stats:?}"
    );
    let mut q = app.world_mut().query::<&CurrentAction>();
    assert!(
        q.iter(app.world()).any(|a| a.0 != Action::Idle),
        "NPCs still act"
    );
    let pool = &app.world().resource::<npc_minds::brain::Inference>().0;
    // Every fallback is a failure the pool counted; the difference is at most one job in flight per NPC.
    let failed = pool.metrics().lane(Lane::Policy).unwrap().failed;
    assert!(
        failed >= stats.fallbacks && failed - stats.fallbacks <= 30,
        "{failed} vs {stats:?}"
    );
}
