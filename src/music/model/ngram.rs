//! The baseline the music model must beat: an n-gram over the same event tokens, with
//! interpolated absolute discounting (each order's counts lowered by a constant, the mass set
//! free given to the next shorter context, down to a uniform distribution over the vocabulary).

use std::collections::HashMap;

use crate::music::events::VOCAB;

/// The discount taken from every seen count.
const DISCOUNT: f64 = 0.75;

#[derive(Default)]
struct Context {
    total: u32,
    next: HashMap<u16, u32>,
}

/// Counts of every context up to `order - 1` tokens long.
pub struct NGram {
    /// Index k holds contexts of k tokens.
    contexts: Vec<HashMap<Vec<u16>, Context>>,
}

impl NGram {
    /// Counts the token streams (each a whole piece, starting with its start token, which is
    /// context only).
    pub fn fit(order: usize, streams: &[Vec<u16>]) -> Self {
        let order = order.max(1);
        let mut contexts: Vec<HashMap<Vec<u16>, Context>> =
            (0..order).map(|_| HashMap::new()).collect();
        for s in streams {
            for i in 1..s.len() {
                for (k, map) in contexts.iter_mut().enumerate() {
                    if k > i {
                        break;
                    }
                    let c = map.entry(s[i - k..i].to_vec()).or_default();
                    c.total += 1;
                    *c.next.entry(s[i]).or_default() += 1;
                }
            }
        }
        NGram { contexts }
    }

    /// P(next | the tokens before it).
    pub(crate) fn prob(&self, history: &[u16], next: u16) -> f64 {
        let mut p = 1.0 / VOCAB as f64;
        for (k, map) in self.contexts.iter().enumerate() {
            if k > history.len() {
                break;
            }
            let Some(c) = map.get(&history[history.len() - k..]) else {
                break;
            };
            let total = f64::from(c.total);
            let seen = f64::from(c.next.get(&next).copied().unwrap_or(0));
            let freed = DISCOUNT * c.next.len() as f64 / total;
            p = (seen - DISCOUNT).max(0.0) / total + freed * p;
        }
        p
    }

    /// Perplexity over every token after the start of each stream.
    pub fn perplexity(&self, streams: &[Vec<u16>]) -> f64 {
        let (mut nll, mut n) = (0.0, 0usize);
        for s in streams {
            for i in 1..s.len() {
                nll -= self.prob(&s[..i], s[i]).ln();
                n += 1;
            }
        }
        (nll / n.max(1) as f64).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_sum_to_one_and_learn_a_repeating_stream() {
        let stream: Vec<u16> = std::iter::once(2)
            .chain((0..200).map(|i| [5u16, 6, 7][i % 3]))
            .collect();
        let m = NGram::fit(3, std::slice::from_ref(&stream));
        for history in [&stream[..1], &stream[..10], &[9u16, 9][..]] {
            let total: f64 = (0..VOCAB as u16).map(|t| m.prob(history, t)).sum();
            assert!((total - 1.0).abs() < 1e-9, "sums to {total}");
        }
        assert!(m.prob(&stream[..10], stream[10]) > 0.9);
        assert!(m.perplexity(&[stream]) < 1.2);
    }
}
