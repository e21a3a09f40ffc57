//! `npc-minds chat` end to end: piped lines, invalid UTF-8 on one line, repeatable with --seed,
//! unknown NPC names. Needs the dialogue model (CI fetches it); skipped without it, a failure in CI
//! or with `NPC_MINDS_REQUIRE_MODELS=1`.

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};

fn chat(args: &[&str], input: &[u8]) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .arg("chat")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn have_model() -> bool {
    common::require_model(
        "dialogue",
        npc_minds::ml::model_files::models_dir().join("SmolLM2-135M-Instruct.Q4_1.gguf"),
    )
    .is_some()
}

#[test]
fn piped_lines_get_streamed_replies_and_bad_lines_a_clear_error() {
    if !have_model() {
        return;
    }
    let mut input = b"Hello Greta!\n".to_vec();
    input.extend_from_slice(&[0xff, 0xfe, b'\n']);
    input.extend_from_slice(b"\n   \nWhat do you bake?\n");
    let (code, stdout, stderr) = chat(&["--npc", "greta", "--seed", "9"], &input);
    assert_eq!(code, Some(0), "{stderr}");
    let replies: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("Greta: "))
        .collect();
    assert_eq!(replies.len(), 2, "{stdout}");
    assert!(
        replies.iter().all(|r| r.len() > "Greta: ".len() + 2),
        "{stdout}"
    );
    assert!(
        stderr.contains("line 2 is not valid UTF-8; skipped"),
        "{stderr}"
    );
    let (_, again, _) = chat(&["--npc", "Greta", "--seed", "9"], &input);
    assert_eq!(again, stdout, "the same seed gives the same conversation");
}

#[test]
fn an_unknown_npc_is_a_clear_error() {
    let (code, _, stderr) = chat(&["--npc", "Nobody"], b"hi\n");
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("no NPC named \"Nobody\"") && stderr.contains("Greta"),
        "{stderr}"
    );
}

/// `bench players` end to end on the real models: a short level of two players reports every
/// figure, with turns said and answered.
#[test]
fn bench_players_reports_a_level() {
    if !have_model() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .args([
            "bench",
            "players",
            "--players",
            "2",
            "--seconds",
            "12",
            "--json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let level: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(level["players"], 2);
    // Two players each speak within their first pace (at most 15 s) and the level waits for
    // the replies.
    assert!(level["turns"].as_u64().unwrap() >= 1, "{level}");
    assert_eq!(level["unfinished"], 0, "{level}");
    for field in [
        "turns_per_s",
        "first_words_ms_p50",
        "first_words_ms_p99",
        "reply_ms_p99",
        "retries_per_turn",
        "cpu_share",
        "batcher_busy",
    ] {
        assert!(
            level[field].as_f64().is_some_and(|x| x >= 0.0),
            "{field}: {level}"
        );
    }
    assert!(
        level["first_words_ms_p50"].as_f64().unwrap() > 0.0,
        "{level}"
    );
}
