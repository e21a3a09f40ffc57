//! The sentence encoder with the real all-MiniLM-L6-v2 weights (fetched by `fetch-models`; CI fetches
//! them): unit-length 384-d embeddings, meaning-aware distances, batch equals single, odd input.

mod common;

use npc_minds::ml::encoder::{SentenceEncoder, cosine};
use npc_minds::ml::model_files::models_dir;

fn encoder() -> Option<SentenceEncoder> {
    let dir = models_dir().join("all-minilm-l6-v2");
    common::require_model("encoder", dir.join("model.safetensors"))?;
    Some(SentenceEncoder::load(&dir).expect("the encoder loads"))
}

#[test]
fn embeddings_are_unit_length_and_follow_meaning() {
    let Some(enc) = encoder() else { return };
    let texts = [
        "Thank you so much, you are very kind!",
        "I really appreciate your help, friend.",
        "Get out of my way or I will hurt you.",
        "Good morning!",
        "Good morning to you!",
    ];
    let e = enc.embed(&texts).unwrap();
    assert_eq!((e.len(), e[0].len(), enc.dim), (5, 384, 384));
    for v in &e {
        let n: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((n - 1.0).abs() < 1e-4, "norm {n}");
    }
    let kind = cosine(&e[0], &e[1]);
    let rude = cosine(&e[0], &e[2]);
    let same = cosine(&e[3], &e[4]);
    eprintln!("thanks~appreciate {kind:.3}, thanks~threat {rude:.3}, morning~morning {same:.3}");
    assert!(same > 0.8, "a paraphrase is near: {same}");
    assert!(
        kind > rude + 0.1,
        "kindness is nearer kindness than a threat: {kind} vs {rude}"
    );
}

#[test]
fn a_batch_gives_the_same_embeddings_as_one_by_one() {
    let Some(enc) = encoder() else { return };
    let texts = [
        "Good morning!",
        "Have you seen the mayor's bell anywhere around the village square?",
    ];
    let batch = enc.embed(&texts).unwrap();
    for (t, b) in texts.iter().zip(&batch) {
        let one = enc.embed(&[t]).unwrap().remove(0);
        let diff = one
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(diff < 1e-4, "padding changed {t:?} by {diff}");
    }
}

#[test]
fn empty_long_and_foreign_text_embed_without_panic() {
    let Some(enc) = encoder() else { return };
    let long = "wolf ".repeat(5_000);
    let e = enc
        .embed(&["", &long, "Où est la cloche du maire ? 鐘はどこ？", "🐺🔔"])
        .unwrap();
    assert_eq!(e.len(), 4);
    assert!(e.iter().flatten().all(|x| x.is_finite()));
    assert!(enc.embed(&[]).unwrap().is_empty());
}

#[test]
fn a_missing_model_folder_is_a_clear_error() {
    let err = SentenceEncoder::load(std::path::Path::new("/nonexistent/minilm"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("/nonexistent/minilm/config.json"), "{err}");
}
