//! The emotion classifier with the real encoder and our committed head (CI fetches the encoder):
//! accuracy on the held-out test split, odd input, metadata checks at load, the lane backend and
//! the `npc-minds emotion` command. Skipped when the encoder is not fetched (a failure in CI or with
//! `NPC_MINDS_REQUIRE_MODELS=1`).

use crate::common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use npc_minds::decide::EmotionLabel;
use npc_minds::ml::emotion::data;
use npc_minds::ml::emotion::head::{EmotionHead, HeadError};
use npc_minds::ml::emotion::train::evaluate;
use npc_minds::ml::emotion::{EmotionClassifier, EmotionError, HEAD_FILE};
use npc_minds::ml::model_files::models_dir;

fn classifier() -> Option<EmotionClassifier> {
    let models = models_dir();
    common::require_model("encoder", models.join("all-minilm-l6-v2/model.safetensors"))?;
    Some(EmotionClassifier::load(&models, &models.join(HEAD_FILE)).expect("the classifier loads"))
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("npc-minds-emotion-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn the_head_reaches_80_percent_on_the_held_out_test_split() {
    let Some(c) = classifier() else { return };
    let test = data::load("assets/datasets/emotion/test.tsv".as_ref()).unwrap();
    let train = data::load("assets/datasets/emotion/train.tsv".as_ref()).unwrap();
    assert!(data::label_counts(&test).iter().all(|n| *n >= 30));
    assert!(
        test.iter().all(|t| !train.iter().any(|e| e.text == t.text)),
        "the test split is held out"
    );
    let texts: Vec<&str> = test.iter().map(|e| e.text.as_str()).collect();
    let mut pred = Vec::new();
    let mut vad = Vec::new();
    for chunk in texts.chunks(32) {
        for r in c.classify(chunk).unwrap() {
            pred.push(r.label);
            vad.push(r.vad);
        }
    }
    let truth: Vec<EmotionLabel> = test.iter().map(|e| e.label).collect();
    let vad_true: Vec<[f32; 3]> = test.iter().map(|e| e.vad).collect();
    let eval = evaluate(&truth, &pred, &vad_true, &vad);
    eprintln!("{}", eval.table());
    assert!(eval.accuracy >= 0.8, "accuracy {}", eval.accuracy);
    assert!(eval.macro_f1 >= 0.75, "macro-F1 {}", eval.macro_f1);
    // Valence at least gets the sign right far more often than not.
    let signs = vad
        .iter()
        .zip(&vad_true)
        .filter(|(_, t)| t[0].abs() > 0.3)
        .map(|(p, t)| (p[0] > 0.0) == (t[0] > 0.0))
        .collect::<Vec<_>>();
    let right = signs.iter().filter(|x| **x).count() as f32 / signs.len() as f32;
    assert!(right > 0.85, "valence sign right for {right}");
}

#[test]
fn plain_lines_read_as_expected_and_scores_are_probabilities() {
    let Some(c) = classifier() else { return };
    let lines = [
        (
            "Thank you so much, you are a true friend!",
            EmotionLabel::Joy,
        ),
        (
            "You worthless thief, I'll smash your face in!",
            EmotionLabel::Anger,
        ),
        ("Please help me, the wolves are coming!", EmotionLabel::Fear),
        ("Where is the mill?", EmotionLabel::Neutral),
    ];
    let texts: Vec<&str> = lines.iter().map(|(t, _)| *t).collect();
    let out = c.classify(&texts).unwrap();
    for ((text, want), r) in lines.iter().zip(&out) {
        assert_eq!(r.label, *want, "{text}: {r:?}");
        assert!((r.scores.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!(r.vad.iter().all(|v| (-1.0..=1.0).contains(v)));
    }
    assert!(
        out[0].vad[0] > 0.3 && out[1].vad[0] < -0.3,
        "valence follows"
    );
    // Batched equals one at a time.
    for (t, b) in texts.iter().zip(&out) {
        let one = &c.classify(&[t]).unwrap()[0];
        assert_eq!(one.label, b.label);
        for (x, y) in one.scores.iter().zip(b.scores) {
            assert!((x - y).abs() < 1e-3, "{t}: {x} vs {y}");
        }
    }
}

#[test]
fn odd_input_is_neutral_or_warned_never_a_panic() {
    let Some(c) = classifier() else { return };
    let long = "You are a kind soul and I thank you. ".repeat(400);
    let texts = [
        "",
        "   ",
        "村の鐘が盗まれた",
        "🙂🙂🙂",
        &long,
        "Où est le moulin ?",
    ];
    let out = c.classify(&texts).unwrap();
    assert_eq!(out.len(), texts.len());
    assert_eq!(out[0].label, EmotionLabel::Neutral);
    assert!(out[0].warning.is_none());
    assert_eq!(out[2].label, EmotionLabel::Neutral);
    assert!(out[2].warning.as_deref().unwrap().contains("English"));
    assert_eq!(out[3].label, EmotionLabel::Neutral);
    assert!(out[4].warning.is_some(), "long text is cut with a warning");
    assert_eq!(out[4].label, EmotionLabel::Joy);
    assert!(out[5].scores.iter().all(|p| p.is_finite()));
}

#[test]
fn a_head_for_another_encoder_or_a_corrupt_file_is_a_clear_error() {
    let Some(c) = classifier() else { return };
    let models = models_dir();
    let mut other = EmotionHead::load(
        &models.join(HEAD_FILE),
        &c.head.meta.encoder,
        c.head.meta.embedding_dim,
    )
    .unwrap();
    other.meta.encoder = "some-other-encoder==9.9".into();
    let path = temp_file("other.safetensors");
    other.save(&path).unwrap();
    match EmotionClassifier::load(&models, &path) {
        Err(EmotionError::Head(e @ HeadError::Mismatch { .. })) => {
            let msg = e.to_string();
            assert!(
                msg.contains("some-other-encoder==9.9") && msg.contains("train-emotion"),
                "{msg}"
            );
        }
        other => panic!("expected a mismatch, got {:?}", other.err()),
    }
    let err = EmotionHead::load(&models.join(HEAD_FILE), "x", 384)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("trained on embeddings of"),
        "{err}"
    );
    let wrong_dim = EmotionHead::load(&models.join(HEAD_FILE), &c.head.meta.encoder, 768);
    assert!(
        wrong_dim
            .err()
            .unwrap()
            .to_string()
            .contains("embedding size")
    );
    let corrupt = temp_file("corrupt.safetensors");
    std::fs::write(
        &corrupt,
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all",
    )
    .unwrap();
    let err = EmotionClassifier::load(&models, &corrupt).err().unwrap();
    assert!(err.to_string().contains("corrupt.safetensors"), "{err}");
    let missing = EmotionClassifier::load(&models, &temp_file("missing.safetensors"));
    assert!(missing.err().unwrap().to_string().contains("cannot read"));
}

#[test]
fn the_command_prints_one_json_object_per_line() {
    if classifier().is_none() {
        return;
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_npc-minds"))
        .args(["emotion", "--threads", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = b"Thank you, friend, the bread was wonderful!\n\n".to_vec();
    input.extend_from_slice(&[0xc3, 0x28, b'\n']);
    input.extend_from_slice(b"Get out of my sight, you filthy liar!\n");
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "{stdout}");
    assert_eq!(rows[0]["label"], "joy");
    assert_eq!(
        rows[0]["text"],
        "Thank you, friend, the bread was wonderful!"
    );
    let scores = rows[0]["scores"].as_object().unwrap();
    assert_eq!(scores.len(), 7);
    let sum: f64 = scores.values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-3);
    for key in ["valence", "arousal", "dominance"] {
        assert!(rows[0][key].as_f64().unwrap().abs() <= 1.0);
    }
    assert_eq!(rows[1]["label"], "neutral", "an empty line is neutral");
    assert_eq!(rows[2]["line"], 3);
    assert!(rows[2]["error"].as_str().unwrap().contains("UTF-8"));
    assert!(stderr.contains("line 3"));
    assert!(["anger", "disgust"].contains(&rows[3]["label"].as_str().unwrap()));
}
