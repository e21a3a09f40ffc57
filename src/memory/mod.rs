//! What villagers remember, and saves. `stream` is a villager's bounded memory stream and its
//! retrieval; `score` rates a memory against a query; `told` turns what a player says about
//! themselves into memories; `gossip` is what villagers tell each other; `seen` is what they
//! witness; `file` writes and reads versioned save files atomically. Plain data: no Bevy, no
//! candle (embeddings are made by the dialogue's encoder and handed in).

pub mod file;
pub mod gossip;
pub mod score;
pub mod seen;
pub mod stream;
pub mod told;

use serde::{Deserialize, Serialize};

use crate::decide::keys;
use crate::decide::talk::Intent;
pub use stream::{Memory, MemoryKind, MemoryStream, Query};

/// Save kind and version of a villager's memory of the player (`chat --memory FILE`).
pub const VILLAGER_KIND: &str = "villager-memory";
pub const VILLAGER_VERSION: u32 = 1;

/// One villager's memory of the player: its stream, its trust in them and how often they talked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VillagerMemory {
    /// The villager it belongs to.
    pub(crate) npc: String,
    /// Trust towards the player in [-1, 1], moved by what the player says and does.
    pub trust: f32,
    pub conversations: u32,
    pub stream: MemoryStream,
}

impl VillagerMemory {
    pub fn new(npc: &str, trust: f32, hour_secs: f64) -> Self {
        VillagerMemory {
            npc: npc.to_string(),
            trust: trust.clamp(-1.0, 1.0),
            conversations: 0,
            stream: MemoryStream::new(stream::CAPACITY, hour_secs),
        }
    }

    /// Moves trust by what a line was: rudeness costs more than kindness earns.
    pub(crate) fn feel(&mut self, intent: Intent) {
        let delta = match intent {
            Intent::Insult => -0.15,
            Intent::Manipulation => -0.05,
            Intent::Praise | Intent::Thanks | Intent::Apology => 0.05,
            Intent::Gift => 0.1,
            _ => 0.0,
        };
        self.trust = (self.trust + delta).clamp(-1.0, 1.0);
    }
}

/// The memories a player's line leaves at time `at`, before their embeddings: each statement about
/// themselves, or else the line itself (kept as what they said; rude and kind lines by kind).
pub fn of_line(line: &str, intent: Intent, at: f64, intensity: Option<f32>) -> Vec<Memory> {
    let told = told::from_line(line);
    if !told.is_empty() {
        return told
            .into_iter()
            .map(|t| Memory {
                importance: stream::importance(MemoryKind::Told, intensity),
                ..Memory::new(MemoryKind::Told, at, t.text, t.keys, t.topics)
            })
            .collect();
    }
    let quoted: String = line.trim().chars().take(160).collect();
    let (kind, text, topics) = match intent {
        Intent::Insult => (
            MemoryKind::Insult,
            format!("You were rude to me; you said \"{quoted}\"."),
            vec![
                "how I treated you".to_string(),
                "are you angry with me".into(),
            ],
        ),
        Intent::Praise | Intent::Thanks | Intent::Apology => (
            MemoryKind::Kindness,
            format!("You were kind to me; you said \"{quoted}\"."),
            vec!["how I treated you".to_string()],
        ),
        Intent::Accusation => (
            MemoryKind::Accusation,
            format!("You accused someone of the theft; you said \"{quoted}\"."),
            vec!["whom I accused".to_string()],
        ),
        _ => (
            MemoryKind::Said,
            format!("You said \"{quoted}\"."),
            Vec::new(),
        ),
    };
    vec![Memory {
        importance: stream::importance(kind, intensity),
        ..Memory::new(kind, at, text, keys::derive(&quoted), topics)
    }]
}

/// The memory of a gift of bread at `at`.
pub(crate) fn of_gift(at: f64) -> Memory {
    Memory::new(
        MemoryKind::Gift,
        at,
        "You brought me a loaf of bread.".into(),
        vec!["bread|loaf".into()],
        vec!["what I gave you".into(), "my gift".into()],
    )
}

/// What a conversation came to, from the facts the villager told (already checked replies, so
/// nothing here is invented): "When we last talked, I told you: I saw lanterns …". `None` for a
/// conversation that told nothing.
pub(crate) fn summary(told_facts: &[&str], at: f64) -> Option<Memory> {
    if told_facts.is_empty() {
        return None;
    }
    let facts: Vec<String> = told_facts
        .iter()
        .map(|f| f.trim().trim_end_matches(['.', '!']).to_string())
        .collect();
    let text = format!("When we last talked, I told you: {}.", facts.join("; "));
    let mut keys = Vec::new();
    for f in &facts {
        keys.extend(keys::derive(f).into_iter().take(2));
    }
    let topics = vec![
        "what we talked about last time".into(),
        "what you told me last time".into(),
    ];
    Some(Memory::new(MemoryKind::Summary, at, text, keys, topics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_leaves_what_it_told_or_what_it_was() {
        let m = of_line("My name is Tom.", Intent::SmallTalk, 5.0, None);
        assert_eq!((m.len(), m[0].kind), (1, MemoryKind::Told));
        assert_eq!(m[0].at, 5.0);
        let m = of_line("You are a useless fool", Intent::Insult, 0.0, Some(0.9));
        assert_eq!(m[0].kind, MemoryKind::Insult);
        assert!(m[0].importance > MemoryKind::Insult.base_importance());
        let m = of_line("Nice weather", Intent::SmallTalk, 0.0, None);
        assert_eq!(m[0].kind, MemoryKind::Said);
        assert!(!m[0].kind.recallable());
    }

    #[test]
    fn trust_moves_with_kindness_and_rudeness_within_bounds() {
        let mut v = VillagerMemory::new("Greta", 0.95, 3600.0);
        v.feel(Intent::Gift);
        assert_eq!(v.trust, 1.0);
        v.feel(Intent::Insult);
        assert!((v.trust - 0.85).abs() < 1e-6);
    }

    #[test]
    fn a_summary_keeps_the_told_facts_and_needs_some() {
        assert!(summary(&[], 0.0).is_none());
        let s = summary(&["I saw lanterns by the town hall at midnight."], 9.0).unwrap();
        assert_eq!(
            s.text,
            "When we last talked, I told you: I saw lanterns by the town hall at midnight."
        );
        assert!(!s.keys.is_empty());
    }
}
