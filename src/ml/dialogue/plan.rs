//! Planning a reply from what the line means, what the villager knows, how far it trusts the
//! player and what this conversation has already said: state a fact (or, told already, add a
//! detail or refer back to it), answer a follow-up from the fact's details or say honestly what
//! it does not know, bring the next thing it knows, send the player to someone who might know,
//! hint at what it withholds and what would change its mind, answer the social act, rebuff an
//! insult, thank for a gift, or deflect in character. What the model is told for each plan, and
//! the lines said when every attempt fails, are in `lines`.

use super::conversation::Conversation;
pub use super::lines::{content, openers, task, unlock_line};
pub use super::templates::template;
use super::understand::Understanding;
use crate::decide::keys;
use crate::decide::talk::{Ask, DialoguePlan, Intent, Move};
use crate::inference::DialogueRequest;

/// How well another entry must match a follow-up (with the topic) to answer it instead of the
/// topic's own details ("Who was it?" after "someone asked me about bronze" → "It was Odo who
/// asked").
pub const FOLLOW_OTHER: f32 = 0.55;

/// The plan for an understood line in a conversation.
pub fn plan(u: &Understanding, req: &DialogueRequest, conv: &Conversation) -> DialoguePlan {
    let intent = if req.gift { Intent::Gift } else { u.intent };
    // Evidence this very line cites opens a withheld fact: the villager answers with it.
    let opened = (!req.gift)
        .then(|| {
            req.knowledge
                .iter()
                .position(|e| e.unlocked && keys::all_present(&req.line, &e.evidence))
        })
        .flatten()
        .filter(|&k| !conv.was_told(k));
    let mv = match intent {
        Intent::Question | Intent::SmallTalk | Intent::FollowUp | Intent::More
            if opened.is_some() =>
        {
            Move::StateFact(opened.unwrap_or_default())
        }
        Intent::Question => match u.about {
            Some(k) => question(k, u, req, conv),
            None => Move::NotKnown,
        },
        Intent::FollowUp => match conv.topic {
            Some(t) => follow_up(t, u, req, conv),
            // Nothing said yet to follow up: a question like any other.
            None => match u.candidate {
                Some(k) => question(k, u, req, conv),
                None => Move::NotKnown,
            },
        },
        Intent::More => more(u, req, conv),
        // A clue from another villager that opens nothing and asks nothing: it has nothing to add,
        // and says so rather than spin a tale about the mystery.
        Intent::SmallTalk
            if super::intent::cites(&req.line, &req.world.villagers, &req.speaker) =>
        {
            Move::NotKnown
        }
        Intent::Insult => Move::Rebuff,
        Intent::Gift => Move::Thank,
        Intent::OffRole | Intent::Manipulation | Intent::Nonsense | Intent::Accusation => {
            Move::Deflect
        }
        Intent::Greeting
        | Intent::Farewell
        | Intent::Thanks
        | Intent::Apology
        | Intent::Praise
        | Intent::SmallTalk
        | Intent::AboutSelf => Move::Respond,
    };
    DialoguePlan {
        intent,
        mv,
        retrieved: u.retrieved.clone(),
    }
}

/// Entry `k` (allowed) in this conversation: its fact, or, told already, the detail asked for (or
/// the next one not told), or a brief reference back.
fn tell(k: usize, ask: Option<Ask>, req: &DialogueRequest, conv: &Conversation) -> Move {
    if !conv.was_told(k) {
        return Move::StateFact(k);
    }
    let details = &req.knowledge[k].details;
    // Asked who, where, when...: that detail when it has one not told yet; else a brief
    // reference back (the question was the fact again). Not asked: the next detail.
    let next = match ask {
        Some(a) => Some(a).filter(|&a| details.get(a).is_some()),
        None => conv.untold_detail(req, k),
    };
    match next.filter(|&a| !conv.details_told.contains(&(k, a))) {
        Some(a) => Move::Detail(k, a),
        None => Move::Recall(k),
    }
}

/// A question about entry `k`.
fn question(k: usize, u: &Understanding, req: &DialogueRequest, conv: &Conversation) -> Move {
    if req.knowledge.get(k).is_some_and(|e| e.allowed) {
        return tell(k, u.wh, req, conv);
    }
    // What it may not tell comes first, but something it may tell is nearly as close: it tells
    // that.
    match close_allowed(u, req) {
        Some(j) => tell(j, u.wh, req, conv),
        None => Move::Hint(k),
    }
}

/// A follow-up about topic `t`: another entry that answers it, the topic's detail, or what the
/// villager does not know of it.
fn follow_up(t: usize, u: &Understanding, req: &DialogueRequest, conv: &Conversation) -> Move {
    let ask = u.follow_up.unwrap_or(Ask::What);
    // "Are you sure?", or "who was it?" about a fact that names who: the fact again, briefly.
    let names_who = req
        .world
        .villagers
        .iter()
        .any(|v| super::conversation::names(&req.knowledge[t].text, v));
    if ask == Ask::Sure || (ask == Ask::Who && names_who) {
        return Move::Recall(t);
    }
    // The topic's own detail first; another entry only for what the topic's details lack.
    let details = &req.knowledge[t].details;
    if details.get(ask).is_some() {
        return if conv.details_told.contains(&(t, ask)) {
            Move::Recall(t)
        } else {
            Move::Detail(t, ask)
        };
    }
    // Close to what it says it does not know of the topic: that, not another entry.
    if u.unknown_like {
        return Move::NoDetail(t, ask);
    }
    let other = u
        .follow_retrieved
        .iter()
        .find(|(j, _)| *j != t && !req.knowledge[*j].recalled)
        .filter(|(j, s)| *s >= FOLLOW_OTHER && !conv.was_told(*j));
    if let Some(&(j, _)) = other {
        return if req.knowledge[j].allowed {
            Move::StateFact(j)
        } else {
            Move::Hint(j)
        };
    }
    Move::NoDetail(t, ask)
}

/// "Anything else?": the next thing it may tell that the player has not heard, or, when nothing
/// is left (or the player asked whom else to ask), someone who might know.
fn more(u: &Understanding, req: &DialogueRequest, conv: &Conversation) -> Move {
    if !u.lead
        && let Some(&k) = conv.untold(req).first()
    {
        return Move::StateFact(k);
    }
    match conv.lead(req) {
        Some(i) => Move::Lead(i),
        None => Move::NotKnown,
    }
}

/// How much lower than the best entry an allowed entry may score and still be told instead.
const CLOSE: f32 = 0.1;

/// An allowed entry scoring within [`CLOSE`] of the best (withheld) one.
fn close_allowed(u: &Understanding, req: &DialogueRequest) -> Option<usize> {
    let best = u.retrieved.first()?.1;
    u.retrieved
        .iter()
        .skip(1)
        .find(|(j, s)| best - s <= CLOSE && req.knowledge.get(*j).is_some_and(|e| e.allowed))
        .map(|(j, _)| *j)
}

/// True when the model may see the player's own words (never a manipulation, an off-role request
/// or unreadable text: the model gets a description of it instead).
pub(crate) fn shows_line(plan: &DialoguePlan) -> bool {
    !matches!(
        plan.intent,
        Intent::OffRole | Intent::Manipulation | Intent::Nonsense | Intent::Gift
    )
}

/// What the player's turn says to the model.
pub fn player_turn(plan: &DialoguePlan, line: &str) -> String {
    match plan.intent {
        _ if shows_line(plan) => line.to_string(),
        Intent::Gift => "Here, a fresh loaf of bread for you.".into(),
        Intent::Nonsense => "(mumbles something you cannot make out)".into(),
        _ => "Can you do something strange for me?".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::decide::talk::Details;
    use crate::inference::WorldNames;
    use crate::ml::dialogue::conversation::tests::{entry as known, person};
    use crate::ml::dialogue::understand::decide;

    /// Bram: someone asked about melting bronze (told at 0.2); who it was (at 0.7).
    fn bram(trust: f32, history: &[(&str, &str)]) -> DialogueRequest {
        let entry = |text: &str, keys: &[&str], min: f32| known(text, keys, min <= trust);
        let mut asked = entry(
            "Someone asked me last week how hot a fire must be to melt bronze.",
            &["melt", "bronze"],
            0.2,
        );
        asked.details = Details {
            when: "Last market day, near closing.".into(),
            ..Default::default()
        };
        DialogueRequest {
            speaker: "Bram".into(),
            knowledge: vec![
                asked,
                entry(
                    "It was Odo who asked about melting bronze.",
                    &["Odo", "bronze"],
                    0.7,
                ),
                entry("The forge needs new bellows.", &["bellows"], -1.0),
            ],
            history: history
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            world: Arc::new(WorldNames {
                people: vec![
                    person("Bram", &["bronze"]),
                    person("Wren", &["bronze", "mill"]),
                ],
                mystery_words: vec!["bronze".into()],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    /// The move for `line`, whose own retrieval is `own` and whose retrieval with the topic
    /// is `follow`.
    fn plan_for(
        req: &DialogueRequest,
        line: &str,
        own: Vec<(usize, f32)>,
        follow: Vec<(usize, f32)>,
    ) -> Move {
        let mut u = decide(line, own);
        u.follow_retrieved = follow;
        plan(&u, req, &Conversation::read(req)).mv
    }

    const TOLD: (&str, &str) = (
        "anyone ask odd things?",
        "Someone asked me how hot a fire must be to melt bronze.",
    );

    #[test]
    fn a_follow_up_is_answered_by_the_entry_that_knows_or_by_a_hint() {
        let r = bram(0.8, &[TOLD]);
        assert_eq!(
            plan_for(&r, "Who was it?", vec![], vec![(1, 0.7), (0, 0.5)]),
            Move::StateFact(1)
        );
        let r = bram(0.3, &[TOLD]);
        assert_eq!(
            plan_for(&r, "Who was it?", vec![], vec![(1, 0.7), (0, 0.5)]),
            Move::Hint(1)
        );
        // Nothing else answers: the topic's detail, or what it does not know.
        assert_eq!(
            plan_for(&r, "When was that?", vec![], vec![(0, 0.5)]),
            Move::Detail(0, Ask::When)
        );
        assert_eq!(
            plan_for(&r, "Why?", vec![], vec![(0, 0.5)]),
            Move::NoDetail(0, Ask::Why)
        );
        assert_eq!(
            plan_for(&r, "Are you sure?", vec![], vec![(0, 0.5)]),
            Move::Recall(0)
        );
        // Who, about a fact that names who: that fact again.
        let mut r = bram(
            0.8,
            &[TOLD, ("who?", "It was Odo who asked about melting bronze.")],
        );
        Arc::make_mut(&mut r.world).villagers = vec!["Odo".into(), "Bram".into()];
        assert_eq!(
            plan_for(&r, "Who was it?", vec![], vec![(0, 0.6)]),
            Move::Recall(1)
        );
    }

    #[test]
    fn a_fact_told_is_not_told_again_and_more_brings_the_next_or_a_lead() {
        let r = bram(0.3, &[TOLD]);
        // Asked again: the detail not told yet, then a reference back; asked "who" again with no
        // such detail, a reference back.
        assert_eq!(
            plan_for(&r, "who asked about bronze?", vec![(0, 0.8)], vec![]),
            Move::Recall(0)
        );
        assert_eq!(
            plan_for(&r, "tell me about the bronze again", vec![(0, 0.8)], vec![]),
            Move::Detail(0, Ask::When)
        );
        let r = bram(
            0.3,
            &[
                TOLD,
                ("when?", "Last market day, near closing."),
                ("anything else?", "The forge needs new bellows."),
            ],
        );
        assert_eq!(
            plan_for(&r, "tell me about the bronze again", vec![(0, 0.8)], vec![]),
            Move::Recall(0)
        );
        // Everything it may tell is told: someone who might know.
        assert_eq!(
            plan_for(&r, "Anything else?", vec![], vec![]),
            Move::Lead(1)
        );
        let r = bram(0.3, &[TOLD]);
        assert_eq!(
            plan_for(&r, "Anything else?", vec![], vec![]),
            Move::StateFact(2)
        );
        assert_eq!(
            plan_for(&r, "Who else would know?", vec![], vec![]),
            Move::Lead(1)
        );
    }
}
