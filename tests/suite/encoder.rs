//! The sentence encoder with the real all-MiniLM-L6-v2 weights (fetched by `fetch-models`; CI fetches
//! them): unit-length 384-d embeddings, meaning-aware distances, batch equals single, odd input, and
//! our own forward pass against candle's stock BERT on the same weights.

use crate::common;

use npc_minds::ml::encoder::{EncoderPath, SentenceEncoder, cosine};
use npc_minds::ml::lm::Kernel;
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

/// What the player types and what the tests read, of every length: the emotion test split's
/// sentences, a long text cut at 256 tokens, an empty one and one outside the Latin script.
fn varied_texts() -> Vec<String> {
    let test = std::fs::read_to_string("assets/datasets/emotion/test.tsv").unwrap();
    let mut texts: Vec<String> = test
        .lines()
        .skip(1)
        .step_by(3)
        .filter_map(|l| l.split('\t').next().map(str::to_string))
        .collect();
    texts.push("the wolves came down from the forest again and again ".repeat(40));
    texts.push(String::new());
    texts.push("鐘はどこ？ Où est la cloche ?".into());
    texts
}

fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn our_forward_pass_matches_candles_bert_on_the_same_weights() {
    let dir = models_dir().join("all-minilm-l6-v2");
    if common::require_model("encoder", dir.join("model.safetensors")).is_none() {
        return;
    }
    let candle = SentenceEncoder::load_with(&dir, EncoderPath::Candle).unwrap();
    assert_eq!(candle.path(), EncoderPath::Candle);
    let texts = varied_texts();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let want = candle.embed(&refs).unwrap();
    assert_eq!(want.len(), refs.len());
    for k in Kernel::available() {
        let ours = SentenceEncoder::load_with(&dir, EncoderPath::Kernels(k)).unwrap();
        assert_eq!(
            ours.path(),
            EncoderPath::Kernels(k),
            "our forward pass runs this model"
        );
        // The portable loops are slow: a few texts are enough to check them.
        let n = if k == Kernel::Scalar { 8 } else { refs.len() };
        let got = ours.embed(&refs[refs.len() - n..]).unwrap();
        let diff = max_diff(&got, &want[refs.len() - n..]);
        eprintln!(
            "{}: {n} texts, largest difference from candle {diff:.2e}",
            k.name()
        );
        assert!(
            diff < 2e-6,
            "{}: embeddings differ from candle's by {diff}",
            k.name()
        );
        // One text at a time gives what the batch gave.
        for (t, b) in refs[refs.len() - 3..].iter().zip(&got[n - 3..]) {
            let one = ours.embed(&[t]).unwrap();
            assert!(
                max_diff(&one, std::slice::from_ref(b)) < 1e-6,
                "{t:?} alone"
            );
        }
    }
}

#[test]
fn a_missing_model_folder_is_a_clear_error() {
    let err = SentenceEncoder::load(std::path::Path::new("/nonexistent/minilm"))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("/nonexistent/minilm/config.json"), "{err}");
}
