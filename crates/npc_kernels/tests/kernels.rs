//! Every kernel this CPU runs against the scalar one, on the crate's own API: the quantized dot
//! products, the float dot and axpy. The four-row products must equal four one-row products to
//! the bit (a prompt gives the same logits whole or in pieces only so).

use npc_kernels::blocks::{ActBlock, Q8Block, Q41Block, QK, quantize_activations};
use npc_kernels::dot::Kernel;

/// A fixed stream of values in [-1, 1).
struct Values(u64);

impl Values {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn take(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.next()).collect()
    }
}

const BLOCKS: usize = 12;

fn acts(v: &mut Values) -> Vec<ActBlock> {
    let x = v.take(BLOCKS * QK);
    let mut out = vec![
        ActBlock {
            d: 0.0,
            s: 0.0,
            qs: [0; QK]
        };
        BLOCKS
    ];
    quantize_activations(&x, &mut out);
    out
}

fn q8(v: &mut Values) -> Vec<Q8Block> {
    (0..BLOCKS)
        .map(|_| Q8Block::quantize(&v.take(QK)))
        .collect()
}

fn q41(v: &mut Values) -> Vec<Q41Block> {
    (0..BLOCKS)
        .map(|_| {
            let mut qs = [0u8; QK / 2];
            for q in qs.iter_mut() {
                *q = ((v.next() + 1.0) * 127.9) as u8;
            }
            Q41Block {
                d: v.next() * 0.05,
                m: v.next() * 0.1,
                qs,
            }
        })
        .collect()
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-4 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn every_kernel_agrees_with_the_scalar_one() {
    let mut v = Values(7);
    let (w8, w41) = (q8(&mut v), q41(&mut v));
    let a = acts(&mut v);
    let (x, y) = (v.take(100), v.take(100));
    let scalar = Kernel::Scalar;
    for k in Kernel::available() {
        let name = k.name();
        assert!(
            close(k.dot_q8(&w8, &a), scalar.dot_q8(&w8, &a)),
            "{name} q8"
        );
        assert!(
            close(k.dot_q41(&w41, &a), scalar.dot_q41(&w41, &a)),
            "{name} q4_1"
        );
        assert!(close(k.dot(&x, &y), scalar.dot(&x, &y)), "{name} dot");
        let (mut got, mut want) = (y.clone(), y.clone());
        k.axpy(0.5, &x, &mut got);
        scalar.axpy(0.5, &x, &mut want);
        assert!(
            got.iter().zip(&want).all(|(g, w)| close(*g, *w)),
            "{name} axpy"
        );
    }
}

#[test]
fn four_rows_at_once_equal_four_rows_one_by_one() {
    let mut v = Values(11);
    let (w8, w41) = (q8(&mut v), q41(&mut v));
    let rows: Vec<Vec<ActBlock>> = (0..4).map(|_| acts(&mut v)).collect();
    let four = [&rows[0][..], &rows[1][..], &rows[2][..], &rows[3][..]];
    for k in Kernel::available() {
        let q8_four = k.dot_q8_x4(&w8, four);
        let q41_four = k.dot_q41_x4(&w41, four);
        for (i, a) in rows.iter().enumerate() {
            assert_eq!(
                q8_four[i].to_bits(),
                k.dot_q8(&w8, a).to_bits(),
                "{} q8",
                k.name()
            );
            assert_eq!(
                q41_four[i].to_bits(),
                k.dot_q41(&w41, a).to_bits(),
                "{} q4_1",
                k.name()
            );
        }
    }
}
