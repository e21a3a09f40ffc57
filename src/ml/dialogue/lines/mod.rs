//! What the model is told for each plan (the task line of the system turn), how a reply starts
//! (openers the model goes on from) and what a withheld fact's hint adds (what would change the
//! villager's mind). The lines said when every attempt fails are in `templates`.

use super::conversation::{detail_keys, says_detail};
use super::meaning::asks_about_player;
use crate::decide::talk::{Ask, DialoguePlan, Intent, Move};
use crate::inference::DialogueRequest;
use crate::memory::told;

mod openers;
pub use openers::openers;

/// What a reply must say when its plan states something: the text the model starts from and the
/// key groups that must be present (a fact, a detail, or what the villager did not see).
pub fn content(plan: &DialoguePlan, req: &DialogueRequest) -> Option<(String, Vec<String>)> {
    match plan.mv {
        // Told in another order where its words allow (the time first), so that the villager
        // does not recite its RON sentence; the meaning checks hold it to the same sense.
        Move::StateFact(k) => {
            let e = &req.knowledge[k];
            Some((super::retell::retold(&e.text, req), e.keys.clone()))
        }
        Move::Detail(k, a) => {
            let d = req.knowledge[k].details.get(a)?;
            Some((d.to_string(), detail_keys(d)))
        }
        // What the player told it, asked again: said again, as what it was told.
        Move::Recall(k) if req.knowledge[k].recalled => {
            let e = &req.knowledge[k];
            Some((
                format!("As I said, {}", lower_first(&e.text, req)),
                e.keys.clone(),
            ))
        }
        // A fact it told, asked about again: started as a reminder of its gist ("As I said, it
        // was Odo."), which the model finishes. Left to find its own short reference, it missed
        // the fact on most tuning-set recalls, and each miss cost the player another attempt.
        Move::Recall(k) if !super::lines::asks_sure(req) => {
            let e = &req.knowledge[k];
            let first = e.keys.first()?.clone();
            if asks_who(req)
                && let Some(who) = names_one(req, k)
            {
                return Some((format!("As I said, it was {who}."), vec![who]));
            }
            let told = super::retell::retold(&e.text, req);
            let told = super::retell::gist(&told, &e.keys).unwrap_or(told);
            Some((
                format!("As I said, {}", lower_first(told.trim(), req)),
                vec![first],
            ))
        }
        // What it did not see, said once; asked again, it says it does not know in other words.
        Move::NoDetail(k, _) => {
            let u = req.knowledge[k].details.unknown.trim();
            let said = req.history.iter().any(|(_, r)| says_detail(r, u));
            (!u.is_empty() && !said).then(|| (u.to_string(), detail_keys(u)))
        }
        _ => None,
    }
}

/// The task line of the system turn.
pub fn task(plan: &DialoguePlan, req: &DialogueRequest) -> String {
    let role = &req.role;
    let fact = |k: usize| req.knowledge[k].text.as_str();
    match plan.mv {
        Move::StateFact(k) => format!(
            "The traveller asks about something you know. Tell them plainly: \"{}\"",
            content(plan, req).map_or_else(|| fact(k).to_string(), |(said, _)| said)
        ),
        Move::Detail(k, a) | Move::NoDetail(k, a) => match content(plan, req) {
            Some((said, _)) => format!(
                "The traveller asks {} about what you told them. Tell them plainly: \"{said}\"",
                a.word()
            ),
            None => format!(
                "The traveller asks {} about what you told them: \"{}\". You do not know {}. Say \
                 so honestly in one short sentence; do not guess.",
                a.word(),
                fact(k),
                a.word()
            ),
        },
        Move::Recall(k) if asks_sure(req) => format!(
            "The traveller asks if you are sure of what you told them: \"{}\". Say you are sure, \
             in a few words of your own.",
            fact(k)
        ),
        Move::Recall(k) => format!(
            "The traveller asks again about what you already told them: \"{}\". Remind them in a \
             few words, without saying it all again.",
            fact(k)
        ),
        Move::Lead(i) => format!(
            "You have told the traveller all you can. Say so, and tell them to ask {}.",
            lead_words(&req.world.people[i])
        ),
        Move::Hint(_) => "The traveller asks about something you do know, but you do not trust \
                          them enough yet. Say you might know something, but you will only tell \
                          someone you trust. Do not say what it is."
            .into(),
        Move::NotKnown if asks_about_player(&req.line) => {
            "The traveller asks about themselves, but never told you that. Say they never told \
             you."
                .into()
        }
        Move::NotKnown => "The traveller asks about something you know nothing about. Say so \
                           honestly and briefly."
            .into(),
        Move::Rebuff => "The traveller has just insulted you. Answer curtly and coldly, hurt \
                         and unfriendly."
            .into(),
        Move::Thank => "The traveller has just given you a loaf of bread. Thank them warmly for \
                        the bread."
            .into(),
        Move::Deflect => format!(
            "The traveller says something strange that a {role} in a small village knows \
             nothing about. Say you do not understand and talk about your work instead."
        ),
        Move::Respond => match plan.intent {
            Intent::Greeting => "The traveller greets you. Greet them back.".into(),
            Intent::Farewell => "The traveller is leaving. Say goodbye.".into(),
            Intent::Thanks => "The traveller thanks you. Answer kindly.".into(),
            Intent::Apology => {
                "The traveller apologises to you. Accept the apology, a little warmer now.".into()
            }
            Intent::Praise => "The traveller says something kind. Thank them.".into(),
            Intent::AboutSelf => format!(
                "The traveller asks about you. Say that you are the {role} of Millbrook and tell \
                 them a little about your work."
            ),
            _ => match pick(&req.talk_about, req.seed) {
                Some(topic) => format!("Chat with the traveller about this: {topic}"),
                None => "Chat with the traveller about everyday village life.".into(),
            },
        },
    }
}

/// `text` with its first letter in lower case, unless it starts with "I" or a villager's name.
pub(super) fn lower_first(text: &str, req: &DialogueRequest) -> String {
    let first = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .next()
        .unwrap_or("");
    let keep =
        first == "I" || first.starts_with("I'") || req.world.villagers.iter().any(|v| v == first);
    match text.get(..1) {
        Some(head) if !keep => format!("{}{}", head.to_lowercase(), &text[1..]),
        _ => text.to_string(),
    }
}

/// True when the player asks whether the villager is sure.
/// True when the player's line asks who.
pub(super) fn asks_who(req: &DialogueRequest) -> bool {
    super::intent::asked(&req.line) == Some(crate::decide::talk::Ask::Who)
}

/// The one villager entry `k` names, if it names exactly one.
pub(super) fn names_one(req: &DialogueRequest, k: usize) -> Option<String> {
    let text = &req.knowledge[k].text;
    let mut named = req
        .world
        .villagers
        .iter()
        .filter(|v| super::conversation::names(text, v));
    match (named.next(), named.next()) {
        (Some(v), None) => Some(v.clone()),
        _ => None,
    }
}

pub(super) fn asks_sure(req: &DialogueRequest) -> bool {
    super::intent::follow_up(&req.line) == Some(Ask::Sure)
}

fn pick(list: &[String], seed: u64) -> Option<&String> {
    (!list.is_empty()).then(|| &list[(seed % list.len() as u64) as usize])
}

/// Whom a lead sends the player to, as the task words it: the villager may say every word of it
/// (the echo check leaves it out).
pub(crate) fn lead_words(p: &crate::inference::Person) -> String {
    format!("{}, the {}, at {}", p.name, p.role, p.place)
}

/// What would change the villager's mind about withheld entry `k`, said after its hint: the
/// entry's own `unlock` line, or one for how things stand (rude player, evidence to find, trust to
/// earn); the first not said before in this conversation.
pub fn unlock_line(req: &DialogueRequest, k: usize) -> String {
    let e = &req.knowledge[k];
    let mut lines: Vec<String> = Vec::new();
    if !e.unlock.trim().is_empty() {
        lines.push(e.unlock.trim().to_string());
    }
    let defaults: &[&str] = if req.trust < -0.2 {
        &[
            "Mind your manners first, then we'll see.",
            "Be civil with me and I might talk.",
            "Not to someone who talks to me like that.",
        ]
    } else {
        &[
            "Show me I can trust you, and I'll tell you.",
            "A kind word or a bite to eat goes a long way with me.",
            "Prove you're on the right track, and we'll talk.",
        ]
    };
    if !e.evidence.is_empty() && req.trust >= -0.2 {
        lines.push("If you learn something that bears on it, come back and tell me.".into());
    }
    lines.extend(defaults.iter().map(|s| s.to_string()));
    let said = |l: &str| {
        let w = crate::decide::keys::words(l);
        !w.is_empty()
            && req.history.iter().any(|(_, r)| {
                crate::decide::keys::words(r)
                    .windows(w.len())
                    .any(|x| x == w)
            })
    };
    lines.iter().find(|l| !said(l)).unwrap_or(&lines[0]).clone()
}
