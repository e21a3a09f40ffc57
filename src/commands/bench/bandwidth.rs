//! How fast this machine streams memory to the model's threads: a read of a buffer far larger than
//! the caches, summed in parallel on a pool of the model's size. Decoding one token reads every
//! weight once, so this rate over the bytes a token reads is the ceiling of the decode rate.

use rayon::prelude::*;

/// The best of three parallel reads of 256 MiB on `threads` threads, in GB/s.
pub(crate) fn read_gbps(threads: usize) -> anyhow::Result<f64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()?;
    let words: Vec<u64> = (0..(256usize << 20) / 8).map(|i| i as u64).collect();
    let bytes = std::mem::size_of_val(words.as_slice()) as f64;
    let chunk = words.len() / (threads.max(1) * 8);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = std::time::Instant::now();
        let sum = pool.install(|| {
            words
                .par_chunks(chunk)
                .map(|c| {
                    // Eight independent sums, so the adds never wait on each other.
                    let mut s = [0u64; 8];
                    for w in c.chunks_exact(8) {
                        for (s, w) in s.iter_mut().zip(w) {
                            *s = s.wrapping_add(*w);
                        }
                    }
                    s.iter().fold(0u64, |a, b| a.wrapping_add(*b))
                })
                .reduce(|| 0, u64::wrapping_add)
        });
        std::hint::black_box(sum);
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok(bytes / best / 1e9)
}
