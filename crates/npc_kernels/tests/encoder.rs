//! The sentence encoder's kernels (`npc_kernels::encoder`) on every kernel this CPU runs, against
//! plain f64 arithmetic: layers with ragged shapes (outputs not a multiple of the panel, row counts
//! around the block and tile sizes), GELU against an exact error function across its range,
//! attention over spans around the vector width, and the residual LayerNorm.

mod rng;

use npc_kernels::Kernel;
use npc_kernels::encoder::attention::{Heads, attend};
use npc_kernels::encoder::linear::{Act, Linear};
use npc_kernels::encoder::norm::add_layer_norm;
use rng::Rng;

fn gelu64(x: f64) -> f64 {
    0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2))
}

#[test]
fn layers_match_plain_arithmetic_with_ragged_shapes_on_every_kernel() {
    let mut rng = Rng(0x5eed_1234);
    for &(inputs, outputs) in &[(1, 1), (7, 5), (32, 64), (33, 65), (384, 1152), (100, 130)] {
        let w = rng.floats(inputs * outputs, 0.2);
        let b = rng.floats(outputs, 0.5);
        let layer = Linear::new(inputs, outputs, &w, &b).unwrap();
        for &rows in &[1, 5, 6, 7, 13, 64, 65, 131] {
            let x = rng.floats(rows * inputs, 1.5);
            for act in [Act::Identity, Act::Gelu] {
                let want: Vec<f64> = (0..rows * outputs)
                    .map(|i| {
                        let (r, o) = (i / outputs, i % outputs);
                        let v = b[o] as f64
                            + (0..inputs)
                                .map(|j| x[r * inputs + j] as f64 * w[o * inputs + j] as f64)
                                .sum::<f64>();
                        if act == Act::Gelu { gelu64(v) } else { v }
                    })
                    .collect();
                for k in Kernel::available() {
                    let mut out = vec![f32::NAN; rows * outputs];
                    layer.forward(k, &x, rows, act, &mut out);
                    for (i, (&g, &e)) in out.iter().zip(&want).enumerate() {
                        let tol = 1e-5 * (1.0 + e.abs()) * (inputs as f64).sqrt();
                        assert!(
                            (g as f64 - e).abs() <= tol,
                            "{} {outputs}×{inputs} on {rows} rows, {act:?}, output {i}: {g} vs {e}",
                            k.name()
                        );
                    }
                }
            }
        }
    }
    assert!(Linear::new(3, 2, &[0.0; 5], &[0.0; 2]).is_err());
}

#[test]
fn gelu_follows_the_exact_error_function_across_its_range() {
    // One input of weight 1 and the bias as the argument: every output is gelu(x + bias).
    let args: Vec<f32> = (0..=2_000).map(|i| -10.0 + i as f32 * 0.01).collect();
    let layer = Linear::new(1, args.len(), &vec![1.0; args.len()], &args).unwrap();
    for k in Kernel::available() {
        let mut out = vec![0f32; args.len()];
        layer.forward(k, &[0.0], 1, Act::Gelu, &mut out);
        let worst = args
            .iter()
            .zip(&out)
            .map(|(&x, &g)| (g as f64 - gelu64(x as f64)).abs())
            .fold(0.0, f64::max);
        eprintln!("{}: largest GELU error {worst:.2e}", k.name());
        assert!(worst < 2e-6, "{}: GELU off by {worst}", k.name());
    }
}

#[test]
fn attention_keeps_to_each_span_and_matches_plain_arithmetic() {
    let mut rng = Rng(0xa77e_0001);
    for &(heads, head_dim) in &[(12, 32), (2, 16), (3, 5)] {
        let shape = Heads { heads, head_dim };
        let h = heads * head_dim;
        let lens = [1usize, 5, 16, 17, 40, 3];
        let rows: usize = lens.iter().sum();
        let qkv = rng.floats(rows * 3 * h, 2.0);
        let mut spans = Vec::new();
        let mut at = 0;
        for l in lens {
            spans.push(at..at + l);
            at += l;
        }
        let scale = 1.0 / (head_dim as f64).sqrt();
        let mut want = vec![0f64; rows * h];
        for s in &spans {
            for hd in 0..heads {
                let part = |i: usize, p: usize, c: usize| {
                    qkv[i * 3 * h + p * h + hd * head_dim + c] as f64
                };
                for i in s.clone() {
                    let scores: Vec<f64> = s
                        .clone()
                        .map(|j| {
                            (0..head_dim)
                                .map(|c| part(i, 0, c) * part(j, 1, c))
                                .sum::<f64>()
                                * scale
                        })
                        .collect();
                    let m = scores.iter().copied().fold(f64::MIN, f64::max);
                    let e: Vec<f64> = scores.iter().map(|v| (v - m).exp()).collect();
                    let sum: f64 = e.iter().sum();
                    for c in 0..head_dim {
                        want[i * h + hd * head_dim + c] = s
                            .clone()
                            .zip(&e)
                            .map(|(j, p)| p * part(j, 2, c))
                            .sum::<f64>()
                            / sum;
                    }
                }
            }
        }
        for k in Kernel::available() {
            let mut out = vec![f32::NAN; rows * h];
            attend(k, shape, &qkv, &spans, &mut out);
            let worst = out
                .iter()
                .zip(&want)
                .map(|(&g, &e)| (g as f64 - e).abs())
                .fold(0.0, f64::max);
            assert!(
                worst < 1e-5,
                "{} heads {heads}×{head_dim}: off by {worst}",
                k.name()
            );
        }
    }
}

#[test]
fn the_residual_layer_norm_matches_plain_arithmetic() {
    let mut rng = Rng(0x1a7e_4242);
    let d = 384;
    let rows = 5;
    let x = rng.floats(rows * d, 3.0);
    let res = rng.floats(rows * d, 1.0);
    let (g, b) = (rng.floats(d, 1.0), rng.floats(d, 0.2));
    for residual in [&res[..], &[]] {
        let mut want = vec![0f64; rows * d];
        for r in 0..rows {
            let y: Vec<f64> = (0..d)
                .map(|c| x[r * d + c] as f64 + residual.get(r * d + c).map_or(0.0, |&v| v as f64))
                .collect();
            let mean = y.iter().sum::<f64>() / d as f64;
            let var = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / d as f64;
            for c in 0..d {
                want[r * d + c] = (y[c] - mean) / (var + 1e-12).sqrt() * g[c] as f64 + b[c] as f64;
            }
        }
        for k in Kernel::available() {
            let mut got = x.clone();
            add_layer_norm(k, &mut got, residual, &g, &b, 1e-12);
            let worst = got
                .iter()
                .zip(&want)
                .map(|(&a, &e)| (a as f64 - e).abs())
                .fold(0.0, f64::max);
            assert!(worst < 1e-5, "{}: off by {worst}", k.name());
        }
    }
}
