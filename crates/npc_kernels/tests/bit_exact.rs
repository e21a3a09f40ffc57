//! Every SIMD kernel of this crate against the scalar one (and plain arithmetic) on random
//! blocks, ragged lengths and row counts included: activations rounded as GGML rounds them, the
//! quantized dot products, grouped products equal to row-by-row dots to the bit, tiles, attention,
//! dense layers and SwiGLU. Run by `cargo test -p npc_kernels` (and the README's test command).

use npc_kernels::Kernel;
use npc_kernels::attention::{Heads, Span, attention, push_key};
use npc_kernels::blocks::{ActBlock, Q8Block, Q41Block, QK, quantize_activations};
use npc_kernels::dense::Dense;
use npc_kernels::matmul::{Packed, Product, QMatrix, product, products};
use npc_kernels::ops::swiglu;
use npc_kernels::tiled::{Q8Tiles, Q41Tiles, scalar_dot, scalar_dot8};

mod rng;

use rng::Rng;

fn q8_blocks(rng: &mut Rng, n: usize) -> Vec<Q8Block> {
    (0..n)
        .map(|_| Q8Block::quantize(&rng.floats(QK, 0.5)))
        .collect()
}

fn q41_blocks(rng: &mut Rng, n: usize) -> Vec<Q41Block> {
    (0..n)
        .map(|_| Q41Block {
            d: rng.f().abs() * 0.05 + 1e-3,
            m: rng.f() * 0.3,
            qs: std::array::from_fn(|_| rng.next() as u8),
        })
        .collect()
}

fn acts(rng: &mut Rng, n: usize) -> Vec<ActBlock> {
    let x = rng.floats(n * QK, 3.0);
    let mut a = vec![ActBlock::default(); n];
    quantize_activations(&x, &mut a);
    a
}

fn close(a: f32, b: f32, what: &str) {
    let tol = 1e-4 * (1.0 + a.abs().max(b.abs()));
    assert!((a - b).abs() <= tol, "{what}: {a} vs scalar {b}");
}

#[test]
fn activations_round_half_away_from_zero_as_ggml_does() {
    // GGML's Q8 rounding written plainly: q = round(x / d), d = max|x| / 127 (kept as f16, which
    // `Q8Block::quantize` shares), s = d·Σq (through f16: within a part in a thousand).
    fn check(b: &ActBlock, x: &[f32]) {
        let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
        let id = if amax != 0.0 {
            1.0 / (amax / 127.0)
        } else {
            0.0
        };
        let qs: [i8; QK] = std::array::from_fn(|i| (x[i] * id).round() as i8);
        assert_eq!(b.qs, qs, "rounding of {x:?}");
        assert_eq!(b.d, Q8Block::quantize(x).d);
        let sum = qs.iter().map(|&q| q as f32).sum::<f32>() * b.d;
        assert!((b.s - sum).abs() <= 1e-3 * sum.abs(), "s {} vs {sum}", b.s);
    }
    let mut rng = Rng(0x0dd5);
    let mut x = rng.floats(40 * QK, 4.0);
    // A block whose scale is exactly 1, so that every value is a tie: ±k.5 and ±127.
    for (i, v) in x[..QK].iter_mut().enumerate() {
        *v = (i as f32 - 16.0) + 0.5;
    }
    x[0] = 127.0;
    x[1] = -126.5;
    // An all-zero block and one of tiny values.
    x[QK..2 * QK].fill(0.0);
    for v in &mut x[2 * QK..3 * QK] {
        *v *= 1e-30;
    }
    let mut got = vec![ActBlock::default(); 40];
    quantize_activations(&x, &mut got);
    for (b, chunk) in got.iter().zip(x.chunks_exact(QK)) {
        check(b, chunk);
    }
}

#[test]
fn swiglu_matches_plain_arithmetic_on_every_kernel() {
    let mut rng = Rng(0x5111);
    for k in Kernel::available() {
        for n in [1usize, 15, 16, 17, 1536] {
            let mut g = rng.floats(n, 12.0);
            // Far into both tails, where exp over- or underflows without a clamp.
            g[0] = -100.0;
            if n > 1 {
                g[1] = 95.0;
            }
            let u = rng.floats(n, 2.0);
            let mut got = g.clone();
            swiglu(k, &mut got, &u);
            for ((x, &g), &u) in got.iter().zip(&g).zip(&u) {
                let want = (g as f64 / (1.0 + (-g as f64).exp()) * u as f64) as f32;
                close(*x, want, &format!("{k:?} swiglu({g}) of {n}"));
            }
        }
    }
}

#[test]
fn every_kernel_matches_the_scalar_one_on_random_blocks() {
    let kernels = Kernel::available();
    eprintln!(
        "kernels on this CPU: {:?} (best {:?})",
        kernels,
        Kernel::best()
    );
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    for k in kernels {
        for blocks in [1, 2, 3, 17, 18, 48] {
            for _ in 0..20 {
                let a = acts(&mut rng, blocks);
                let w8 = q8_blocks(&mut rng, blocks);
                let w4 = q41_blocks(&mut rng, blocks);
                close(
                    k.dot_q8(&w8, &a),
                    Kernel::Scalar.dot_q8(&w8, &a),
                    &format!("{k:?} q8 × {blocks} blocks"),
                );
                close(
                    k.dot_q41(&w4, &a),
                    Kernel::Scalar.dot_q41(&w4, &a),
                    &format!("{k:?} q4_1 × {blocks} blocks"),
                );
                // Four tokens at once: each exactly the one-token result.
                let four: Vec<Vec<ActBlock>> = (0..4).map(|_| acts(&mut rng, blocks)).collect();
                let refs = [&four[0][..], &four[1][..], &four[2][..], &four[3][..]];
                assert_eq!(k.dot_q8_x4(&w8, refs), refs.map(|a| k.dot_q8(&w8, a)));
                assert_eq!(k.dot_q41_x4(&w4, refs), refs.map(|a| k.dot_q41(&w4, a)));
            }
        }
        // Float vectors of every length around the SIMD widths (ragged tails).
        for n in [0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 100] {
            let (x, y) = (rng.floats(n, 2.0), rng.floats(n, 2.0));
            close(
                k.dot(&x, &y),
                Kernel::Scalar.dot(&x, &y),
                &format!("{k:?} f32 dot of {n}"),
            );
            let (mut a, mut b) = (y.clone(), y.clone());
            k.axpy(0.7, &x, &mut a);
            Kernel::Scalar.axpy(0.7, &x, &mut b);
            for (i, (p, q)) in a.iter().zip(&b).enumerate() {
                close(*p, *q, &format!("{k:?} axpy of {n} at {i}"));
            }
        }
    }
}

#[test]
fn attention_and_dense_layers_match_plain_arithmetic() {
    let mut rng = Rng(0xa77e);
    for k in Kernel::available() {
        // Query rows of several sequences over their caches, keys in tiles: the model's shape
        // (9 heads sharing 3 KV heads of 64), one head per KV head, and a width the AVX-512 path
        // leaves to the portable one; lengths around the tile size.
        for (heads, kv_heads, dim) in [(9usize, 3usize, 64usize), (4, 4, 64), (8, 2, 32)] {
            let shape = Heads {
                heads,
                kv_heads,
                head_dim: dim,
            };
            let kv_dim = kv_heads * dim;
            let lens = [1usize, 2, 7, 16, 17, 33, 130];
            let caches: Vec<(Vec<f32>, Vec<f32>, Vec<f32>)> = lens
                .iter()
                .map(|&len| {
                    let rows = rng.floats(len * kv_dim, 1.5);
                    let mut tiles = Vec::new();
                    for (p, key) in rows.chunks_exact(kv_dim).enumerate() {
                        push_key(&mut tiles, p, key);
                    }
                    (rows, tiles, rng.floats(len * kv_dim, 1.0))
                })
                .collect();
            let spans: Vec<Span<'_>> = caches
                .iter()
                .zip(lens)
                .map(|((_, tiles, values), len)| Span {
                    keys: tiles,
                    values,
                    len,
                })
                .collect();
            let q = rng.floats(lens.len() * heads * dim, 1.0);
            let mut got = vec![0f32; q.len()];
            attention(k, shape, &q, &spans, &mut got);
            // Plain arithmetic on the row-major keys.
            let scale = 1.0 / (dim as f32).sqrt();
            for (r, ((keys, _, values), len)) in caches.iter().zip(lens).enumerate() {
                for h in 0..heads {
                    let off = (h / (heads / kv_heads)) * dim;
                    let qh = &q[(r * heads + h) * dim..][..dim];
                    let s: Vec<f64> = (0..len)
                        .map(|j| {
                            let key = &keys[j * kv_dim + off..][..dim];
                            qh.iter().zip(key).map(|(a, b)| (a * b) as f64).sum::<f64>()
                                * scale as f64
                        })
                        .collect();
                    let max = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = s.iter().map(|v| (v - max).exp()).collect();
                    let sum: f64 = e.iter().sum();
                    for d in 0..dim {
                        let want: f64 = (0..len)
                            .map(|j| e[j] * values[j * kv_dim + off + d] as f64)
                            .sum::<f64>()
                            / sum;
                        close(
                            got[(r * heads + h) * dim + d],
                            want as f32,
                            &format!("{k:?} attention {heads}/{kv_heads}×{dim} over {len}"),
                        );
                    }
                }
            }
        }
        // Dense layers of the policy's shapes and ragged ones (outputs not a multiple of 8 or 16),
        // over row counts that use the four-row blocks and their remainders.
        let shapes = [
            (58usize, 64usize),
            (64, 10),
            (5, 130),
            (3, 7),
            (64, 12),
            (7, 80),
            (64, 64),
        ];
        for ((inputs, outputs), rows) in shapes.into_iter().zip([3usize, 9, 4, 1, 13, 6, 41]) {
            let w = rng.floats(inputs * outputs, 0.5);
            let b = rng.floats(outputs, 0.5);
            let layer = Dense::new(inputs, outputs, &w, &b).unwrap();
            let x = rng.floats(rows * inputs, 1.0);
            let (mut a, mut c) = (vec![0f32; rows * outputs], vec![0f32; rows * outputs]);
            for relu in [false, true] {
                layer.forward(k, &x, rows, relu, &mut a);
                layer.forward(Kernel::Scalar, &x, rows, relu, &mut c);
                if k == Kernel::Avx512Vnni {
                    // Four rows at a time, the same fused multiply-adds per output in the same
                    // order as AVX2: the same bits.
                    let mut avx2 = vec![0f32; rows * outputs];
                    layer.forward(Kernel::Avx2, &x, rows, relu, &mut avx2);
                    assert!(a == avx2, "AVX-512 {inputs}→{outputs} differs from AVX2");
                }
                for r in 0..rows {
                    for o in 0..outputs {
                        let mut v = b[o];
                        for i in 0..inputs {
                            v += w[o * inputs + i] * x[r * inputs + i];
                        }
                        let v = if relu { v.max(0.0) } else { v };
                        close(
                            a[r * outputs + o],
                            v,
                            &format!("{k:?} dense {inputs}→{outputs}"),
                        );
                        close(c[r * outputs + o], v, "scalar dense");
                    }
                }
            }
        }
    }
}

#[test]
fn a_kernel_computes_what_the_dequantized_numbers_say() {
    // The scalar path against plain float arithmetic on the dequantized values.
    let mut rng = Rng(99);
    let a = acts(&mut rng, 4);
    let w = q41_blocks(&mut rng, 4);
    let mut expect = 0f64;
    for (wb, ab) in w.iter().zip(&a) {
        let mut wf = [0f32; QK];
        wb.dequantize(&mut wf);
        for (w, &q) in wf.iter().zip(&ab.qs) {
            expect += *w as f64 * (ab.d * q as f32) as f64;
        }
    }
    let got = Kernel::Scalar.dot_q41(&w, &a) as f64;
    // The offset term uses s, kept in f16 as GGML keeps it.
    assert!(
        (got - expect).abs() < 2e-3 * (1.0 + expect.abs()),
        "{got} vs {expect}"
    );
}

#[test]
fn grouped_products_match_row_by_row_scalar_dots_with_ragged_rows() {
    let mut rng = Rng(7);
    let cols = 3 * QK;
    let nb = cols / QK;
    for &rows in &[1usize, 5, 37, 200] {
        for &tokens in &[1usize, 3, 6] {
            let a = acts(&mut rng, tokens * nb);
            let m8 = QMatrix::new(rows, cols, Packed::Q8(q8_blocks(&mut rng, rows * nb))).unwrap();
            let m4 = QMatrix::new(
                rows + 3,
                cols,
                Packed::Q41(q41_blocks(&mut rng, (rows + 3) * nb)),
            )
            .unwrap();
            for k in Kernel::available() {
                let mut o8 = vec![f32::NAN; tokens * rows];
                let mut o4 = vec![f32::NAN; tokens * (rows + 3)];
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(2)
                    .build()
                    .unwrap();
                pool.install(|| {
                    products(
                        k,
                        &mut [
                            Product {
                                w: &m8,
                                out: &mut o8,
                            },
                            Product {
                                w: &m4,
                                out: &mut o4,
                            },
                        ],
                        &a,
                        tokens,
                    )
                });
                for t in 0..tokens {
                    let at = &a[t * nb..(t + 1) * nb];
                    for n in 0..rows {
                        close(
                            o8[t * rows + n],
                            m8.row_dot(Kernel::Scalar, n, at),
                            "q8 product",
                        );
                    }
                    for n in 0..rows + 3 {
                        close(
                            o4[t * (rows + 3) + n],
                            m4.row_dot(Kernel::Scalar, n, at),
                            "q4_1 product",
                        );
                    }
                }
            }
        }
    }
    assert!(
        QMatrix::new(2, 40, Packed::Q8(vec![])).is_err(),
        "a width that is not whole blocks is refused"
    );
}

#[test]
fn q4_1_and_q8_0_in_tiles_of_sixteen_rows_give_the_plain_blocks_results() {
    // The AVX-512 VNNI layout when the rows come in sixteens: lossless; every kernel's product
    // matches the scalar kernel on the plain blocks, and the tiled scalar reference to the bit;
    // each token's result is the same alone, in a group and in a prompt of 21 tokens (8 + 8 + 4 +
    // 1), split over threads in whole tiles.
    let mut rng = Rng(0x711e);
    for nb in [1usize, 2, 3, 18, 48] {
        let rows = 48;
        let q4 = q41_blocks(&mut rng, rows * nb);
        let q8 = q8_blocks(&mut rng, rows * nb);
        assert_eq!(
            Q41Tiles::from_blocks(&q4, nb).to_blocks(),
            q4,
            "tiling Q4_1 loses nothing"
        );
        assert_eq!(
            Q8Tiles::from_blocks(&q8, nb).to_blocks(),
            q8,
            "tiling Q8_0 loses nothing"
        );
        let plains = [
            QMatrix::new(rows, nb * QK, Packed::Q41(q4)).unwrap(),
            QMatrix::new(rows, nb * QK, Packed::Q8(q8)).unwrap(),
        ];
        for plain in &plains {
            let mut m = plain.clone();
            m.prepare(Kernel::Avx512Vnni);
            assert!(
                matches!(m.data, Packed::Q41Tiles(_) | Packed::Q8Tiles(_)),
                "sixteens of rows are tiled"
            );
            assert!(m.bytes() >= plain.bytes(), "tiles hold every block");
            let (mut a_row, mut b_row) = (vec![0f32; nb * QK], vec![0f32; nb * QK]);
            m.dequantize_row(21, &mut a_row);
            plain.dequantize_row(21, &mut b_row);
            assert_eq!(a_row, b_row, "a tiled row reads back the same values");
            let reference = |n: usize, at: &[ActBlock]| match &m.data {
                Packed::Q41Tiles(t) => scalar_dot(t.group(n / 16), n % 16, at),
                Packed::Q8Tiles(t) => scalar_dot8(t.group(n / 16), n % 16, at),
                _ => unreachable!(),
            };
            let tokens = 21;
            let a = acts(&mut rng, tokens * nb);
            for k in Kernel::available() {
                let mut all = vec![f32::NAN; tokens * rows];
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(2)
                    .build()
                    .unwrap();
                pool.install(|| product(k, &m, &a, tokens, &mut all));
                for t in 0..tokens {
                    let at = &a[t * nb..(t + 1) * nb];
                    let mut one = vec![f32::NAN; rows];
                    product(k, &m, at, 1, &mut one);
                    for n in 0..rows {
                        let v = all[t * rows + n];
                        assert_eq!(
                            v.to_bits(),
                            one[n].to_bits(),
                            "{k:?}: a token's result depends on its batch"
                        );
                        assert_eq!(
                            v.to_bits(),
                            reference(n, at).to_bits(),
                            "{k:?}: tiled {} row {n} of {nb} blocks differs from its scalar \
                             reference",
                            plain.format()
                        );
                        close(
                            v,
                            plain.row_dot(Kernel::Scalar, n, at),
                            &format!("{k:?} tiled {} of {nb} blocks", plain.format()),
                        );
                    }
                }
            }
            // Laid out for another kernel, the plain blocks come back.
            m.prepare(Kernel::Scalar);
            assert_eq!(&m.data, &plain.data, "untiled for the scalar kernel");
        }
    }
}

#[test]
fn rows_that_do_not_come_in_sixteens_stay_plain_blocks_on_every_kernel() {
    // 37 rows cannot be tiled: under the VNNI kernel they keep their plain blocks, and products
    // still match the scalar kernel, each token bit-identical alone and in a prompt.
    let mut rng = Rng(0x9a1e);
    for nb in [1usize, 18] {
        let rows = 37;
        let plains = [
            QMatrix::new(rows, nb * QK, Packed::Q41(q41_blocks(&mut rng, rows * nb))).unwrap(),
            QMatrix::new(rows, nb * QK, Packed::Q8(q8_blocks(&mut rng, rows * nb))).unwrap(),
        ];
        for plain in &plains {
            let mut m = plain.clone();
            m.prepare(Kernel::Avx512Vnni);
            assert_eq!(&m.data, &plain.data, "37 rows are not tiled");
            let tokens = 13;
            let a = acts(&mut rng, tokens * nb);
            for k in Kernel::available() {
                let mut all = vec![f32::NAN; tokens * rows];
                product(k, &m, &a, tokens, &mut all);
                for t in 0..tokens {
                    let at = &a[t * nb..(t + 1) * nb];
                    let mut one = vec![f32::NAN; rows];
                    product(k, &m, at, 1, &mut one);
                    for n in 0..rows {
                        assert_eq!(all[t * rows + n].to_bits(), one[n].to_bits());
                        close(
                            one[n],
                            plain.row_dot(Kernel::Scalar, n, at),
                            &format!("{k:?} plain {} of {nb} blocks", plain.format()),
                        );
                    }
                }
            }
        }
    }
    let tiles = Q41Tiles::from_blocks(&q41_blocks(&mut rng, 32 * 3), 3);
    assert!(
        QMatrix::new(16, 3 * QK, Packed::Q41Tiles(tiles)).is_err(),
        "tiles of 32 rows do not make a 16-row matrix"
    );
}
