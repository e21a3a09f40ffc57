//! A villager's memory stream: what the player said and did, what it saw, what others told it,
//! each with the time, an importance and an embedding of its text. Retrieval scores memories by
//! recency × relevance × importance (each normalised to [0, 1] over the stream, then weighted as
//! Generative Agents do: 0.5 / 3 / 2); a full stream forgets the memory it would least recall.
//! Plain data: embeddings are made by whoever owns the encoder.

use serde::{Deserialize, Serialize};

pub use super::score::{GENERATIVE_AGENTS, Query, Weights};
use super::score::{normalise, relevance};

/// What a memory is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MemoryKind {
    /// The player said something about themselves ("my name is Tom").
    Told,
    /// Any other line the player said.
    Said,
    /// The player gave a gift.
    Gift,
    /// The player was rude.
    Insult,
    /// The player was kind (praise, thanks, an apology).
    Kindness,
    /// The player named someone as the thief.
    Accusation,
    /// Something the villager saw (wolves, an injury, someone fleeing).
    Witnessed,
    /// Something another villager said (gossip), with its source.
    Heard,
    /// What a whole conversation came to.
    Summary,
}

impl MemoryKind {
    /// How much a memory of this kind matters before the feeling it came with, in [0, 1].
    pub fn base_importance(self) -> f32 {
        match self {
            MemoryKind::Said => 0.15,
            MemoryKind::Summary => 0.4,
            MemoryKind::Told | MemoryKind::Kindness | MemoryKind::Heard => 0.5,
            MemoryKind::Gift => 0.6,
            MemoryKind::Insult | MemoryKind::Witnessed => 0.7,
            MemoryKind::Accusation => 0.8,
        }
    }

    /// Whether a villager can say this memory back to the player as a fact (a plain line is kept
    /// for gossip and reputation, but not recited).
    pub fn recallable(self) -> bool {
        !matches!(self, MemoryKind::Said)
    }
}

/// The importance of a memory of `kind` felt with `intensity` in [0, 1] (the emotion model's
/// dominant-emotion intensity; `None` where no emotion was read): the kind's base, raised by up to
/// a third of the remaining room by strong feeling.
pub fn importance(kind: MemoryKind, intensity: Option<f32>) -> f32 {
    let base = kind.base_importance();
    let felt = intensity.unwrap_or(0.0).clamp(0.0, 1.0);
    (base + (1.0 - base) * felt / 3.0).clamp(0.0, 1.0)
}

/// One memory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// When it happened, in seconds on the stream's clock.
    pub at: f64,
    pub kind: MemoryKind,
    /// In the villager's voice, to the player where it is about them ("You told me your name is
    /// Tom.").
    pub text: String,
    /// Key content a reply must carry to count as recalling it (as a knowledge entry's keys).
    pub keys: Vec<String>,
    /// Ways a player may ask about it.
    pub topics: Vec<String>,
    /// In [0, 1].
    pub importance: f32,
    /// The sentence encoder's embedding of `text` (empty when there was no encoder).
    pub embedding: Vec<f32>,
    /// Who told it, for gossip; `None` when first-hand.
    pub source: Option<String>,
    /// Trust in the player needed before it is told (a clue heard keeps its teller's secrecy).
    #[serde(default)]
    pub min_trust: f32,
}

impl Memory {
    /// A first-hand memory of `kind` at `at`, as important as its kind (no feeling read), not yet
    /// embedded, told to anyone.
    pub(crate) fn new(
        kind: MemoryKind,
        at: f64,
        text: String,
        keys: Vec<String>,
        topics: Vec<String>,
    ) -> Self {
        Memory {
            at,
            kind,
            text,
            keys,
            topics,
            importance: importance(kind, None),
            embedding: Vec::new(),
            source: None,
            min_trust: 0.0,
        }
    }
}

/// A bounded memory stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryStream {
    /// Most memories kept.
    pub(crate) capacity: usize,
    /// Seconds of the stream's clock in an hour (3,600 for wall time; the game's clock runs a day
    /// in [`crate::world::components::WorldClock::day_length`] seconds).
    pub(crate) hour_secs: f64,
    pub memories: Vec<Memory>,
}

/// Default bound of a stream.
pub const CAPACITY: usize = 200;

impl MemoryStream {
    pub fn new(capacity: usize, hour_secs: f64) -> Self {
        MemoryStream {
            capacity: capacity.max(1),
            hour_secs: if hour_secs > 0.0 { hour_secs } else { 3600.0 },
            memories: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.memories.len()
    }

    /// Adds `m`; a full stream first forgets the memory with the lowest recency + importance
    /// score at `m.at` (ties: the oldest).
    pub fn add(&mut self, m: Memory) {
        if self.memories.len() >= self.capacity {
            let now = m.at;
            let keep = self.scores(None, now, &GENERATIVE_AGENTS);
            if let Some((worst, _)) = keep
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
            {
                self.memories.remove(worst);
            }
        }
        self.memories.push(m);
    }

    /// Adds `m`, unless a memory of the same kind and text is already kept: that one is brought
    /// up to `m`'s time (and importance, if higher), so a thing seen again and again (a wolf at
    /// the edge of the village every night) stays one memory.
    pub(crate) fn renew(&mut self, m: Memory) {
        match self
            .memories
            .iter()
            .position(|x| x.kind == m.kind && x.text == m.text)
        {
            Some(i) => {
                let mut old = self.memories.remove(i);
                old.at = m.at;
                old.importance = old.importance.max(m.importance);
                self.memories.push(old);
            }
            None => self.add(m),
        }
    }

    /// The `k` best memories for `query` at time `now` that `filter` admits, best first, with
    /// their scores (in [0, weights' sum]).
    pub fn retrieve(
        &self,
        query: &Query,
        now: f64,
        k: usize,
        filter: impl Fn(&Memory) -> bool,
    ) -> Vec<(usize, f32)> {
        let scores = self.scores(Some(query), now, &GENERATIVE_AGENTS);
        let mut ranked: Vec<(usize, f32)> = scores
            .into_iter()
            .enumerate()
            .filter(|(i, _)| filter(&self.memories[*i]))
            .collect();
        // Best first; among equals the newer memory.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
        ranked.truncate(k);
        ranked
    }

    /// Every memory's score: the weighted sum of its normalised recency, relevance to `query`
    /// (left out without a query) and importance.
    fn scores(&self, query: Option<&Query>, now: f64, w: &Weights) -> Vec<f32> {
        let recency: Vec<f32> = self
            .memories
            .iter()
            .map(|m| {
                let hours = ((now - m.at) / self.hour_secs).max(0.0);
                w.decay_per_hour.powf(hours as f32)
            })
            .collect();
        let importance: Vec<f32> = self.memories.iter().map(|m| m.importance).collect();
        let relevance: Vec<f32> = match query {
            Some(q) => self
                .memories
                .iter()
                .map(|m| relevance(q, &m.embedding, &m.text, &m.topics))
                .collect(),
            None => vec![0.0; self.memories.len()],
        };
        let (recency, relevance, importance) = (
            normalise(&recency),
            normalise(&relevance),
            normalise(&importance),
        );
        (0..self.memories.len())
            .map(|i| {
                w.recency * recency[i] + w.relevance * relevance[i] + w.importance * importance[i]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::keys;

    fn memory(at: f64, kind: MemoryKind, text: &str, embedding: Vec<f32>) -> Memory {
        Memory {
            at,
            kind,
            text: text.into(),
            keys: keys::derive(text),
            topics: Vec::new(),
            importance: importance(kind, None),
            embedding,
            source: None,
            min_trust: 0.0,
        }
    }

    #[test]
    fn relevance_decides_between_memories_of_the_same_age_and_weight() {
        let mut s = MemoryStream::new(10, 3600.0);
        s.add(memory(0.0, MemoryKind::Told, "name", vec![1.0, 0.0]));
        s.add(memory(0.0, MemoryKind::Told, "trade", vec![0.0, 1.0]));
        let q = Query::new("", Some(vec![0.1, 0.99]));
        let best = s.retrieve(&q, 10.0, 1, |_| true);
        assert_eq!(best[0].0, 1);
        let q = Query::new("", Some(vec![0.99, 0.1]));
        assert_eq!(s.retrieve(&q, 10.0, 1, |_| true)[0].0, 0);
    }

    #[test]
    fn without_embeddings_shared_words_are_the_relevance() {
        let mut s = MemoryStream::new(10, 3600.0);
        s.add(memory(
            0.0,
            MemoryKind::Told,
            "You told me your name is Tom.",
            vec![],
        ));
        s.add(memory(
            0.0,
            MemoryKind::Told,
            "You told me you like apples.",
            vec![],
        ));
        let q = Query::new("Do you remember which fruit... apples?", None);
        assert_eq!(s.retrieve(&q, 1.0, 1, |_| true)[0].0, 1);
    }

    #[test]
    fn an_important_memory_outweighs_a_slightly_newer_trivial_one() {
        let mut s = MemoryStream::new(10, 3600.0);
        s.add(memory(
            0.0,
            MemoryKind::Accusation,
            "accused",
            vec![1.0, 0.0],
        ));
        s.add(memory(3600.0, MemoryKind::Said, "said", vec![1.0, 0.0]));
        let q = Query::new("", Some(vec![1.0, 0.0]));
        let ranked = s.retrieve(&q, 7200.0, 2, |_| true);
        assert_eq!(ranked[0].0, 0, "{ranked:?}");
        assert!(ranked[0].1 > ranked[1].1);
    }

    #[test]
    fn recency_fades_by_the_hour_of_the_streams_clock() {
        // Two equal memories; the one a day older loses (0.995^24 < 1).
        let mut s = MemoryStream::new(10, 20.0);
        s.add(memory(0.0, MemoryKind::Told, "a", vec![]));
        s.add(memory(480.0, MemoryKind::Told, "b", vec![]));
        let ranked = s.retrieve(&Query::default(), 500.0, 2, |_| true);
        assert_eq!(ranked[0].0, 1);
    }

    #[test]
    fn a_full_stream_forgets_the_least_memorable_and_keeps_its_bound() {
        let mut s = MemoryStream::new(3, 3600.0);
        s.add(memory(0.0, MemoryKind::Gift, "bread", vec![]));
        s.add(memory(10.0, MemoryKind::Said, "hello", vec![]));
        s.add(memory(20.0, MemoryKind::Insult, "fool", vec![]));
        s.add(memory(30.0, MemoryKind::Told, "name", vec![]));
        assert_eq!(s.len(), 3);
        let texts: Vec<&str> = s.memories.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["bread", "fool", "name"]);
    }

    #[test]
    fn the_filter_leaves_out_memories_that_are_not_recalled() {
        let mut s = MemoryStream::new(10, 3600.0);
        s.add(memory(0.0, MemoryKind::Said, "hello there", vec![]));
        s.add(memory(0.0, MemoryKind::Told, "my name", vec![]));
        let got = s.retrieve(&Query::new("hello", None), 1.0, 5, |m| m.kind.recallable());
        assert_eq!(got.len(), 1);
        assert_eq!(s.memories[got[0].0].kind, MemoryKind::Told);
    }

    #[test]
    fn strong_feeling_raises_importance_within_bounds() {
        let calm = importance(MemoryKind::Insult, None);
        let furious = importance(MemoryKind::Insult, Some(1.0));
        assert!(furious > calm && furious <= 1.0);
        assert_eq!(importance(MemoryKind::Said, Some(-3.0)), 0.15);
    }

    #[test]
    fn a_thing_seen_again_is_renewed_not_repeated() {
        let mut s = MemoryStream::new(10, 3600.0);
        s.renew(memory(
            0.0,
            MemoryKind::Witnessed,
            "A wolf came close",
            vec![],
        ));
        s.renew(memory(5.0, MemoryKind::Gift, "bread", vec![]));
        s.renew(memory(
            9.0,
            MemoryKind::Witnessed,
            "A wolf came close",
            vec![],
        ));
        let got: Vec<(&str, f64)> = s.memories.iter().map(|m| (m.text.as_str(), m.at)).collect();
        assert_eq!(got, [("bread", 5.0), ("A wolf came close", 9.0)]);
        // The same words of another kind are another memory.
        s.renew(memory(10.0, MemoryKind::Heard, "A wolf came close", vec![]));
        assert_eq!(s.len(), 3);
    }
}
