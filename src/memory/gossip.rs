//! Gossip between villagers: rumours about the player (kind or rude to someone) and clues (a
//! villager's own knowledge entries), each kept with who it started with and who told it. A
//! villager tells the freshest rumour its listener lacks, if it trusts the listener enough for
//! that kind of rumour; the listener believes it if it does not distrust the teller. A rumour
//! about the player moves the listener's trust in them, less the further it travelled. What a
//! villager heard becomes a memory, with its source: the player's deeds, and clues it may pass on
//! to the player as secretly as they were told. Plain data and rules; `brain::gossip` runs them
//! in the village.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stream::{Memory, MemoryKind};
use crate::config::schema::Fact;

/// What a rumour is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Subject {
    /// The player was kind to the origin.
    PlayerKind,
    /// The player was rude to the origin.
    PlayerRude,
    /// The origin's knowledge entry (a clue), by index in its config.
    Clue(u16),
}

impl Subject {
    /// Trust in the listener a teller needs to pass this on: talk about the player is cheap,
    /// clues are told only to friends.
    pub(crate) fn gate(self) -> f32 {
        match self {
            Subject::PlayerKind | Subject::PlayerRude => 0.1,
            Subject::Clue(_) => 0.4,
        }
    }
}

/// One thing a villager heard (or knows first-hand: `hops` 0, `source` its own id).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rumour {
    pub subject: Subject,
    /// The villager it started with.
    pub origin: u64,
    /// Who told it.
    pub source: u64,
    pub hops: u8,
    /// Game second it was learnt.
    pub(crate) at: f64,
}

/// Most rumours a villager keeps (first-hand ones are never dropped for heard ones).
pub(crate) const MAX_RUMOURS: usize = 24;
/// Trust in a villager not met before.
pub(crate) const STRANGER_TRUST: f32 = 0.3;
/// Trust gained on each side by an exchange.
pub(crate) const CHAT_TRUST: f32 = 0.02;

/// What one villager knows and thinks of the others, for gossip.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Gossip {
    pub rumours: Vec<Rumour>,
    /// Trust in other villagers, by id.
    pub(crate) relations: BTreeMap<u64, f32>,
    /// Game second of the next chance to tell something.
    pub(crate) next_chat: f64,
    /// Kind and rude words from the player already turned into first-hand rumours.
    pub(crate) seen_words: (u32, u32),
}

impl Gossip {
    pub(crate) fn knows(&self, subject: Subject, origin: u64) -> bool {
        self.rumours
            .iter()
            .any(|r| r.subject == subject && r.origin == origin)
    }

    /// Trust in villager `id`.
    pub(crate) fn trust_in(&self, id: u64) -> f32 {
        self.relations.get(&id).copied().unwrap_or(STRANGER_TRUST)
    }

    /// Moves trust in `id` by `delta`, within [-1, 1].
    pub(crate) fn befriend(&mut self, id: u64, delta: f32) {
        let t = (self.trust_in(id) + delta).clamp(-1.0, 1.0);
        self.relations.insert(id, t);
    }

    /// Learns `r` unless it is known; a full list drops its oldest heard rumour (or refuses
    /// the new one when every rumour is first-hand). True when learnt.
    pub(crate) fn learn(&mut self, r: Rumour) -> bool {
        if self.knows(r.subject, r.origin) {
            return false;
        }
        if self.rumours.len() >= MAX_RUMOURS {
            let oldest = self
                .rumours
                .iter()
                .enumerate()
                .filter(|(_, r)| r.hops > 0)
                .min_by(|a, b| a.1.at.total_cmp(&b.1.at))
                .map(|(i, _)| i);
            match oldest {
                Some(i) => {
                    self.rumours.remove(i);
                }
                None => return false,
            }
        }
        self.rumours.push(r);
        true
    }

    /// What this villager (`me`) would tell `listener` (whom it trusts `trust`): the freshest
    /// rumour the listener lacks that trust allows, not one about the listener itself.
    pub(crate) fn pick_for(
        &self,
        listener_id: u64,
        listener: &Gossip,
        trust: f32,
    ) -> Option<&Rumour> {
        self.rumours
            .iter()
            .filter(|r| trust >= r.subject.gate())
            .filter(|r| r.origin != listener_id && !listener.knows(r.subject, r.origin))
            .max_by(|a, b| a.at.total_cmp(&b.at).then(b.origin.cmp(&a.origin)))
    }
}

/// How much a rumour about the player moves the listener's trust in them (0 for clues): a
/// rude deed weighs more than a kind one, and both less the more hands they passed through.
pub(crate) fn reputation(subject: Subject, hops: u8) -> f32 {
    let hops = hops.max(1) as f32;
    match subject {
        Subject::PlayerKind => 0.06 / hops,
        Subject::PlayerRude => -0.1 / hops,
        Subject::Clue(_) => 0.0,
    }
}

/// The memory of hearing a rumour about the player from `teller` (about `origin`), in the
/// villager's voice to the player: "Greta told me you were rude to Odo."
pub(crate) fn heard_memory(
    subject: Subject,
    teller: &str,
    origin: &str,
    at: f64,
) -> Option<Memory> {
    let (deed, key) = match subject {
        Subject::PlayerKind => ("kind", "kind"),
        Subject::PlayerRude => ("rude", "rude"),
        Subject::Clue(_) => return None,
    };
    let whom = if teller == origin { "them" } else { origin };
    let topics = vec![
        "what people say about me".into(),
        "what you heard about me".into(),
    ];
    let text = format!("{teller} told me you were {deed} to {whom}.");
    let keys = vec![key.into(), teller.to_lowercase()];
    Some(Memory {
        source: Some(teller.to_string()),
        ..Memory::new(MemoryKind::Heard, at, text, keys, topics)
    })
}

/// The memory of hearing `origin`'s clue `fact` from `teller`, in the villager's voice and with
/// its source, kept as secret as `origin` kept it (its `min_trust`). A clue told in the first
/// person is quoted (`Greta told me, "I saw a lantern …"`); any other is reported (`Pip told me
/// Greta says the mill has had a poor year.`). A reply that tells it must name the teller.
pub fn heard_clue(teller: &str, origin: &str, fact: &Fact, at: f64) -> Memory {
    let said = fact.text.trim();
    let first_person = said
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .any(|w| {
            matches!(
                w,
                "I" | "I'm" | "I've" | "I'd" | "me" | "my" | "Me" | "My" | "myself"
            )
        });
    let via = if teller == origin {
        String::new()
    } else {
        format!(" {origin} said")
    };
    let text = if first_person {
        format!("{teller} told me{via}, \"{said}\"")
    } else {
        let mut words = said.splitn(2, ' ');
        let first = words.next().unwrap_or("");
        let rest = words.next().map(|r| format!(" {r}")).unwrap_or_default();
        let first = match first {
            "The" | "A" | "An" | "Someone" | "It" | "There" | "Nobody" | "No" => {
                first.to_lowercase()
            }
            _ => first.to_string(),
        };
        let via = if teller == origin {
            String::new()
        } else {
            format!(" {origin} says")
        };
        format!("{teller} told me{via} {first}{rest}")
    };
    let mut keys = fact.keys.clone();
    if keys.is_empty() {
        keys = crate::decide::keys::derive(said);
    }
    keys.push(teller.to_lowercase());
    let mut topics = fact.topics.clone();
    topics.push("what have you heard".into());
    topics.push(format!("what did {teller} tell you"));
    Memory {
        source: Some(teller.to_string()),
        min_trust: fact.min_trust,
        ..Memory::new(MemoryKind::Heard, at, text, keys, topics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rumour(subject: Subject, origin: u64, hops: u8, at: f64) -> Rumour {
        Rumour {
            subject,
            origin,
            source: origin,
            hops,
            at,
        }
    }

    #[test]
    fn the_freshest_rumour_the_listener_lacks_is_told_if_trust_allows() {
        let mut a = Gossip::default();
        a.learn(rumour(Subject::PlayerKind, 1, 0, 1.0));
        a.learn(rumour(Subject::Clue(0), 1, 0, 2.0));
        a.learn(rumour(Subject::PlayerRude, 7, 1, 3.0));
        let b = Gossip::default();
        assert_eq!(a.pick_for(5, &b, 0.5).unwrap().subject, Subject::PlayerRude);
        // A rumour about the listener is not told to it.
        assert_eq!(a.pick_for(7, &b, 0.5).unwrap().subject, Subject::Clue(0));
        // Clues need more trust than talk about the player.
        assert_eq!(a.pick_for(7, &b, 0.2).unwrap().subject, Subject::PlayerKind);
        assert!(a.pick_for(7, &b, 0.0).is_none());
        let mut knows_all = Gossip::default();
        for r in a.rumours.clone() {
            knows_all.learn(r);
        }
        assert!(a.pick_for(5, &knows_all, 1.0).is_none());
    }

    #[test]
    fn a_full_list_drops_its_oldest_heard_rumour_never_a_first_hand_one() {
        let mut g = Gossip::default();
        g.learn(rumour(Subject::Clue(0), 0, 0, 0.0));
        for i in 1..MAX_RUMOURS as u64 {
            assert!(g.learn(rumour(Subject::PlayerKind, i, 1, i as f64)));
        }
        assert!(!g.learn(rumour(Subject::PlayerKind, 3, 2, 99.0)), "known");
        assert!(g.learn(rumour(Subject::PlayerRude, 50, 1, 100.0)));
        assert_eq!(g.rumours.len(), MAX_RUMOURS);
        assert!(g.knows(Subject::Clue(0), 0));
        assert!(
            !g.knows(Subject::PlayerKind, 1),
            "the oldest heard one went"
        );
    }

    #[test]
    fn reputation_fades_with_hops_and_rudeness_weighs_more() {
        assert!(reputation(Subject::PlayerRude, 1) < -reputation(Subject::PlayerKind, 1));
        assert!(reputation(Subject::PlayerKind, 3) < reputation(Subject::PlayerKind, 1));
        assert_eq!(reputation(Subject::Clue(2), 1), 0.0);
        let m = heard_memory(Subject::PlayerRude, "Greta", "Odo", 5.0).unwrap();
        assert_eq!(m.text, "Greta told me you were rude to Odo.");
        assert_eq!(m.source.as_deref(), Some("Greta"));
        assert!(heard_memory(Subject::Clue(0), "Greta", "Odo", 5.0).is_none());
    }

    #[test]
    fn trust_between_villagers_starts_as_strangers_and_stays_bounded() {
        let mut g = Gossip::default();
        assert_eq!(g.trust_in(4), STRANGER_TRUST);
        g.befriend(4, 5.0);
        assert_eq!(g.trust_in(4), 1.0);
    }

    fn fact(text: &str, min_trust: f32) -> Fact {
        Fact {
            text: text.into(),
            min_trust,
            keys: vec!["lantern".into(), "hall".into()],
            topics: vec!["a light at night".into()],
            ..Fact::default()
        }
    }

    #[test]
    fn a_heard_clue_keeps_its_source_and_its_secrecy() {
        let f = fact(
            "I saw a lantern moving near the town hall after midnight.",
            0.4,
        );
        let m = heard_clue("Greta", "Greta", &f, 3.0);
        assert_eq!(
            m.text,
            "Greta told me, \"I saw a lantern moving near the town hall after midnight.\""
        );
        assert_eq!(m.keys, ["lantern", "hall", "greta"]);
        assert_eq!((m.min_trust, m.source.as_deref()), (0.4, Some("Greta")));
        assert!(m.topics.contains(&"a light at night".to_string()));
        let m = heard_clue("Pip", "Greta", &f, 3.0);
        assert!(
            m.text.starts_with("Pip told me Greta said, \"I saw"),
            "{}",
            m.text
        );
        let m = heard_clue(
            "Pip",
            "Tomas",
            &fact("The mill has had a poor year.", 0.0),
            3.0,
        );
        assert_eq!(
            m.text,
            "Pip told me Tomas says the mill has had a poor year."
        );
        let m = heard_clue("Pip", "Pip", &fact("Odo paid his tab in full.", 0.0), 3.0);
        assert_eq!(m.text, "Pip told me Odo paid his tab in full.");
    }
}
