//! Training the emotion head in candle: embeddings are computed once with the frozen encoder, then
//! an MLP learns labels (cross-entropy) and valence/arousal/dominance (squared error) with AdamW,
//! seeded (weights, shuffling and dropout), and is scored on the held-out test split.

use candle_core::{D, DType, Device, Tensor, Var};
use candle_nn::{AdamW, Linear, Optimizer, ParamsAdamW};

use super::data::Example;
use super::head::{EmotionHead, HeadMeta};
use crate::decide::EmotionLabel;

/// Training settings.
#[derive(Clone, Debug)]
pub(crate) struct TrainSettings {
    pub(crate) seed: u64,
    pub(crate) epochs: usize,
    pub(crate) hidden: usize,
    pub(crate) batch: usize,
    pub(crate) learning_rate: f64,
    pub(crate) weight_decay: f64,
    /// Probability of dropping a hidden unit during training.
    pub(crate) dropout: f32,
    /// Weight of the valence/arousal/dominance loss next to the label loss.
    pub(crate) vad_weight: f64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            seed: 7,
            epochs: 60,
            hidden: 128,
            batch: 64,
            learning_rate: 2e-3,
            weight_decay: 1e-2,
            dropout: 0.5,
            vad_weight: 0.5,
        }
    }
}

/// splitmix64: small, seedable, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// A linear layer with uniform(-1/sqrt(in), 1/sqrt(in)) weights from `rng`, and its variables.
fn seeded_linear(rng: &mut Rng, i: usize, o: usize) -> candle_core::Result<(Linear, Vec<Var>)> {
    let bound = 1.0 / (i as f32).sqrt();
    let w: Vec<f32> = (0..i * o)
        .map(|_| (rng.unit() * 2.0 - 1.0) * bound)
        .collect();
    let w = Var::from_tensor(&Tensor::from_vec(w, (o, i), &Device::Cpu)?)?;
    let b = Var::from_tensor(&Tensor::zeros(o, DType::F32, &Device::Cpu)?)?;
    let layer = Linear::new(w.as_tensor().clone(), Some(b.as_tensor().clone()));
    Ok((layer, vec![w, b]))
}

/// Scores of a classifier on a labelled set.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub accuracy: f32,
    pub macro_f1: f32,
    /// F1 per label in [`EmotionLabel::ALL`] order.
    pub(crate) f1: [f32; 7],
    /// `confusion[true][predicted]`.
    pub(crate) confusion: [[usize; 7]; 7],
    /// Mean absolute error of valence/arousal/dominance.
    pub(crate) vad_mae: [f32; 3],
}

/// Accuracy, per-label and macro F1 and the confusion matrix of `predicted` against `truth`.
pub fn evaluate(
    truth: &[EmotionLabel],
    predicted: &[EmotionLabel],
    vad_true: &[[f32; 3]],
    vad_pred: &[[f32; 3]],
) -> Evaluation {
    let mut confusion = [[0usize; 7]; 7];
    for (t, p) in truth.iter().zip(predicted) {
        confusion[t.index()][p.index()] += 1;
    }
    let correct: usize = (0..7).map(|i| confusion[i][i]).sum();
    let mut f1 = [0.0f32; 7];
    for (i, f) in f1.iter_mut().enumerate() {
        let tp = confusion[i][i] as f32;
        let predicted_i: usize = (0..7).map(|t| confusion[t][i]).sum();
        let actual_i: usize = confusion[i].iter().sum();
        let precision = if predicted_i > 0 {
            tp / predicted_i as f32
        } else {
            0.0
        };
        let recall = if actual_i > 0 {
            tp / actual_i as f32
        } else {
            0.0
        };
        *f = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
    }
    let mut vad_mae = [0.0f32; 3];
    for (t, p) in vad_true.iter().zip(vad_pred) {
        for k in 0..3 {
            vad_mae[k] += (t[k] - p[k]).abs();
        }
    }
    let n = vad_true.len().max(1) as f32;
    vad_mae.iter_mut().for_each(|m| *m /= n);
    Evaluation {
        accuracy: correct as f32 / truth.len().max(1) as f32,
        macro_f1: f1.iter().sum::<f32>() / 7.0,
        f1,
        confusion,
        vad_mae,
    }
}

impl Evaluation {
    /// A readable table: accuracy, macro-F1, F1 per label and the confusion matrix.
    pub fn table(&self) -> String {
        let names = EmotionLabel::ALL.map(|l| l.name());
        let mut s = format!(
            "accuracy {:.3}  macro-F1 {:.3}  VAD mean abs error {:.3}/{:.3}/{:.3}\n",
            self.accuracy, self.macro_f1, self.vad_mae[0], self.vad_mae[1], self.vad_mae[2]
        );
        s.push_str(&format!("{:>10} {:>5}", "true\\pred", "F1"));
        for n in names {
            s.push_str(&format!(" {:>8}", n));
        }
        s.push('\n');
        for (i, n) in names.iter().enumerate() {
            s.push_str(&format!("{:>10} {:>5.2}", n, self.f1[i]));
            for c in self.confusion[i] {
                s.push_str(&format!(" {:>8}", c));
            }
            s.push('\n');
        }
        s
    }
}

/// Stacks embeddings into an (n, dim) tensor.
pub(crate) fn stack(embeddings: &[Vec<f32>], dim: usize) -> candle_core::Result<Tensor> {
    let flat: Vec<f32> = embeddings.iter().flatten().copied().collect();
    Tensor::from_vec(flat, (embeddings.len(), dim), &Device::Cpu)
}

/// Predicted labels and VAD of `head` on (n, dim) embeddings.
pub(crate) fn predict(
    head: &EmotionHead,
    x: &Tensor,
) -> candle_core::Result<(Vec<EmotionLabel>, Vec<[f32; 3]>)> {
    let out = head.forward(x, None)?;
    let best = out.logits.argmax(D::Minus1)?.to_vec1::<u32>()?;
    let vad = out.vad.to_vec2::<f32>()?;
    Ok((
        best.into_iter()
            .map(|i| EmotionLabel::ALL[i as usize])
            .collect(),
        vad.into_iter().map(|v| [v[0], v[1], v[2]]).collect(),
    ))
}

/// Trains a head on `train` (examples and their embeddings, in the same order). `progress`
/// receives a line every few epochs.
pub(crate) fn train(
    train: &[Example],
    embeddings: &[Vec<f32>],
    dim: usize,
    encoder: &str,
    s: &TrainSettings,
    progress: &mut dyn FnMut(&str),
) -> candle_core::Result<EmotionHead> {
    let mut rng = Rng(s.seed);
    let (hidden, mut vars) = seeded_linear(&mut rng, dim, s.hidden)?;
    let (labels, v2) = seeded_linear(&mut rng, s.hidden, EmotionLabel::ALL.len())?;
    let (vad, v3) = seeded_linear(&mut rng, s.hidden, 3)?;
    vars.extend(v2);
    vars.extend(v3);
    let meta = HeadMeta {
        encoder: encoder.to_string(),
        embedding_dim: dim,
        hidden: s.hidden,
        notes: vec![],
    };
    let head = EmotionHead::from_layers(hidden, labels, vad, meta);
    let mut opt = AdamW::new(
        vars,
        ParamsAdamW {
            lr: s.learning_rate,
            weight_decay: s.weight_decay,
            ..Default::default()
        },
    )?;
    let x_all = stack(embeddings, dim)?;
    let y_all: Vec<u32> = train.iter().map(|e| e.label.index() as u32).collect();
    let vad_all: Vec<f32> = train.iter().flat_map(|e| e.vad).collect();
    let mut order: Vec<u32> = (0..train.len() as u32).collect();
    let keep = 1.0 - s.dropout;
    for epoch in 1..=s.epochs {
        rng.shuffle(&mut order);
        let (mut loss_sum, mut batches) = (0.0f32, 0);
        for chunk in order.chunks(s.batch.max(1)) {
            let idx = Tensor::new(chunk, &Device::Cpu)?;
            let x = x_all.index_select(&idx, 0)?;
            let y: Vec<u32> = chunk.iter().map(|&i| y_all[i as usize]).collect();
            let y = Tensor::new(y.as_slice(), &Device::Cpu)?;
            let v: Vec<f32> = chunk
                .iter()
                .flat_map(|&i| vad_all[i as usize * 3..i as usize * 3 + 3].to_vec())
                .collect();
            let v = Tensor::from_vec(v, (chunk.len(), 3), &Device::Cpu)?;
            let mask: Vec<f32> = (0..chunk.len() * s.hidden)
                .map(|_| if rng.unit() < keep { 1.0 / keep } else { 0.0 })
                .collect();
            let mask = Tensor::from_vec(mask, (chunk.len(), s.hidden), &Device::Cpu)?;
            let out = head.forward(&x, Some(&mask))?;
            let ce = candle_nn::loss::cross_entropy(&out.logits, &y)?;
            let mse = candle_nn::loss::mse(&out.vad, &v)?;
            let loss = (ce + (mse * s.vad_weight)?)?;
            opt.backward_step(&loss)?;
            loss_sum += loss.to_scalar::<f32>()?;
            batches += 1;
        }
        if epoch == 1 || epoch % 10 == 0 || epoch == s.epochs {
            let (pred, _) = predict(&head, &x_all)?;
            let right = pred
                .iter()
                .zip(train)
                .filter(|(p, e)| **p == e.label)
                .count();
            progress(&format!(
                "epoch {epoch:>4}/{}  loss {:.4}  train accuracy {:.3}",
                s.epochs,
                loss_sum / batches.max(1) as f32,
                right as f32 / train.len().max(1) as f32
            ));
        }
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluation_counts_confusion_and_f1() {
        use EmotionLabel::*;
        let truth = [Joy, Joy, Anger, Neutral];
        let pred = [Joy, Anger, Anger, Neutral];
        let v = [[0.0; 3]; 4];
        let e = evaluate(&truth, &pred, &v, &v);
        assert_eq!(e.accuracy, 0.75);
        assert_eq!(e.confusion[Joy.index()][Anger.index()], 1);
        assert!((e.f1[Joy.index()] - 2.0 / 3.0).abs() < 1e-6);
        assert!((e.f1[Anger.index()] - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(e.f1[Neutral.index()], 1.0);
        assert_eq!(e.f1[Fear.index()], 0.0);
        assert!(e.table().contains("macro-F1"));
    }

    #[test]
    fn training_is_seeded_and_learns_separable_points() {
        // Two labels on two clusters of 4-d points: a head must fit them, identically per seed.
        let mut examples = Vec::new();
        let mut emb = Vec::new();
        for i in 0..40 {
            let joy = i % 2 == 0;
            let jitter = (i as f32 * 0.37).sin() * 0.1;
            emb.push(if joy {
                vec![1.0 + jitter, 0.0, 0.2, 0.0]
            } else {
                vec![0.0, 1.0, jitter, 0.3]
            });
            examples.push(Example {
                text: String::new(),
                label: if joy {
                    EmotionLabel::Joy
                } else {
                    EmotionLabel::Anger
                },
                vad: if joy {
                    [0.8, 0.4, 0.3]
                } else {
                    [-0.8, 0.8, 0.5]
                },
            });
        }
        let s = TrainSettings {
            epochs: 60,
            hidden: 8,
            batch: 8,
            learning_rate: 1e-2,
            ..Default::default()
        };
        let run = || train(&examples, &emb, 4, "test", &s, &mut |_| {}).unwrap();
        let (a, b) = (run(), run());
        let x = stack(&emb, 4).unwrap();
        let (pa, va) = predict(&a, &x).unwrap();
        let (pb, vb) = predict(&b, &x).unwrap();
        assert_eq!(pa, pb);
        assert_eq!(va, vb);
        let truth: Vec<_> = examples.iter().map(|e| e.label).collect();
        assert_eq!(pa, truth);
    }
}
