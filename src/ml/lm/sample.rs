//! Choosing the next token from a step's logits, on plain floats: the repetition penalty, then the
//! most likely token, or top-k then top-p sampling with a temperature. The k candidates are kept in
//! one pass over the vocabulary (no sort of 49,152 logits), and the softmax's denominator over the
//! whole vocabulary is one vector pass, so the distribution is the one candle's `LogitsProcessor`
//! draws from (probabilities normalised over every token, top-p counted over the k best).

use super::Kernel;
use super::kernels::ops::exp_sum;
use crate::ml::seeded::Rng;

/// How the next token is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum TokenChoice {
    /// The most likely token.
    ArgMax,
    /// One of the `k` most likely, among the most likely whose probability adds up to `p`, at
    /// `temperature`.
    TopKThenTopP { k: usize, p: f32, temperature: f32 },
}

/// Generated tokens the repetition penalty looks back at.
pub(crate) const REPEAT_WINDOW: usize = 64;

impl TokenChoice {
    /// Greedy at temperature 0 (or below), otherwise the 50 most likely within `top_p` (clamped
    /// to 0.01..=1).
    pub(crate) fn new(temperature: f32, top_p: f32) -> Self {
        if temperature <= 0.0 {
            TokenChoice::ArgMax
        } else {
            TokenChoice::TopKThenTopP {
                k: 50,
                p: top_p.clamp(0.01, 1.0),
                temperature,
            }
        }
    }
}

/// A seeded sampler; the same seed and logits give the same tokens.
#[derive(Clone, Debug)]
pub(crate) struct Sampler {
    sampling: TokenChoice,
    rng: Rng,
    kernel: Kernel,
    penalised: Vec<f32>,
    /// The candidates: (logit, token).
    top: Vec<(f32, u32)>,
    seen: Vec<u32>,
}

impl Sampler {
    pub(crate) fn new(seed: u64, sampling: TokenChoice) -> Self {
        Sampler {
            sampling,
            rng: Rng(seed),
            kernel: Kernel::best(),
            penalised: Vec::new(),
            top: Vec::new(),
            seen: Vec::new(),
        }
    }

    /// The next token after `logits`. Each of the last [`REPEAT_WINDOW`] tokens `generated`
    /// counts once against the penalty (1 = none): a positive logit is divided by it, a negative
    /// one multiplied.
    pub(crate) fn sample(&mut self, logits: &[f32], penalty: f32, generated: &[u32]) -> u32 {
        self.choose(logits, penalty, generated, None)
    }

    /// The next token after `logits` when `draft` was proposed for it (speculative decoding):
    /// the draft when it is accepted, another token when not. Greedy: the most likely token, so
    /// the output is plain decoding's. Sampled: the draft is kept with its probability under the
    /// distribution [`Sampler::sample`] draws from, else a token is drawn from that distribution
    /// without the draft; together that is exactly the distribution `sample` draws from (a draft
    /// proposes its token for sure, so the rejection step of speculative sampling reduces to this).
    pub(crate) fn verify(
        &mut self,
        logits: &[f32],
        penalty: f32,
        generated: &[u32],
        draft: u32,
    ) -> u32 {
        self.choose(logits, penalty, generated, Some(draft))
    }

    fn choose(
        &mut self,
        logits: &[f32],
        penalty: f32,
        generated: &[u32],
        draft: Option<u32>,
    ) -> u32 {
        assert!(!logits.is_empty(), "no logits to sample from");
        let context = &generated[generated.len().saturating_sub(REPEAT_WINDOW)..];
        let logits = if penalty != 1.0 && !context.is_empty() {
            self.penalised.clear();
            self.penalised.extend_from_slice(logits);
            self.seen.clear();
            self.seen.extend_from_slice(context);
            self.seen.sort_unstable();
            self.seen.dedup();
            for &t in &self.seen {
                if let Some(l) = self.penalised.get_mut(t as usize) {
                    *l = if *l >= 0.0 {
                        *l / penalty
                    } else {
                        *l * penalty
                    };
                }
            }
            &self.penalised[..]
        } else {
            logits
        };
        match self.sampling {
            TokenChoice::ArgMax => argmax(logits),
            TokenChoice::TopKThenTopP { k, p, temperature } => {
                let k = k.clamp(1, logits.len());
                best_k(logits, k, &mut self.top);
                let max = self.top[0].0;
                let inv_t = 1.0 / temperature.max(1e-7);
                let z = exp_sum(self.kernel, logits, max, inv_t);
                let mut w: Vec<f32> = self
                    .top
                    .iter()
                    .map(|&(l, _)| ((l - max) * inv_t).exp() / z)
                    .collect();
                let kept: f32 = w.iter().sum();
                if p > 0.0 && p < kept {
                    // The best first; once their probability reaches p, the rest are dropped.
                    let mut sum = 0f32;
                    for w in &mut w {
                        if sum >= p {
                            *w = 0.0;
                        } else {
                            sum += *w;
                        }
                    }
                }
                let mut total: f32 = w.iter().sum();
                if let Some(d) = draft {
                    let at = self.top.iter().position(|c| c.1 == d);
                    let p_draft = at.map_or(0.0, |i| w[i]) / total;
                    if self.rng.unit() < p_draft {
                        return d;
                    }
                    if let Some(i) = at {
                        w[i] = 0.0;
                        total = w.iter().sum();
                    }
                }
                let mut u = self.rng.unit() * total;
                for (i, w) in w.iter().enumerate() {
                    if u < *w {
                        return self.top[i].1;
                    }
                    u -= w;
                }
                // Rounding left u at the end: the last token that has weight.
                let last = w.iter().rposition(|&w| w > 0.0).unwrap_or(0);
                self.top[last].1
            }
        }
    }
}

/// The first index of the largest logit.
fn argmax(logits: &[f32]) -> u32 {
    let mut best = 0;
    for (i, &l) in logits.iter().enumerate() {
        if l > logits[best] {
            best = i;
        }
    }
    best as u32
}

/// The `k` largest logits with their tokens into `top`, largest first (ties: lower token first).
fn best_k(logits: &[f32], k: usize, top: &mut Vec<(f32, u32)>) {
    top.clear();
    top.extend(logits[..k].iter().enumerate().map(|(i, &l)| (l, i as u32)));
    // The smallest kept (which a larger logit replaces): found again only after a replacement,
    // which a vocabulary in no particular order asks for a few hundred times.
    let smallest = |top: &[(f32, u32)]| {
        let mut m = 0;
        for (i, c) in top.iter().enumerate() {
            if c.0 < top[m].0 {
                m = i;
            }
        }
        m
    };
    let mut min = smallest(top);
    for (i, &l) in logits.iter().enumerate().skip(k) {
        if l > top[min].0 {
            top[min] = (l, i as u32);
            min = smallest(top);
        }
    }
    top.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logits(n: usize, seed: u64) -> Vec<f32> {
        let mut r = Rng(seed);
        (0..n).map(|_| r.unit() * 20.0 - 10.0).collect()
    }

    #[test]
    fn the_k_best_are_found_in_one_pass() {
        let l = logits(5000, 3);
        let mut top = Vec::new();
        best_k(&l, 50, &mut top);
        let mut sorted: Vec<(f32, u32)> =
            l.iter().enumerate().map(|(i, &v)| (v, i as u32)).collect();
        sorted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(top, sorted[..50]);
    }

    #[test]
    fn samples_follow_the_distribution_and_respect_top_k_and_top_p() {
        // Four tokens with probabilities ∝ e^(2, 1, 0, -1): at temperature 1 with k = 3 the fourth
        // never comes; with p = 0.7 only the first two (0.64 + 0.24 ≥ 0.7) do.
        let l = [2.0f32, 1.0, 0.0, -1.0];
        let z: f32 = l.iter().map(|v| v.exp()).sum();
        let mut s = Sampler::new(
            7,
            TokenChoice::TopKThenTopP {
                k: 3,
                p: 1.0,
                temperature: 1.0,
            },
        );
        let mut counts = [0usize; 4];
        let n = 40_000;
        for _ in 0..n {
            counts[s.sample(&l, 1.0, &[]) as usize] += 1;
        }
        assert_eq!(counts[3], 0, "outside the top 3");
        let kept: f32 = l[..3].iter().map(|v| v.exp()).sum();
        for t in 0..3 {
            let want = l[t].exp() / kept;
            let got = counts[t] as f32 / n as f32;
            assert!((got - want).abs() < 0.01, "token {t}: {got} vs {want}");
        }
        let mut s = Sampler::new(
            7,
            TokenChoice::TopKThenTopP {
                k: 3,
                p: 0.7,
                temperature: 1.0,
            },
        );
        assert!(2.0f32.exp() / z < 0.7);
        let mut counts = [0usize; 4];
        for _ in 0..n {
            counts[s.sample(&l, 1.0, &[]) as usize] += 1;
        }
        assert_eq!((counts[2], counts[3]), (0, 0), "beyond top p");
        assert!(counts[0] > counts[1] && counts[1] > 0);
    }

    #[test]
    fn a_verified_draft_leaves_the_distribution_as_it_was() {
        // Five tokens at temperature 0.8 with top p 0.9: the last falls outside top p. Whatever the
        // draft (the likeliest token, a middling one, one top p cuts), the verified token comes
        // with the probabilities plain sampling draws from.
        let l = [2.0f32, 1.2, 0.9, -0.5, -3.0];
        let mode = TokenChoice::TopKThenTopP {
            k: 5,
            p: 0.9,
            temperature: 0.8,
        };
        let n = 200_000;
        let mut plain = Sampler::new(11, mode);
        let mut want = [0usize; 5];
        for _ in 0..n {
            want[plain.sample(&l, 1.0, &[]) as usize] += 1;
        }
        assert_eq!(want[4], 0, "the last token is outside top p");
        for draft in [0u32, 2, 4] {
            let mut s = Sampler::new(5 + draft as u64, mode);
            let mut got = [0usize; 5];
            for _ in 0..n {
                got[s.verify(&l, 1.0, &[], draft) as usize] += 1;
            }
            for t in 0..5 {
                let (g, w) = (got[t] as f64 / n as f64, want[t] as f64 / n as f64);
                assert!(
                    (g - w).abs() < 0.006,
                    "draft {draft}, token {t}: {g:.4} vs {w:.4}"
                );
            }
        }
        // Greedy: the most likely token whatever the draft (a penalised repeat included).
        let mut g = Sampler::new(0, TokenChoice::ArgMax);
        assert_eq!(g.verify(&l, 1.0, &[], 0), 0);
        assert_eq!(g.verify(&l, 1.0, &[], 3), 0);
        assert_eq!(
            g.verify(&[3.0, 2.8], 1.2, &[0], 0),
            1,
            "3.0 / 1.2 = 2.5 < 2.8"
        );
    }

    #[test]
    fn a_seed_repeats_and_the_penalty_counts_each_token_once() {
        let l = logits(1000, 9);
        let mode = TokenChoice::TopKThenTopP {
            k: 50,
            p: 0.9,
            temperature: 0.7,
        };
        let (mut a, mut b) = (Sampler::new(1, mode), Sampler::new(1, mode));
        let xs: Vec<u32> = (0..50).map(|_| a.sample(&l, 1.3, &[5, 5, 6])).collect();
        let ys: Vec<u32> = (0..50).map(|_| b.sample(&l, 1.3, &[5, 5, 6])).collect();
        assert_eq!(xs, ys);
        // Greedy: the best token loses its place when the penalty pushes it under the second.
        let l = [3.0f32, 2.8, -1.0];
        let mut g = Sampler::new(0, TokenChoice::ArgMax);
        assert_eq!(g.sample(&l, 1.0, &[]), 0);
        assert_eq!(g.sample(&l, 1.2, &[0, 0]), 1, "3.0 / 1.2 = 2.5 < 2.8");
        assert_eq!(g.sample(&l, 1.2, &[2]), 0, "a negative logit is multiplied");
    }
}
