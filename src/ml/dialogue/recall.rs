//! A villager's memories in its reply: the memories best retrieved for the line (recency ×
//! relevance × importance) join the request's knowledge as entries it may state (a clue heard
//! from another villager only once the player is trusted as much as its teller asked), so
//! "What's my name?" is answered like any other question about a fact, planned, said and checked.
//! Names the player gave (in any remembered statement) join the world's names, so a villager may
//! say them back without that counting as an invented name.

use std::sync::Arc;

use super::understand::{Understander, line_intent};
use crate::decide::keys;
use crate::inference::{DialogueRequest, KnowledgeEntry};
use crate::memory::{Memory, MemoryKind, MemoryStream, Query};
use crate::ml::encoder::EncoderError;

/// Memories offered to a reply.
pub(crate) const RECALLED: usize = 3;

/// A query for `line`, with its embedding when the understander has an encoder.
pub(crate) fn query(understander: &mut Understander, line: &str) -> Result<Query, EncoderError> {
    Ok(Query::new(line, understander.embed(line)?))
}

/// Gives `m` the sentence embedding of its topics and text (left empty without an encoder): the
/// topics are how a player asks about it ("my trade" for "You told me you work as a carpenter").
pub(crate) fn embed(understander: &mut Understander, m: &mut Memory) -> Result<(), EncoderError> {
    let mut text = m.topics.join(". ");
    if !text.is_empty() {
        text.push_str(". ");
    }
    text.push_str(&m.text);
    if let Some(e) = understander.embed(&text)? {
        m.embedding = e;
    }
    Ok(())
}

/// `req` with its memories recalled (when it has any, or its line tells something about the
/// player, and is a line, not a gift): each memory without an embedding gets one (cached by text),
/// the line is the query, and names the line itself tells join the world's names.
pub(crate) fn prepare(
    understander: &mut Understander,
    req: &DialogueRequest,
) -> Result<Option<DialogueRequest>, EncoderError> {
    if req.gift {
        return Ok(None);
    }
    // What the player told about themselves earlier in this conversation counts as much as this
    // line: "Sorry, what did I say my name was?" is answered from it.
    let mut fresh: Vec<Memory> = Vec::new();
    for (said, _) in &req.history {
        fresh.extend(
            crate::memory::of_line(said, line_intent(said), req.now, None)
                .into_iter()
                .filter(|m| m.kind == MemoryKind::Told),
        );
    }
    let now = crate::memory::of_line(&req.line, line_intent(&req.line), req.now, None);
    let this_line = now.len();
    fresh.extend(now);
    let tells = fresh.iter().any(|m| m.kind == MemoryKind::Told);
    let mut stream = match req.memory.as_deref() {
        Some(s) => s.clone(),
        // Nothing remembered yet, but the line tells a name the reply may say back.
        None if tells => MemoryStream::new(16, 3600.0),
        None => return Ok(None),
    };
    // What the player told earlier in the conversation joins the memories (once each) so that
    // it can be recalled; what this line tells is not recited back to it.
    let earlier = fresh.len() - this_line;
    for m in fresh[..earlier]
        .iter()
        .filter(|m| m.kind == MemoryKind::Told)
    {
        if !stream.memories.iter().any(|s| s.text == m.text) {
            stream.add(m.clone());
        }
    }
    for m in stream
        .memories
        .iter_mut()
        .filter(|m| m.embedding.is_empty())
    {
        embed(understander, m)?;
    }
    let q = query(understander, &req.line)?;
    let mut out = req.clone();
    out.memory = None;
    recall(&stream, &fresh, &q, req.now, &mut out);
    Ok(Some(out))
}

/// Adds the memories recalled for `query` at `now` to `req` as knowledge entries (after the
/// villager's own) and the words of what the player told (`stream`'s and `fresh`) to its world
/// names. Returns the indices in `stream` of the memories added, best first.
pub(crate) fn recall(
    stream: &MemoryStream,
    fresh: &[Memory],
    query: &Query,
    now: f64,
    req: &mut DialogueRequest,
) -> Vec<usize> {
    let picked = stream.retrieve(query, now, RECALLED, |m| m.kind.recallable());
    for (i, _) in &picked {
        let m = &stream.memories[*i];
        // How the player treated it is recalled without the player's words: a reply never
        // quotes the player's line back to them.
        let (text, keys) = match m.text.split_once("; you said") {
            Some((head, _)) => {
                let head = format!("{head}.");
                let keys = keys::derive(&head);
                (head, keys)
            }
            None => (m.text.clone(), m.keys.clone()),
        };
        if keys.is_empty() {
            continue;
        }
        req.knowledge.push(KnowledgeEntry {
            text,
            keys,
            topics: m.topics.clone(),
            // A clue heard is told only as far as the player is trusted, as its teller would.
            allowed: m.min_trust <= req.trust,
            recalled: true,
            ..KnowledgeEntry::default()
        });
    }
    let told: Vec<&Memory> = stream
        .memories
        .iter()
        .chain(fresh)
        .filter(|m| m.kind == MemoryKind::Told)
        .collect();
    if !told.is_empty() {
        let mut world = (*req.world).clone();
        world.words.extend(told.iter().map(|m| m.text.clone()));
        req.world = Arc::new(world);
        // Names: the words the player wrote capitalised, past the statement's first word.
        for m in &told {
            for w in m.text.split_whitespace().skip(1) {
                let w = w.trim_matches(|c: char| !c.is_alphanumeric());
                let lower = w.to_lowercase();
                if w.chars().next().is_some_and(char::is_uppercase)
                    && lower != "i"
                    && !req.player_words.contains(&lower)
                {
                    req.player_words.push(lower);
                }
            }
        }
    }
    picked.into_iter().map(|(i, _)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::talk::Intent;
    use crate::memory::of_line;

    #[test]
    fn recalled_memories_become_allowed_entries_and_told_names_become_world_words() {
        let mut stream = MemoryStream::new(10, 3600.0);
        for m in of_line("My name is Tom", Intent::SmallTalk, 0.0, None) {
            stream.add(m);
        }
        for m in of_line("nice weather today", Intent::SmallTalk, 1.0, None) {
            stream.add(m);
        }
        let fresh = of_line("I live in Dunmore", Intent::SmallTalk, 2.0, None);
        let mut req = DialogueRequest::default();
        let q = Query::new("What is my name?", None);
        let used = recall(&stream, &fresh, &q, 2.0, &mut req);
        assert_eq!(used, [0], "plain lines are not recited");
        assert_eq!(req.knowledge[0].text, "You told me your name is Tom.");
        assert!(req.knowledge[0].allowed);
        let words = req.world.words.join(" ");
        assert!(
            words.contains("Tom") && words.contains("Dunmore"),
            "{words}"
        );
        assert_eq!(req.player_words, ["tom", "dunmore"]);
    }

    #[test]
    fn a_heard_clue_is_offered_as_secretly_as_its_teller_kept_it() {
        let fact = crate::config::schema::Fact {
            text: "Odo the miller bought a great deal of charcoal this week.".into(),
            min_trust: 0.4,
            keys: vec!["charcoal".into()],
            topics: vec!["who bought a lot of fuel".into()],
            ..Default::default()
        };
        let mut stream = MemoryStream::new(10, 3600.0);
        stream.add(crate::memory::gossip::heard_clue(
            "Greta", "Greta", &fact, 0.0,
        ));
        let q = Query::new("Who has been buying charcoal?", None);
        for (trust, allowed) in [(0.1, false), (0.5, true)] {
            let mut req = DialogueRequest {
                trust,
                ..DialogueRequest::default()
            };
            recall(&stream, &[], &q, 1.0, &mut req);
            assert_eq!(req.knowledge.len(), 1);
            assert_eq!(req.knowledge[0].allowed, allowed, "trust {trust}");
            assert!(req.knowledge[0].keys.contains(&"greta".to_string()));
        }
    }
}
