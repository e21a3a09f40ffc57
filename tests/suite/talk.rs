//! The dialogue and emotion lanes end to end through the ECS (scripted backends): a player line
//! streams a reply into `Speech` token by token; a new line supersedes the old reply; a failing model
//! answers with the NPC's fallback lines.

use std::time::{Duration, Instant};

use bevy::prelude::*;
use npc_minds::brain::talk::{PlayerSaid, Speech};
use npc_minds::config::files::load_cast;
use npc_minds::inference::backends::scripted::ScriptedBackend;
use npc_minds::inference::backends::utility::UtilityBackend;
use npc_minds::inference::{InferencePool, Lane, factory};
use npc_minds::sim::run::build_app;
use npc_minds::world::components::Villager;

fn app_with_dialogue(dialogue: ScriptedBackend) -> (App, Entity, Vec<String>) {
    let (cast, _) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let pool = InferencePool::builder()
        .lane(Lane::Policy, factory(|| Ok(UtilityBackend)))
        .lane(Lane::Emotion, factory(|| Ok(ScriptedBackend::default())))
        .lane(Lane::Dialogue, factory(move || Ok(dialogue.clone())))
        .build();
    let mut app = build_app(&cast, 3, 1, 0.05, pool);
    let mut q = app.world_mut().query::<(Entity, &Villager)>();
    let (e, v) = q.iter(app.world()).find(|(_, v)| v.id == 0).unwrap();
    let name = v.name.clone();
    let lines = cast
        .iter()
        .find(|c| c.name == name)
        .unwrap()
        .fallback_lines
        .clone();
    (app, e, lines)
}

fn say(app: &mut App, npc: Entity, text: &str) {
    app.world_mut().write_message(PlayerSaid {
        npc,
        text: text.into(),
    });
}

fn speech(app: &App, npc: Entity) -> Speech {
    app.world().get::<Speech>(npc).cloned().unwrap_or_default()
}

#[test]
fn a_reply_streams_in_token_by_token() {
    let (mut app, npc, _) = app_with_dialogue(ScriptedBackend {
        token_latency: Duration::from_millis(15),
        ..Default::default()
    });
    say(
        &mut app,
        npc,
        "Good morning! Did you see anything last night?",
    );
    let mut lengths = Vec::new();
    let start = Instant::now();
    while !speech(&app, npc).done && start.elapsed() < Duration::from_secs(10) {
        app.update();
        lengths.push(speech(&app, npc).text.len());
        std::thread::sleep(Duration::from_millis(5));
    }
    let s = speech(&app, npc);
    assert!(s.done && !s.fallback && !s.text.is_empty(), "{s:?}");
    lengths.dedup();
    assert!(
        lengths.len() > 5,
        "the text grew in many steps: {lengths:?}"
    );
}

#[test]
fn a_new_line_supersedes_the_reply_in_progress() {
    let (mut app, npc, fallback_lines) = app_with_dialogue(ScriptedBackend {
        token_latency: Duration::from_millis(20),
        ..Default::default()
    });
    say(&mut app, npc, "first");
    // Wait until the first reply is streaming (not a fixed number of frames).
    let start = Instant::now();
    while speech(&app, npc).text.is_empty() && start.elapsed() < Duration::from_secs(10) {
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    let first = speech(&app, npc);
    assert!(
        first.generation == 1 && !first.text.is_empty() && !first.done,
        "the first reply is in progress: {first:?}"
    );
    say(&mut app, npc, "second");
    app.update();
    assert_eq!(speech(&app, npc).generation, 2);
    let start = Instant::now();
    while !speech(&app, npc).done && start.elapsed() < Duration::from_secs(10) {
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    let pool = &app.world().resource::<npc_minds::brain::Inference>().0;
    assert!(
        pool.metrics().lane(Lane::Dialogue).unwrap().stale >= 1,
        "the first reply was cancelled"
    );
    // The second line was answered by the model, not by a fallback line.
    let s = speech(&app, npc);
    assert!(
        s.done
            && s.generation == 2
            && s.heard == "second"
            && !s.fallback
            && !s.text.is_empty()
            && !fallback_lines.contains(&s.text),
        "the model answered the second line: {s:?}"
    );
}

#[test]
fn a_failing_model_answers_with_a_fallback_line_and_blank_lines_are_ignored() {
    let (mut app, npc, lines) = app_with_dialogue(ScriptedBackend {
        failure_rate: 1.0,
        ..Default::default()
    });
    say(&mut app, npc, "   ");
    say(&mut app, npc, &"x".repeat(100_000));
    let start = Instant::now();
    while !speech(&app, npc).done && start.elapsed() < Duration::from_secs(10) {
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    let s = speech(&app, npc);
    assert!(s.fallback && lines.contains(&s.text), "{s:?}");
    assert_eq!(s.generation, 1, "the blank line sent nothing");
}

#[test]
fn walking_away_cancels_the_reply_within_a_token() {
    let (mut app, npc, _) = app_with_dialogue(ScriptedBackend {
        token_latency: Duration::from_millis(20),
        ..Default::default()
    });
    app.world_mut()
        .entity_mut(npc)
        .insert(npc_minds::brain::components::InConversation);
    say(&mut app, npc, "Tell me everything.");
    let start = Instant::now();
    while speech(&app, npc).text.len() < 10 && start.elapsed() < Duration::from_secs(5) {
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    app.world_mut()
        .entity_mut(npc)
        .remove::<npc_minds::brain::components::InConversation>();
    let cut = speech(&app, npc);
    assert!(cut.done, "the reply ends where it was");
    for _ in 0..30 {
        app.update();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        speech(&app, npc).text,
        cut.text,
        "nothing more arrives after the player left"
    );
    let pool = &app.world().resource::<npc_minds::brain::Inference>().0;
    assert!(pool.metrics().lane(Lane::Dialogue).unwrap().stale >= 1);
}
