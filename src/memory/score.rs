//! How well a memory answers a query: the weights of retrieval, the query, and relevance (the
//! cosine of sentence embeddings, or shared content words without an encoder). Plain data.

use crate::decide::keys;

/// Weights of retrieval, and how fast memories fade.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    pub(crate) recency: f32,
    pub(crate) relevance: f32,
    pub(crate) importance: f32,
    /// Recency is `decay ^ hours since`.
    pub(crate) decay_per_hour: f32,
}

/// Generative Agents' weights (recency 0.5, relevance 3, importance 2; decay 0.995 an hour).
pub const GENERATIVE_AGENTS: Weights = Weights {
    recency: 0.5,
    relevance: 3.0,
    importance: 2.0,
    decay_per_hour: 0.995,
};

/// What a memory is retrieved for: a line's embedding (when there is an encoder) and its words.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub(crate) embedding: Option<Vec<f32>>,
    pub(crate) words: Vec<String>,
}

impl Query {
    pub fn new(text: &str, embedding: Option<Vec<f32>>) -> Self {
        Query {
            embedding,
            words: content_words(text),
        }
    }
}

fn content_words(text: &str) -> Vec<String> {
    let mut w: Vec<String> = keys::words(text)
        .into_iter()
        .filter(|w| keys::is_content(w))
        .collect();
    w.sort();
    w.dedup();
    w
}

/// Cosine of the embeddings where both have one, else the share of the query's content words the
/// memory has (its text and topics).
pub(crate) fn relevance(q: &Query, embedding: &[f32], text: &str, topics: &[String]) -> f32 {
    if let Some(e) = &q.embedding
        && !embedding.is_empty()
        && embedding.len() == e.len()
    {
        return dot(e, embedding);
    }
    if q.words.is_empty() {
        return 0.0;
    }
    let mut mine = content_words(text);
    for t in topics {
        mine.extend(content_words(t));
    }
    let shared = q.words.iter().filter(|w| mine.contains(w)).count();
    shared as f32 / q.words.len() as f32
}

/// The dot product of two equally long vectors, in eight lanes (which the compiler vectorises; a
/// single running sum cannot be reordered, so it would not be).
pub(super) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut lanes = [0.0f32; 8];
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            lanes[k] += x[k] * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Min-max normalisation to [0, 1]; all-equal values count as 1 (they neither help nor hurt).
pub(super) fn normalise(v: &[f32]) -> Vec<f32> {
    let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !(hi - lo).is_finite() || hi - lo < 1e-9 {
        return vec![1.0; v.len()];
    }
    v.iter().map(|x| (x - lo) / (hi - lo)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lane_dot_product_matches_the_plain_one_with_ragged_tails() {
        for n in [0usize, 3, 8, 13, 384] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.91).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() < 1e-4, "{n}");
        }
    }
}
