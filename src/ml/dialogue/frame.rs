//! Before a reply is generated: the line understood in its conversation (a follow-up read with
//! the topic it follows), and the frame every attempt is checked in (what the plan states, what
//! trust withholds, what was said before, what must not be heard back, what must keep its
//! meaning).

use std::collections::HashSet;
use std::sync::Arc;

use super::clean::{EchoGuard, sentence_ends};
use super::conversation::Conversation;
use super::lexicon::Lexicon;
use super::plan::{self, task};
use super::understand::{Entry, Understander, Understanding};
use super::validate::{Checks, Rejection};
use crate::decide::keys;
use crate::decide::talk::{DialoguePlan, Intent, Move};
use crate::inference::{DialogueRequest, KnowledgeEntry};
use crate::ml::lm::llama::LmError;

/// The intent of the line and the entries it is about, read in its conversation.
pub(super) fn understand(
    understander: &mut Understander,
    req: &DialogueRequest,
    conv: &Conversation,
) -> Result<Understanding, LmError> {
    let entries: Vec<Entry> = req
        .knowledge
        .iter()
        .map(|e| Entry {
            text: &e.text,
            topics: &e.topics,
        })
        .collect();
    let mut understanding = if req.gift {
        super::understand::decide("", Vec::new())
    } else {
        understander.understand(&req.line, &entries)?
    };
    // A question the cue words do not read as a follow-up, right after a fact: one close to a
    // follow-up worded otherwise and about no entry of its own, or a short one asking who, where,
    // when, why or how about nothing else the villager knows ("Taken from where, exactly?").
    if let Some(t) = conv.topic
        && understanding.follow_up.is_none()
        && matches!(understanding.intent, Intent::Question | Intent::SmallTalk)
    {
        let like = match understanding.about {
            None => understander.follow_up_like(&req.line)?,
            Some(_) => None,
        };
        let short = understanding.about.is_none_or(|k| k == t)
            && !super::meaning::asks_about_player(&req.line);
        let wh = || short.then(|| super::intent::short_wh(&req.line)).flatten();
        if let Some(ask) = like.or_else(wh) {
            understanding.intent = Intent::FollowUp;
            understanding.follow_up = Some(ask);
        }
    }
    // A follow-up is understood with the topic it follows: "Who was it?" after "someone asked me
    // about melting bronze" finds the entry that says who; one close to what the villager does
    // not know of the topic is answered with that.
    if understanding.intent == Intent::FollowUp
        && let Some(t) = conv.topic
    {
        let query = format!("{} {}", req.line, req.knowledge[t].text);
        understanding.follow_retrieved = understander.retrieve(&query, &entries)?;
        understanding.unknown_like =
            understander.asks_unknown(&req.line, &req.knowledge[t].details.unknown)?;
    }
    Ok(understanding)
}

/// What every attempt at a reply is checked against, owned (the checks borrow it).
pub(super) struct Frame {
    lexicon: Lexicon,
    /// What the plan states (the text started for the model) and its key groups.
    pub(crate) content: Option<(String, Vec<String>)>,
    /// Key groups the reply must hold: the stated text's, or the first of a fact referred to.
    pub(crate) required: Option<Vec<String>>,
    withheld: Vec<(usize, Vec<String>)>,
    allowed_digits: String,
    previous: Vec<String>,
    player_lines: Vec<String>,
    forbidden: Vec<String>,
    guard: EchoGuard,
    /// What the reply must keep the meaning of: what it states, or the fact it refers back to.
    pub(crate) meaning: Option<String>,
    /// A withheld fact's hint ends with what would change the villager's mind.
    pub(crate) coda: Option<String>,
    /// A fact referred back to, which is not recited again whole.
    pub(crate) recalled: Option<String>,
    witness: bool,
}

impl Frame {
    pub(super) fn new(
        req: &DialogueRequest,
        plan: &DialoguePlan,
        conv: &Conversation,
        common: &Arc<HashSet<String>>,
    ) -> Frame {
        let content = plan::content(plan, req);
        let recalled_entry = match plan.mv {
            Move::Recall(k) if content.is_none() => Some(&req.knowledge[k]),
            _ => None,
        };
        let required = match (&content, recalled_entry) {
            (Some((_, keys)), _) => Some(keys.clone()),
            // "Are you sure?" is answered by being sure: the fact need not be said again.
            (None, Some(e)) if !e.keys.is_empty() && !super::lines::asks_sure(req) => {
                Some(e.keys[..1].to_vec())
            }
            _ => None,
        };
        // The instructions the player must never hear back (what the plan states, and the fact
        // under discussion, are not among them).
        let mut told = task(plan, req);
        if let Some((said, _)) = &content {
            told = told.replace(said.as_str(), "");
        }
        if let Some(k) = plan.mv.entry().filter(|&k| req.knowledge[k].allowed) {
            told = told.replace(&req.knowledge[k].text, "");
        }
        if let Move::Lead(i) = plan.mv {
            told = told.replace(&super::lines::lead_words(&req.world.people[i]), "");
        }
        // Who the villager is (the persona's first two sentences) may be said; the rest may not.
        let persona = &req.persona;
        let identity_end = sentence_ends(persona, true).get(1).copied().unwrap_or(0);
        let guard = EchoGuard::new(&format!(
            "{}\n{}\n{told}",
            &persona[identity_end..],
            req.mood
        ));
        let meaning = match (&content, plan.mv) {
            (Some((said, _)), _) => Some(said.clone()),
            (None, Move::Recall(k)) => Some(req.knowledge[k].text.clone()),
            _ => None,
        };
        Frame {
            lexicon: Lexicon::with_common(
                req.world.words.iter().map(String::as_str),
                common.clone(),
            ),
            withheld: req
                .knowledge
                .iter()
                .enumerate()
                .filter(|(_, e)| !e.allowed)
                .map(|(i, e)| (i, e.keys.clone()))
                .collect(),
            allowed_digits: content
                .iter()
                .flat_map(|(said, _)| said.chars().filter(char::is_ascii_digit))
                .collect(),
            previous: req.history.iter().map(|(_, npc)| npc.clone()).collect(),
            player_lines: req
                .history
                .iter()
                .map(|(p, _)| p.clone())
                .chain([req.line.clone()])
                .collect(),
            forbidden: super::carried::forbidden(req, plan, conv),
            guard,
            coda: match plan.mv {
                Move::Hint(k) => Some(plan::unlock_line(req, k)),
                _ => None,
            },
            recalled: recalled_entry.map(|e| e.text.clone()),
            witness: content.is_some() || matches!(plan.mv, Move::Recall(_)),
            content,
            required,
            meaning,
        }
    }

    /// The checks of every sentence and of the reply so far.
    pub(super) fn checks<'a>(&'a self, req: &'a DialogueRequest) -> Checks<'a> {
        Checks {
            lexicon: &self.lexicon,
            name: &req.speaker,
            role: &req.role,
            others: &req.world.villagers,
            required: self.required.as_deref(),
            withheld: &self.withheld,
            allowed_digits: &self.allowed_digits,
            previous: &self.previous,
            echo: Some(&self.guard),
            heard: &req.line,
            witness: self.witness,
            player_words: &req.player_words,
            forbidden: &self.forbidden,
            meaning: self.meaning.as_deref(),
            player_lines: &self.player_lines,
        }
    }

    /// Another fact the reply happens to state (every key group) keeps its meaning too, unless
    /// what differs is what the planned fact itself says ("Odo asked" beside "someone asked").
    pub(super) fn others_kept(
        &self,
        req: &DialogueRequest,
        plan: &DialoguePlan,
        text: &str,
    ) -> Result<(), Rejection> {
        let changed = |e: &KnowledgeEntry, t: &str| {
            super::meaning::changed_meaning_of(
                &e.text,
                &e.keys,
                t,
                &req.world.villagers,
                &req.speaker,
            )
        };
        for (k, e) in req.knowledge.iter().enumerate() {
            if Some(k) == plan.mv.entry() || !e.allowed || !keys::all_present(text, &e.keys) {
                continue;
            }
            let explained = self
                .meaning
                .as_deref()
                .is_some_and(|p| keys::all_present(p, &e.keys) && changed(e, p).is_some());
            if let Some(why) = changed(e, text).filter(|_| !explained) {
                return Err(Rejection::MeaningChanged(why));
            }
        }
        Ok(())
    }
}
