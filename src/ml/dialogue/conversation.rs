//! The state of one conversation, read from its transcript before every turn: what the villager has
//! told this player (facts and their details), the topic under discussion (the last fact spoken
//! of) and whom it has sent the player to. It is derived, not stored: wherever the transcript
//! lives (the game's speech, `chat`, a client's messages to `serve`, a save) the state is there
//! too, and it can never disagree with what was said. Plain text functions.

use crate::decide::keys;
use crate::decide::talk::Ask;
use crate::inference::DialogueRequest;

/// Asks that a knowledge entry's details answer.
pub(crate) const DETAIL_ASKS: [Ask; 6] = [
    Ask::Who,
    Ask::Where,
    Ask::When,
    Ask::Why,
    Ask::How,
    Ask::What,
];

/// What a conversation has established so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conversation {
    /// Knowledge entries the villager's earlier replies stated, in the order first told.
    pub(crate) told: Vec<usize>,
    /// Details already told: (entry, what they answer).
    pub(crate) details_told: Vec<(usize, Ask)>,
    /// The entry under discussion: the last one whose fact or detail a reply stated.
    pub(crate) topic: Option<usize>,
    /// Villagers this one has already sent the player to.
    pub(crate) leads_given: Vec<String>,
}

/// The key content of a detail (or any line the villager says of itself): its content words.
/// A possessive counts as its noun ("the hall's door" is said by "the door of the hall").
pub(crate) fn detail_keys(text: &str) -> Vec<String> {
    keys::derive(&text.replace("'s ", " ").replace("’s ", " "))
}

/// True when `reply` says `detail` (its key content present).
pub fn says_detail(reply: &str, detail: &str) -> bool {
    keys::all_present(reply, &detail_keys(detail))
}

/// True when `text` names `name` as a word.
pub fn names(text: &str, name: &str) -> bool {
    let name = name.to_lowercase();
    keys::words(text)
        .iter()
        .any(|w| *w == name || *w == format!("{name}'s"))
}

impl Conversation {
    /// Reads the state of `req`'s conversation from its history.
    pub fn read(req: &DialogueRequest) -> Conversation {
        let mut c = Conversation::default();
        for (_, reply) in &req.history {
            c.note(req, reply);
        }
        c
    }

    /// Takes in one of the villager's replies.
    fn note(&mut self, req: &DialogueRequest, reply: &str) {
        let mut spoken_of = None;
        for (k, e) in req.knowledge.iter().enumerate() {
            // Memories recalled for this turn count too: what it said back once, it does not
            // recite again.
            if !e.allowed {
                continue;
            }
            if keys::all_present(reply, &e.keys) {
                if !self.told.contains(&k) {
                    self.told.push(k);
                }
                spoken_of = Some(k);
            }
            for ask in DETAIL_ASKS {
                if let Some(d) = e.details.get(ask)
                    && says_detail(reply, d)
                    && !self.details_told.contains(&(k, ask))
                {
                    self.details_told.push((k, ask));
                    spoken_of = Some(k);
                }
            }
        }
        if spoken_of.is_some() {
            self.topic = spoken_of;
        }
        for p in &req.world.people {
            if p.name != req.speaker && names(reply, &p.name) && !self.leads_given.contains(&p.name)
            {
                self.leads_given.push(p.name.clone());
            }
        }
    }

    /// True when entry `k`'s fact was told.
    pub(crate) fn was_told(&self, k: usize) -> bool {
        self.told.contains(&k)
    }

    /// The first detail of entry `k` not told yet, if it has one.
    pub(crate) fn untold_detail(&self, req: &DialogueRequest, k: usize) -> Option<Ask> {
        let e = req.knowledge.get(k)?;
        DETAIL_ASKS
            .into_iter()
            .find(|&a| e.details.get(a).is_some() && !self.details_told.contains(&(k, a)))
    }

    /// The villager's own facts that trust allows and that it has not told, most tied to the
    /// mystery first (then in the order written).
    pub(crate) fn untold(&self, req: &DialogueRequest) -> Vec<usize> {
        let weight = |k: usize| {
            keys::words(&req.knowledge[k].text)
                .iter()
                .filter(|w| req.world.mystery_words.contains(w))
                .count()
        };
        let mut out: Vec<usize> = (0..req.knowledge.len())
            .filter(|&k| {
                let e = &req.knowledge[k];
                e.allowed && !e.recalled && !self.told.contains(&k)
            })
            .collect();
        out.sort_by_key(|&k| std::cmp::Reverse(weight(k)));
        out
    }

    /// Whom to send the player to: the villager (not this one) whose knowledge shares the most
    /// words with what this one knows or is talking about, a word weighing more the fewer
    /// villagers know it (a rare word like "lantern" says more than "night"), and not named yet
    /// in this conversation (once all were, the best again). An index into `req.world.people`.
    pub(crate) fn lead(&self, req: &DialogueRequest) -> Option<usize> {
        let about: Vec<String> = match self.topic {
            Some(k) => keys::words(&req.knowledge[k].text),
            None => req
                .knowledge
                .iter()
                .filter(|e| !e.recalled)
                .flat_map(|e| keys::words(&e.text))
                .collect(),
        };
        let people = &req.world.people;
        // How much a shared word says: ln(villagers / villagers who know it).
        let weight = |w: &String| {
            let knowing = people.iter().filter(|p| p.knows.contains(w)).count().max(1);
            (people.len() as f32 / knowing as f32).ln()
        };
        let score = |i: usize| {
            let p = &people[i];
            let shared: f32 = p
                .knows
                .iter()
                .filter(|w| about.contains(w))
                .map(weight)
                .sum();
            let tied = p
                .knows
                .iter()
                .filter(|w| req.world.mystery_words.contains(w))
                .count();
            shared * 4.0 + tied as f32 * 0.1
        };
        let others: Vec<usize> = (0..req.world.people.len())
            .filter(|&i| req.world.people[i].name != req.speaker)
            .filter(|&i| !req.world.people[i].knows.is_empty())
            .collect();
        let fresh: Vec<usize> = others
            .iter()
            .copied()
            .filter(|&i| !self.leads_given.contains(&req.world.people[i].name))
            .collect();
        let pool = if fresh.is_empty() { others } else { fresh };
        // The best score; among equals, the one first in the cast.
        pool.into_iter()
            .map(|i| (i, score(i)))
            .reduce(|best, next| if next.1 > best.1 { next } else { best })
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::decide::talk::Details;
    use crate::inference::{KnowledgeEntry, Person, WorldNames};

    /// A knowledge entry for tests.
    pub(in crate::ml::dialogue) fn entry(
        text: &str,
        keys: &[&str],
        allowed: bool,
    ) -> KnowledgeEntry {
        KnowledgeEntry {
            text: text.into(),
            keys: keys.iter().map(|s| s.to_string()).collect(),
            allowed,
            ..Default::default()
        }
    }

    /// A villager to send the player to, knowing these words.
    pub(in crate::ml::dialogue) fn person(name: &str, knows: &[&str]) -> Person {
        Person {
            name: name.into(),
            knows: knows.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn req() -> DialogueRequest {
        let mut lantern = entry(
            "I saw a lantern moving near the town hall after midnight.",
            &["lantern", "hall"],
            true,
        );
        lantern.details = Details {
            place: "Right by the tower steps, on the hall's east side.".into(),
            unknown: "I only saw the light, not who carried it.".into(),
            ..Default::default()
        };
        DialogueRequest {
            speaker: "Greta".into(),
            knowledge: vec![
                lantern,
                entry("Bread sells out by noon.", &["bread", "noon"], true),
                entry("The bell rope was cut.", &["bell", "rope"], false),
            ],
            world: Arc::new(WorldNames {
                people: vec![
                    person("Greta", &["lantern"]),
                    person("Hilda", &["tavern", "drank"]),
                    person("Pip", &["tower", "door", "hall"]),
                ],
                mystery_words: vec!["lantern".into(), "bell".into()],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn what_was_told_and_the_topic_come_from_the_transcript() {
        let mut r = req();
        assert_eq!(Conversation::read(&r), Conversation::default());
        r.history = vec![
            ("hello".into(), "Good morning, love!".into()),
            (
                "seen anything?".into(),
                "I saw a lantern moving by the town hall.".into(),
            ),
            (
                "where?".into(),
                "Right by the tower steps, on the east side of the hall.".into(),
            ),
        ];
        let c = Conversation::read(&r);
        assert_eq!(c.told, [0]);
        assert_eq!(c.details_told, [(0, Ask::Where)]);
        assert_eq!(c.topic, Some(0));
        assert!(c.was_told(0) && !c.was_told(1));
        assert_eq!(c.untold_detail(&r, 0), None, "where was the only detail");
        // The lantern is told; what is left is the bread (the bell is withheld).
        assert_eq!(c.untold(&r), [1]);
    }

    #[test]
    fn a_lead_is_whoever_knows_most_of_the_topic_and_is_not_named_twice() {
        let mut r = req();
        r.history = vec![("seen anything?".into(), "A lantern by the hall.".into())];
        let c = Conversation::read(&r);
        assert_eq!(
            c.lead(&r).map(|i| r.world.people[i].name.as_str()),
            Some("Pip")
        );
        r.history
            .push(("who else?".into(), "Ask Pip, he was at the tower.".into()));
        let c = Conversation::read(&r);
        assert_eq!(c.leads_given, ["Pip"]);
        assert_eq!(
            c.lead(&r).map(|i| r.world.people[i].name.as_str()),
            Some("Hilda")
        );
    }

    #[test]
    fn a_word_few_villagers_know_leads_further_than_common_ones() {
        let mut r = req();
        // Aldric shares two words everyone knows; Wren shares the one only it knows.
        Arc::make_mut(&mut r.world).people = vec![
            person("Greta", &["lantern", "night", "town"]),
            person("Aldric", &["night", "town", "bell"]),
            person("Hilda", &["night", "town", "tavern"]),
            person("Wren", &["moving", "wolves"]),
        ];
        r.history = vec![("seen anything?".into(), "A lantern by the hall.".into())];
        let c = Conversation::read(&r);
        assert_eq!(
            c.lead(&r).map(|i| r.world.people[i].name.as_str()),
            Some("Wren")
        );
    }
}
