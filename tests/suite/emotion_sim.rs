//! Emotion in the headless village with the real emotion model on the emotion lane (CI fetches the
//! encoder; skipped without it, a failure in CI or with `NPC_MINDS_REQUIRE_MODELS=1`): insulting a
//! villager several times makes it angry, lowers its trust and makes it avoid the player; kind
//! words raise another villager's trust. Threats and harm are felt without any words.

use crate::common;

use bevy::prelude::*;
use npc_minds::brain::Lockstep;
use npc_minds::brain::components::{Emotion, Profile, Trust};
use npc_minds::brain::emotion::{Experience, NpcExperienced, baseline};
use npc_minds::brain::talk::PlayerSaid;
use npc_minds::config::files::load_cast;
use npc_minds::decide::Action;
use npc_minds::decide::EmotionLabel;
use npc_minds::inference::backends::scripted::ScriptedBackend;
use npc_minds::inference::backends::utility::UtilityBackend;
use npc_minds::inference::{InferencePool, Lane, factory};
use npc_minds::ml::emotion::{HEAD_FILE, backend_factory};
use npc_minds::ml::model_files::models_dir;
use npc_minds::sim::run::build_app;
use npc_minds::world::ScriptedWalk;
use npc_minds::world::components::{CurrentAction, Player, Position, Villager};

fn app_with_emotion_model() -> Option<App> {
    let models = models_dir();
    common::require_model("encoder", models.join("all-minilm-l6-v2/model.safetensors"))?;
    let (cast, _) = load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let emotion = backend_factory(models.clone(), models.join(HEAD_FILE));
    let pool = InferencePool::builder()
        .lane(Lane::Policy, factory(|| Ok(UtilityBackend)))
        .lane(Lane::Emotion, emotion)
        .lane(Lane::Dialogue, factory(|| Ok(ScriptedBackend::default())))
        .build();
    let mut app = build_app(&cast, 2, 1, 0.1, pool);
    // Results apply a fixed two ticks after dispatch, not when a worker thread happens to finish:
    // how many frames pass before a villager acts on what it felt does not depend on the
    // machine's load.
    app.insert_resource(Lockstep::new(2));
    // The player stands still next to villager 0 instead of walking its scripted round.
    let world = app.world_mut();
    let player = world
        .query_filtered::<Entity, With<Player>>()
        .single(world)
        .unwrap();
    app.world_mut().entity_mut(player).remove::<ScriptedWalk>();
    stand_near(&mut app, 0);
    Some(app)
}

/// Puts the player 40 units from villager `id`.
fn stand_near(app: &mut App, id: u64) {
    let near = npc_position(app, id) + Vec2::new(40.0, 0.0);
    let world = app.world_mut();
    let mut q = world.query_filtered::<&mut Position, With<Player>>();
    q.single_mut(world).unwrap().0 = near;
}

fn npc(app: &mut App, id: u64) -> Entity {
    let world = app.world_mut();
    let mut q = world.query::<(Entity, &Villager)>();
    q.iter(world).find(|(_, v)| v.id == id).unwrap().0
}

fn npc_position(app: &mut App, id: u64) -> Vec2 {
    let e = npc(app, id);
    app.world().get::<Position>(e).unwrap().0
}

fn player_position(app: &mut App) -> Vec2 {
    let world = app.world_mut();
    world
        .query_filtered::<&Position, With<Player>>()
        .single(world)
        .unwrap()
        .0
}

/// Says `lines` one after another, running frames in between so each one is classified.
fn say_all(app: &mut App, to: Entity, lines: &[&str]) {
    for line in lines {
        app.world_mut().write_message(PlayerSaid {
            npc: to,
            text: line.to_string(),
        });
        for _ in 0..15 {
            app.update();
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

#[test]
fn insults_make_a_villager_angry_distrustful_and_avoid_the_player_kindness_raises_trust() {
    let Some(mut app) = app_with_emotion_model() else {
        return;
    };
    let (rude_to, kind_to) = (npc(&mut app, 0), npc(&mut app, 1));
    let mut before = Vec::new();
    for _ in 0..40 {
        stand_near(&mut app, 0);
        app.update();
        before.push(app.world().get::<CurrentAction>(rude_to).unwrap().0);
    }
    assert!(
        !before.contains(&Action::AvoidPlayer),
        "not avoiding before: {before:?}"
    );
    let trust0 = app.world().get::<Trust>(rude_to).unwrap().0;
    say_all(
        &mut app,
        rude_to,
        &[
            "You are a worthless, lying fool!",
            "Get out of my sight, you disgusting thief!",
            "I'll smash your stupid face in!",
            "Nobody in this village can stand you, you miserable wretch.",
        ],
    );
    let trust = app.world().get::<Trust>(rude_to).unwrap().0;
    let feeling = *app.world().get::<Emotion>(rude_to).unwrap();
    eprintln!("after insults: trust {trust0:.2} -> {trust:.2}, emotion {feeling:?}");
    assert!(trust < trust0 - 0.25, "trust fell: {trust0} -> {trust}");
    assert!(feeling.vad[0] < -0.3, "unpleasant: {feeling:?}");
    assert!(
        matches!(feeling.label, EmotionLabel::Anger | EmotionLabel::Disgust),
        "{feeling:?}"
    );
    // The player walks up to it again.
    stand_near(&mut app, 0);
    let gap_before = npc_position(&mut app, 0).distance(player_position(&mut app));
    let mut after = Vec::new();
    for _ in 0..30 {
        app.update();
        after.push(app.world().get::<CurrentAction>(rude_to).unwrap().0);
    }
    let avoiding = after.iter().filter(|a| **a == Action::AvoidPlayer).count();
    let gap_after = npc_position(&mut app, 0).distance(player_position(&mut app));
    eprintln!("avoiding in {avoiding}/30 frames; distance {gap_before:.0} -> {gap_after:.0}");
    assert!(avoiding >= 20, "{after:?}");
    assert!(gap_after > gap_before + 50.0);

    let kind0 = app.world().get::<Trust>(kind_to).unwrap().0;
    say_all(
        &mut app,
        kind_to,
        &[
            "Thank you so much, you're wonderful!",
            "Your work is the finest in the whole valley, truly.",
            "It's a joy to see you again, friend!",
        ],
    );
    let kind = app.world().get::<Trust>(kind_to).unwrap().0;
    let glad = *app.world().get::<Emotion>(kind_to).unwrap();
    eprintln!("after kind words: trust {kind0:.2} -> {kind:.2}, emotion {glad:?}");
    assert!(kind > kind0 + 0.15, "trust rose: {kind0} -> {kind}");
    assert!(
        glad.vad[0] > 0.3 && glad.label == EmotionLabel::Joy,
        "{glad:?}"
    );
}

#[test]
fn threats_and_harm_are_felt_and_fade_back_to_the_temperament() {
    let Some(mut app) = app_with_emotion_model() else {
        return;
    };
    let (hurt, witness) = (npc(&mut app, 0), npc(&mut app, 1));
    app.update();
    let beside = npc_position(&mut app, 0) + Vec2::new(0.0, 60.0);
    app.world_mut().get_mut::<Position>(witness).unwrap().0 = beside;
    let calm = *app.world().get::<Emotion>(witness).unwrap();
    app.world_mut().write_message(NpcExperienced {
        npc: hurt,
        experience: Experience::Harm,
    });
    app.update();
    let hurt_now = *app.world().get::<Emotion>(hurt).unwrap();
    let saw = *app.world().get::<Emotion>(witness).unwrap();
    // Being hurt is unpleasant and arousing: fear, or anger in the brave.
    assert!(
        matches!(hurt_now.label, EmotionLabel::Fear | EmotionLabel::Anger),
        "{hurt_now:?}"
    );
    assert!(
        hurt_now.vad[0] < -0.3 && hurt_now.vad[1] > 0.3,
        "{hurt_now:?}"
    );
    assert!(
        saw.vad[0] < calm.vad[0],
        "the neighbour saw it: {calm:?} -> {saw:?}"
    );
    // 90 s pass (frames are 0.1 s); Aldric's half-life is 40 s: the way back to his temperament
    // shrinks to 2^-2.25 = 0.21 of what it was (a margin for wolves or other events).
    let profile = app.world().get::<Profile>(hurt).unwrap().0.clone();
    let rest = baseline(&profile.temperament);
    let away = |e: &Emotion| {
        e.vad
            .iter()
            .zip(rest)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f32>()
            .sqrt()
    };
    for _ in 0..900 {
        app.update();
    }
    let later = *app.world().get::<Emotion>(hurt).unwrap();
    assert_eq!(profile.name, "Aldric");
    assert_eq!(profile.temperament.half_life_secs, 40.0);
    assert!(
        away(&later) < away(&hurt_now) * 0.3,
        "{hurt_now:?} -> {later:?} (rest {rest:?})"
    );
}
