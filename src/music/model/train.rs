//! Training the music model on the chorales: windows of the interleaved event stream, AdamW,
//! the best epoch chosen on the validation pieces, perplexity reported on the test pieces next to
//! the n-gram baseline (its order also chosen on validation).

use std::path::PathBuf;

use candle_core::{D, Device, Tensor};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarMap};

use super::net::{CondTensors, MusicNet, Shape};
use super::ngram::NGram;
use crate::ml::seeded::{Rng, seeded_init};
use crate::music::MusicError;
use crate::music::corpus::{self, Split};
use crate::music::events::{Classes, Conditions, HOLD, Piece};

/// Options of `npc-minds train-music`.
#[derive(Clone, Debug, clap::Args)]
pub struct TrainMusicOptions {
    /// The music21 wheel (fetched by `npc-minds fetch-models --model music-corpus`).
    #[arg(long, default_value = "models/corpora/music21-10.5.1-py3-none-any.whl")]
    pub corpus: PathBuf,
    /// Where the weights go.
    #[arg(long, default_value = "models/music.safetensors")]
    pub out: PathBuf,
    /// Passes over the training windows; the weights kept are those of the epoch with the lowest
    /// validation perplexity.
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// Tokens per training window (a quarter of that in grid steps).
    #[arg(long, default_value_t = 256)]
    pub window: usize,
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    #[arg(long, default_value_t = 3e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// GRU units.
    #[arg(long, default_value_t = 192)]
    pub hidden: usize,
    /// Only the first N training pieces (quick checks).
    #[arg(long)]
    pub limit: Option<usize>,
}

/// What a training run measured.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct TrainReport {
    pub(crate) pieces: [usize; 3],
    pub(crate) skipped: usize,
    pub(crate) train_tokens: usize,
    /// Per epoch: mean training loss, validation perplexity.
    pub epochs: Vec<(f32, f64)>,
    pub(crate) best_epoch: usize,
    pub(crate) valid_perplexity: f64,
    pub(crate) test_perplexity: f64,
    /// Per n-gram order: validation perplexity.
    pub(crate) ngram_valid: Vec<(usize, f64)>,
    pub(crate) ngram_order: usize,
    pub(crate) ngram_test_perplexity: f64,
}

/// A batch of pieces (or windows) as tensors: previous tokens, conditions, targets, and a mask of
/// real (1) against padding (0) positions.
struct Batch {
    inputs: Tensor,
    conds: CondTensors,
    targets: Tensor,
    mask: Vec<f32>,
}

/// Rows of (previous token, conditions, target), padded with holds to the longest row.
fn batch(rows: &[Vec<(u16, Conditions, u16)>]) -> candle_core::Result<Batch> {
    let len = rows.iter().map(Vec::len).max().unwrap_or(0);
    let n = rows.len();
    let mut cols: [Vec<u32>; 7] = Default::default();
    let mut mask = Vec::with_capacity(n * len);
    for row in rows {
        for i in 0..len {
            let (prev, c, target) = row.get(i).copied().unwrap_or((
                HOLD,
                Conditions {
                    voice: 0,
                    position: 0,
                    major: true,
                    density: 0,
                    register: 0,
                },
                HOLD,
            ));
            let values = [
                u32::from(prev),
                u32::from(c.voice),
                u32::from(c.position),
                u32::from(c.major),
                u32::from(c.density),
                u32::from(c.register),
                u32::from(target),
            ];
            for (col, v) in cols.iter_mut().zip(values) {
                col.push(v);
            }
            mask.push(if i < row.len() { 1.0 } else { 0.0 });
        }
    }
    let t = |v: &Vec<u32>| Tensor::from_slice(v, (n, len), &Device::Cpu);
    Ok(Batch {
        inputs: t(&cols[0])?,
        conds: CondTensors {
            voice: t(&cols[1])?,
            position: t(&cols[2])?,
            mode: t(&cols[3])?,
            density: t(&cols[4])?,
            register: t(&cols[5])?,
        },
        targets: t(&cols[6])?,
        mask,
    })
}

/// A piece as (previous token, conditions, target) triples.
fn triples(p: &Piece, classes: Classes) -> Vec<(u16, Conditions, u16)> {
    let (tokens, conds) = p.flatten(classes);
    (1..tokens.len())
        .map(|i| (tokens[i - 1], conds[i - 1], tokens[i]))
        .collect()
}

/// The model's perplexity over whole pieces (all in one padded batch).
pub fn perplexity(net: &MusicNet, pieces: &[Piece]) -> candle_core::Result<f64> {
    if pieces.is_empty() {
        return Ok(f64::NAN);
    }
    let rows: Vec<_> = pieces.iter().map(|p| triples(p, net.classes)).collect();
    let b = batch(&rows)?;
    let (logits, _) = net.forward(&b.inputs, &b.conds, &net.zero_state(rows.len())?)?;
    let logp = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
    let picked = logp
        .gather(&b.targets.unsqueeze(2)?, 2)?
        .flatten_all()?
        .to_vec1::<f32>()?;
    let (mut nll, mut n) = (0.0f64, 0.0f64);
    for (lp, m) in picked.iter().zip(&b.mask) {
        nll -= f64::from(lp * m);
        n += f64::from(*m);
    }
    Ok((nll / n.max(1.0)).exp())
}

/// Trains, writes the best weights to `opts.out` and reports. `log` gets progress lines.
pub fn train(
    opts: &TrainMusicOptions,
    log: &mut dyn FnMut(&str),
) -> Result<TrainReport, MusicError> {
    let corpus = corpus::read_chorales(&opts.corpus)?;
    let mut train_set = corpus.split(Split::Train);
    if let Some(n) = opts.limit {
        train_set.truncate(n);
    }
    let valid = corpus.split(Split::Valid);
    let test = corpus.split(Split::Test);
    let mut report = TrainReport {
        pieces: [train_set.len(), valid.len(), test.len()],
        skipped: corpus.skipped.len(),
        ..Default::default()
    };
    log(&format!(
        "corpus: {} chorales ({} train, {} validation, {} test), {} files skipped",
        corpus.pieces.len(),
        train_set.len(),
        valid.len(),
        test.len(),
        corpus.skipped.len()
    ));
    for (name, why) in &corpus.skipped {
        log(&format!("  skipped {name}: {why}"));
    }
    if train_set.is_empty() || valid.is_empty() {
        return Err(MusicError::Corpus(
            "too few chorales for a training and a validation set".into(),
        ));
    }
    let classes = Classes::of(&train_set);

    ngram_baseline(&train_set, &valid, &test, classes, &mut report, log);

    // Training windows over the concatenated pieces.
    let all: Vec<_> = train_set.iter().flat_map(|p| triples(p, classes)).collect();
    report.train_tokens = all.len();
    let windows: Vec<Vec<_>> = all.chunks_exact(opts.window).map(<[_]>::to_vec).collect();
    let vars = VarMap::new();
    let shape = Shape {
        hidden: opts.hidden,
        ..Shape::default()
    };
    let net = MusicNet::new(&vars, shape, classes)?;
    seeded_init(&vars, opts.seed)?;
    let mut opt = AdamW::new(
        vars.all_vars(),
        ParamsAdamW {
            lr: opts.lr,
            weight_decay: 1e-4,
            ..Default::default()
        },
    )?;
    let mut rng = Rng(opts.seed);
    let mut best: Option<(usize, f64, PathBuf)> = None;
    let staged = opts.out.with_extension("training.tmp");
    for epoch in 1..=opts.epochs {
        let mut order: Vec<usize> = (0..windows.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let started = std::time::Instant::now();
        let mean = run_epoch(&net, &mut opt, &windows, &order, opts.batch)?;
        let ppl = perplexity(&net, &valid)?;
        report.epochs.push((mean, ppl));
        log(&format!(
            "epoch {epoch}/{}: train loss {mean:.4} (perplexity {:.3}), validation perplexity {ppl:.3} ({:.0} s)",
            opts.epochs,
            mean.exp(),
            started.elapsed().as_secs_f32()
        ));
        if best.as_ref().is_none_or(|b| ppl < b.1) {
            net.save(&staged, &[])?;
            best = Some((epoch, ppl, staged.clone()));
        }
    }
    let (epoch, valid_ppl, path) = best.ok_or_else(|| MusicError::Corpus("no epochs".into()))?;
    let best_net = MusicNet::load(&path)?;
    report.best_epoch = epoch;
    report.valid_perplexity = valid_ppl;
    report.test_perplexity = perplexity(&best_net, &test)?;
    log(&format!(
        "best epoch {epoch}: validation perplexity {valid_ppl:.3}; test perplexity {:.3} against the {}-gram's {:.3}",
        report.test_perplexity, report.ngram_order, report.ngram_test_perplexity
    ));
    best_net.save(&opts.out, &notes(&report, opts))?;
    let _ = std::fs::remove_file(&path);
    log(&format!("wrote {}", opts.out.display()));
    Ok(report)
}

/// The n-gram baseline: orders 1–9 fitted on the training set, the best on validation scored on
/// the test set.
fn ngram_baseline(
    train_set: &[Piece],
    valid: &[Piece],
    test: &[Piece],
    classes: Classes,
    report: &mut TrainReport,
    log: &mut dyn FnMut(&str),
) {
    let streams =
        |ps: &[Piece]| -> Vec<Vec<u16>> { ps.iter().map(|p| p.flatten(classes).0).collect() };
    let (train_streams, valid_streams) = (streams(train_set), streams(valid));
    let mut best_order = (1, f64::INFINITY);
    for order in 1..=9 {
        let ppl = NGram::fit(order, &train_streams).perplexity(&valid_streams);
        report.ngram_valid.push((order, ppl));
        if ppl < best_order.1 {
            best_order = (order, ppl);
        }
    }
    report.ngram_order = best_order.0;
    report.ngram_test_perplexity =
        NGram::fit(best_order.0, &train_streams).perplexity(&streams(test));
    log(&format!(
        "n-gram baseline: order {} (validation perplexity {:.3}), test perplexity {:.3}",
        best_order.0, best_order.1, report.ngram_test_perplexity
    ));
}

/// One pass over the training windows in `order`, `batch` at a time; the mean training loss.
fn run_epoch(
    net: &MusicNet,
    opt: &mut AdamW,
    windows: &[Vec<(u16, Conditions, u16)>],
    order: &[usize],
    batch_size: usize,
) -> Result<f32, MusicError> {
    let mut losses = Vec::new();
    for chunk in order.chunks(batch_size) {
        let rows: Vec<_> = chunk.iter().map(|&i| windows[i].clone()).collect();
        let b = batch(&rows)?;
        let (logits, _) = net.forward(&b.inputs, &b.conds, &net.zero_state(rows.len())?)?;
        let v = logits.dim(2)?;
        let loss =
            candle_nn::loss::cross_entropy(&logits.reshape(((), v))?, &b.targets.flatten_all()?)?;
        opt.backward_step(&loss)?;
        losses.push(loss.to_scalar::<f32>()?);
    }
    Ok(losses.iter().sum::<f32>() / losses.len().max(1) as f32)
}

/// What the saved model says about how it was made.
fn notes(report: &TrainReport, opts: &TrainMusicOptions) -> Vec<(String, String)> {
    vec![
        (
            "corpus".into(),
            "music21 10.5.1, corpus/bach chorales".into(),
        ),
        (
            "pieces_train_valid_test".into(),
            format!("{:?}", report.pieces),
        ),
        ("best_epoch".into(), report.best_epoch.to_string()),
        (
            "test_perplexity".into(),
            format!("{:.3}", report.test_perplexity),
        ),
        (
            "ngram_test_perplexity".into(),
            format!(
                "{:.3} (order {})",
                report.ngram_test_perplexity, report.ngram_order
            ),
        ),
        ("seed".into(), opts.seed.to_string()),
    ]
}
