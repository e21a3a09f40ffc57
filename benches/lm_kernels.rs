//! The dialogue model's kernels on SmolLM2's shapes (K = 576 and 1536): one weight row against one
//! token's activations for every kernel this CPU has, and a whole matrix product (576 → 1536, one
//! token and a batch of 8) on one and two threads. Also the sentence encoder's float layer
//! (384 → 1536 with GELU, MiniLM's widest) on a typed line's 12 rows and a batch's 448, per kernel.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use npc_minds::ml::lm::Kernel;
use npc_minds::ml::lm::kernels::blocks::{ActBlock, Q8Block, Q41Block, QK, quantize_activations};
use npc_minds::ml::lm::kernels::encoder::linear::{Act, Linear};
use npc_minds::ml::lm::kernels::matmul::{Packed, QMatrix, product};

fn values(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) as f32 / 8e6 - 1.0
        })
        .collect()
}

fn acts(n: usize) -> Vec<ActBlock> {
    let mut a = vec![ActBlock::default(); n / QK];
    quantize_activations(&values(n, 1), &mut a);
    a
}

fn matrix(rows: usize, cols: usize, q4: bool) -> QMatrix {
    let v = values(rows * cols, 7);
    let blocks: Vec<Q8Block> = v.chunks_exact(QK).map(Q8Block::quantize).collect();
    let data = if q4 {
        Packed::Q41(
            blocks
                .iter()
                .map(|b| Q41Block {
                    d: b.d,
                    m: -8.0 * b.d,
                    qs: std::array::from_fn(|i| {
                        (b.qs[i] as u8 & 15) | ((b.qs[i + 16] as u8 & 15) << 4)
                    }),
                })
                .collect(),
        )
    } else {
        Packed::Q8(blocks)
    };
    QMatrix::new(rows, cols, data).unwrap()
}

fn row_dots(c: &mut Criterion) {
    let mut group = c.benchmark_group("row_dot");
    for k in [576usize, 1536] {
        let a = acts(k);
        let w8 = matrix(1, k, false);
        let w4 = matrix(1, k, true);
        group.throughput(Throughput::Elements(k as u64));
        for kernel in Kernel::available() {
            group.bench_with_input(
                BenchmarkId::new(format!("q8_0/{}", kernel.name()), k),
                &k,
                |b, _| b.iter(|| w8.row_dot(kernel, 0, &a)),
            );
            group.bench_with_input(
                BenchmarkId::new(format!("q4_1/{}", kernel.name()), k),
                &k,
                |b, _| b.iter(|| w4.row_dot(kernel, 0, &a)),
            );
        }
    }
    group.finish();
}

fn products(c: &mut Criterion) {
    let mut group = c.benchmark_group("product_576x1536");
    let kernel = Kernel::best();
    for q4 in [false, true] {
        let mut w = matrix(1536, 576, q4);
        w.prepare(kernel); // Q4_1 in tiles of sixteen rows for AVX-512 VNNI, as the model lays it out
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for tokens in [1usize, 8] {
                let a = acts(576 * tokens);
                let mut out = vec![0f32; 1536 * tokens];
                let name = format!("{}/{threads}t", w.format());
                group.bench_with_input(BenchmarkId::new(name, tokens), &tokens, |b, &t| {
                    b.iter(|| pool.install(|| product(kernel, &w, &a, t, &mut out)))
                });
            }
        }
    }
    group.finish();
}

fn encoder_layers(c: &mut Criterion) {
    let mut group = c.benchmark_group("encoder_384x1536_gelu");
    let layer = Linear::new(384, 1536, &values(384 * 1536, 3), &values(1536, 5)).unwrap();
    for k in Kernel::available() {
        for rows in [12usize, 448] {
            let x = values(384 * rows, 9);
            let mut out = vec![0f32; 1536 * rows];
            group.throughput(Throughput::Elements((384 * 1536 * rows) as u64));
            group.bench_with_input(BenchmarkId::new(k.name(), rows), &rows, |b, &r| {
                b.iter(|| layer.forward(k, &x, r, Act::Gelu, &mut out))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, row_dots, products, encoder_layers);
criterion_main!(benches);
