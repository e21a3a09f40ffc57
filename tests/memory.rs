//! `chat --memory FILE` end to end: a villager told something in one chat says it back in the
//! next (a new process that has only the file), on the real models; a damaged or someone else's
//! memory file stops the chat with a clear error and is left as it was.

mod common;

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
    let (_, saved) =
        file::load::<VillagerMemory>(&greta, VILLAGER_KIND, VILLAGER_VERSION).unwrap();
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
    assert!(saved.stream.memories.iter().all(|m| m.embedding.len() == 384));
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
