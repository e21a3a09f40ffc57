//! `chat --memory FILE` end to end: a villager told something in one chat says it back in the
//! next (a new process that has only the file), on the real models; a damaged or someone else's
//! memory file stops the chat with a clear error and is left as it was.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use npc_minds::memory::file;
use npc_minds::memory::{MemoryKind, VILLAGER_KIND, VILLAGER_VERSION, VillagerMemory};

fn chat(npc: &str, memory: &Path, input: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .args(["chat", "--npc", npc, "--seed", "3", "--memory"])
        .arg(memory)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("npc-minds-memory-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn have_models() -> bool {
    let dir = npc_minds::ml::model_files::models_dir();
    common::require_model("dialogue", dir.join("SmolLM2-135M-Instruct.Q4_1.gguf")).is_some()
}

/// Replies of `name` in a chat's output, in order.
fn replies<'a>(stdout: &'a str, name: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{name}: ")))
        .collect()
}

#[test]
fn a_villager_says_back_in_a_new_chat_what_you_told_it() {
    if !have_models() {
        return;
    }
    let d = dir("recall");
    let greta = d.join("greta.memory");
    let (code, out, err) = chat(
        "Greta",
        &greta,
        "Good morning, Greta. My name is Tomas.\nI live in Dunmore, by the sea.\nThank you, goodbye!\n",
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(replies(&out, "Greta").len(), 3, "{out}");
    let (_, saved) = file::load::<VillagerMemory>(&greta, VILLAGER_KIND, VILLAGER_VERSION).unwrap();
    assert_eq!(saved.conversations, 1);
    let told: Vec<&str> = saved
        .stream
        .memories
        .iter()
        .filter(|m| m.kind == MemoryKind::Told)
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(
        told,
        [
            "You told me your name is Tomas.",
            "You told me you live in Dunmore, by the sea."
        ]
    );
    assert!(
        saved
            .stream
            .memories
            .iter()
            .all(|m| m.embedding.len() == 384)
    );
    assert!(saved.trust > 0.0, "thanks raised trust: {}", saved.trust);

    // A new process with only the file: asked in other words than the ones told.
    let (code, out, err) = chat(
        "Greta",
        &greta,
        "Do you remember what I'm called?\nWhere is my home, do you recall?\n",
    );
    assert_eq!(code, Some(0), "{err}");
    let r = replies(&out, "Greta");
    assert_eq!(r.len(), 2, "{out}");
    assert!(r[0].contains("Tomas"), "name not recalled: {out}");
    assert!(r[1].contains("Dunmore"), "home not recalled: {out}");

    // Another villager was told nothing: it does not know the name.
    let (_, out, _) = chat("Odo", &d.join("odo.memory"), "Do you remember my name?\n");
    assert!(!out.contains("Tomas"), "{out}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_damaged_or_foreign_memory_file_is_a_clear_error_and_left_alone() {
    let d = dir("bad");
    let path = d.join("greta.memory");
    std::fs::write(&path, b"not a save at all\n").unwrap();
    let (code, _, err) = chat("Greta", &path, "hello\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not an npc-minds save file"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"not a save at all\n");

    let odo = VillagerMemory::new("Odo", 0.2, 3600.0);
    file::save(&path, VILLAGER_KIND, VILLAGER_VERSION, &odo).unwrap();
    let before = std::fs::read(&path).unwrap();
    let (code, _, err) = chat("Greta", &path, "hello\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is Odo's memory, not Greta's"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let mut cut = before.clone();
    cut.truncate(before.len() / 2);
    std::fs::write(&path, &cut).unwrap();
    let (code, _, err) = chat("Greta", &path, "hello\n");
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("truncated"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

/// A pool with the real dialogue model (the emotion lane scripted, decisions by the utility AI).
fn real_pool() -> npc_minds::inference::InferencePool {
    use npc_minds::inference::backends::scripted::ScriptedBackend;
    use npc_minds::inference::backends::utility::UtilityBackend;
    use npc_minds::inference::{InferenceError, InferencePool, Lane, factory};
    use npc_minds::ml::dialogue::{Dialogue, DialogueBackend};
    use npc_minds::ml::model_files::models_dir;

    let lm = models_dir().join("SmolLM2-135M-Instruct.Q4_1.gguf");
    InferencePool::builder()
        .lane(Lane::Policy, factory(|| Ok(UtilityBackend)))
        .lane(Lane::Emotion, factory(|| Ok(ScriptedBackend::default())))
        .lane(
            Lane::Dialogue,
            factory(move || {
                let d = Dialogue::load(&lm, &models_dir(), 2, &mut |_| {})
                    .map_err(|e| InferenceError::Backend(e.to_string()))?;
                Ok(DialogueBackend(d))
            }),
        )
        .build()
}

/// Waits for the villager's reply to be done (at most a minute) and returns it.
fn reply(app: &mut bevy::prelude::App, npc: bevy::prelude::Entity) -> String {
    use npc_minds::brain::talk::Speech;
    let start = std::time::Instant::now();
    loop {
        app.update();
        if let Some(s) = app.world().get::<Speech>(npc)
            && s.done
        {
            return s.text.clone();
        }
        assert!(start.elapsed().as_secs() < 60, "no reply within a minute");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn in_the_village_a_villager_remembers_words_and_bread_through_the_dialogue_lane() {
    use npc_minds::brain::talk::PlayerGave;
    use npc_minds::world::components::Villager;

    if !have_models() {
        return;
    }
    let (cast, _) = npc_minds::config::files::load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let pool = real_pool();
    let mut app = npc_minds::sim::run::build_app(&cast, 3, 1, 0.05, pool);
    let mut q = app
        .world_mut()
        .query::<(bevy::prelude::Entity, &Villager)>();
    let (npc, _) = q.iter(app.world()).find(|(_, v)| v.id == 0).unwrap();
    ask(&mut app, npc, "Good day! My name is Corwin.");
    app.world_mut().write_message(PlayerGave { npc });
    reply(&mut app, npc);
    let kinds: Vec<MemoryKind> = memories(&app, npc).into_iter().map(|m| m.0).collect();
    assert_eq!(kinds, [MemoryKind::Told, MemoryKind::Gift]);
    let name = ask(&mut app, npc, "Do you still know my name?");
    assert!(name.contains("Corwin"), "{name}");
    let gift = ask(&mut app, npc, "What did I bring you earlier?");
    assert!(
        gift.to_lowercase().contains("bread") || gift.contains("loaf"),
        "{gift}"
    );
}

/// The kind and words of each memory `npc` keeps, oldest first.
fn memories(app: &bevy::prelude::App, npc: bevy::prelude::Entity) -> Vec<(MemoryKind, String)> {
    app.world()
        .get::<npc_minds::brain::components::Memories>(npc)
        .map(|m| {
            m.0.memories
                .iter()
                .map(|m| (m.kind, m.text.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Asks `npc` `line` and waits for the reply.
fn ask(app: &mut bevy::prelude::App, npc: bevy::prelude::Entity, line: &str) -> String {
    app.world_mut()
        .write_message(npc_minds::brain::talk::PlayerSaid {
            npc,
            text: line.into(),
        });
    reply(app, npc)
}

fn villager(app: &mut bevy::prelude::App, name: &str) -> bevy::prelude::Entity {
    use npc_minds::world::components::Villager;
    let mut q = app
        .world_mut()
        .query::<(bevy::prelude::Entity, &Villager)>();
    q.iter(app.world())
        .find(|(_, v)| v.name == name)
        .map(|(e, _)| e)
        .unwrap_or_else(|| panic!("no villager {name}"))
}

#[test]
fn after_a_save_and_a_load_a_villager_remembers_you_what_it_told_you_and_what_it_heard() {
    use npc_minds::brain::components::{InConversation, Memories, Trust};
    use npc_minds::brain::talk::Speech;
    use npc_minds::memory::gossip::heard_clue;
    use npc_minds::sim::save::{self, SIM_KIND, SIM_VERSION, SimSave};

    if !have_models() {
        return;
    }
    let (cast, _) = npc_minds::config::files::load_cast("assets/npcs".as_ref(), "no-mods".as_ref());
    let npcs = cast.len();
    let mut app = npc_minds::sim::run::build_app(&cast, npcs, 1, 0.05, real_pool());
    app.update();
    let greta = villager(&mut app, "Greta");
    app.world_mut().entity_mut(greta).insert(InConversation);
    ask(&mut app, greta, "Good day! My name is Corwin.");
    let told = ask(&mut app, greta, "Did you see anything strange at night?");
    let facts = app.world().get::<Speech>(greta).unwrap().told.clone();
    assert_eq!(facts.len(), 1, "{told:?} told no fact");
    assert!(facts[0].contains("lantern"), "{facts:?}");
    // Walking away ends the conversation: it leaves a summary of what was told.
    app.world_mut().entity_mut(greta).remove::<InConversation>();
    let summary: Vec<String> = memories(&app, greta)
        .into_iter()
        .filter(|m| m.0 == MemoryKind::Summary)
        .map(|m| m.1)
        .collect();
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert!(summary[0].contains("lantern"), "{summary:?}");
    // Pip hears Greta's clue (as gossip leaves it).
    let pip = villager(&mut app, "Pip");
    let heard = heard_clue(
        "Greta",
        "Greta",
        &cast.iter().find(|c| c.name == "Greta").unwrap().knowledge[0],
        1.0,
    );
    app.world_mut().entity_mut(pip).insert(Memories({
        let mut s = npc_minds::memory::MemoryStream::new(200, 20.0);
        s.add(heard);
        s
    }));
    // Saved to a file, loaded into a new game with a new pool.
    let path = dir("save-load").join("village.save");
    let state = save::capture(app.world_mut(), npcs, 1, 0.05);
    file::save(&path, SIM_KIND, SIM_VERSION, &state).unwrap();
    drop(app);
    let (_, loaded): (u32, SimSave) = file::load(&path, SIM_KIND, SIM_VERSION).unwrap();
    let mut app = npc_minds::sim::run::build_app(&cast, npcs, 1, 0.05, real_pool());
    app.update();
    save::restore(app.world_mut(), &loaded).unwrap();
    let greta = villager(&mut app, "Greta");
    let name = ask(&mut app, greta, "Do you remember my name?");
    assert!(name.contains("Corwin"), "{name}");
    let last = ask(&mut app, greta, "What did you tell me last time we talked?");
    assert!(last.to_lowercase().contains("lantern"), "{last}");
    let pip = villager(&mut app, "Pip");
    // Pip trusts the player as far as Greta asked of her clue (the sim's visitor may have
    // been rude to Pip).
    app.world_mut().entity_mut(pip).insert(Trust(0.5));
    let rumour = ask(
        &mut app,
        pip,
        "Did anyone see a light near the town hall at night?",
    );
    assert!(
        rumour.to_lowercase().contains("lantern") && rumour.contains("Greta"),
        "{rumour}"
    );
}
