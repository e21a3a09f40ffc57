//! The grounded dialogue shared by the tests of one binary (loading takes a few seconds), and
//! small helpers to ask villagers things.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use npc_minds::config::files::load_cast;
use npc_minds::config::{CaseConfig, NpcConfig};
use npc_minds::inference::{DialogueRequest, WorldNames};
use npc_minds::ml::dialogue::Dialogue;
use npc_minds::ml::dialogue::backend::Collect;
use npc_minds::ml::dialogue::realise::Reply;
use npc_minds::ml::dialogue::request::{self, Turn};
use npc_minds::ml::model_files::models_dir;

/// The real models, or None (after `require_model` says why) when they are not fetched.
pub fn dialogue() -> Option<MutexGuard<'static, Dialogue>> {
    static D: OnceLock<Option<Mutex<Dialogue>>> = OnceLock::new();
    D.get_or_init(|| {
        let lm = super::require_model(
            "dialogue",
            models_dir().join("SmolLM2-135M-Instruct.Q4_1.gguf"),
        )?;
        super::require_model(
            "encoder",
            models_dir().join("all-minilm-l6-v2/model.safetensors"),
        )?;
        let d = Dialogue::load(&lm, &models_dir(), 2, &mut |l| eprintln!("{l}"))
            .expect("the dialogue models load");
        Some(Mutex::new(d))
    })
    .as_ref()
    .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The shipped cast.
pub fn cast() -> Vec<NpcConfig> {
    load_cast("assets/npcs".as_ref(), "no-mods".as_ref()).0
}

pub fn npc(name: &str) -> NpcConfig {
    cast().into_iter().find(|c| c.name == name).unwrap()
}

/// The names of the shipped world.
pub fn world() -> Arc<WorldNames> {
    let case = CaseConfig::load("assets/cases/stolen-bell.case.ron".as_ref()).ok();
    Arc::new(request::world_names(&cast(), case.as_ref()))
}

/// A request for `line` at `trust`, at the NPC's resting mood, with no history.
pub fn request(c: &NpcConfig, trust: f32, line: &str, seed: u64) -> DialogueRequest {
    request::request(c, trust, [0.0; 3], &[], Turn::Say(line), &world(), seed)
}

/// Asks and collects the reply.
pub fn ask(d: &mut Dialogue, c: &NpcConfig, trust: f32, line: &str, seed: u64) -> Reply {
    let mut sink = Collect::default();
    let reply = d
        .respond(&request(c, trust, line, seed), &mut sink)
        .unwrap();
    assert_eq!(sink.text, reply.text, "what streamed is what was said");
    reply
}
