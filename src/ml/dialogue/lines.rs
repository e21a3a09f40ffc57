//! What the model is told for each plan (the task line of the system turn), how a reply starts
//! (openers the model goes on from) and what a withheld fact's hint adds (what would change the
//! villager's mind). The lines said when every attempt fails are in `templates`.

use super::conversation::{detail_keys, says_detail};
use super::meaning::asks_about_player;
use crate::decide::talk::{Ask, DialoguePlan, Intent, Move};
use crate::inference::DialogueRequest;
use crate::memory::told;

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

/// How a reply starts, so that it does what the plan says (deflects, hints, thanks, rebuffs,
/// names its own trade, sends the player on); the model goes on from there in its own words.
/// Empty: the model starts.
/// Openers of one refusal in three registers: warm (a cheerful temperament), guarded (a stranger
/// to a wary one) and plain.
struct Registers {
    warm: &'static [&'static str],
    guarded: &'static [&'static str],
    plain: &'static [&'static str],
}

const NOT_KNOWN: Registers = Registers {
    warm: &[
        "Oh, I wish I knew,",
        "I'd help if I could, but I don't know,",
        "Now that's one I can't answer,",
        "Bless you for asking, but I've no idea,",
        "I'm sorry, I don't know that one,",
    ],
    guarded: &[
        "Can't say I know,",
        "Not something I know about,",
        "No idea,",
        "Couldn't tell you,",
        "Beats me,",
    ],
    plain: &[
        "I don't know anything about that,",
        "Can't help you there,",
        "That's news to me,",
        "I've never heard of it,",
        "No one's told me about that,",
    ],
};

const HINT: Registers = Registers {
    warm: &[
        "I might know a thing or two about that,",
        "Perhaps I do know something,",
        "Oh, there may be something,",
        "I could tell you a little,",
    ],
    guarded: &[
        "Maybe I know something,",
        "Could be I know a thing,",
        "Why should I tell you,",
        "I'll keep that to myself for now,",
    ],
    plain: &[
        "There's something I could tell you,",
        "I might know a thing or two about that,",
        "Could be I know a thing,",
        "I may know something,",
    ],
};

const DEFLECT: Registers = Registers {
    warm: &[
        "Oh, you've lost me there,",
        "I'm afraid that's beyond me,",
        "What a thing to ask,",
        "I wouldn't know about such things,",
    ],
    guarded: &[
        "Odd thing to ask,",
        "I don't follow,",
        "I can't make sense of that,",
        "Not my business,",
    ],
    plain: &[
        "That's beyond me,",
        "You've lost me there,",
        "I wouldn't know about such things,",
        "I can't make sense of that,",
    ],
};

/// The openers of a refusal in the villager's register (its temperament's valence and the
/// player's trust), each with the villager's way of addressing people when its `speech_style`
/// names one ("calls people 'love'") on some of them.
fn voiced(req: &DialogueRequest, r: &Registers) -> Vec<String> {
    let [valence, ..] = req.vad;
    let list = if req.trust < 0.2 && valence < 0.3 {
        r.guarded
    } else if valence >= 0.3 {
        r.warm
    } else {
        r.plain
    };
    let vocative = address(&req.persona);
    list.iter()
        .enumerate()
        .map(|(i, o)| match &vocative {
            Some(v) if i % 2 == 0 => format!("{}, {v},", o.trim_end_matches(',')),
            _ => o.to_string(),
        })
        .collect()
}

/// How the villager addresses people, from "calls people 'love'" in its persona.
fn address(persona: &str) -> Option<String> {
    let at = persona.find("calls people '")? + "calls people '".len();
    let end = persona[at..].find('\'')?;
    let word = &persona[at..at + end];
    (!word.is_empty() && word.split_whitespace().count() <= 2).then(|| word.to_string())
}

/// Whom a lead sends the player to, as the task words it: the villager may say every word of it
/// (the echo check leaves it out).
pub fn lead_words(p: &crate::inference::Person) -> String {
    format!("{}, the {}, at {}", p.name, p.role, p.place)
}

pub fn openers(plan: &DialoguePlan, req: &DialogueRequest) -> Vec<String> {
    let name = told::name_in(&req.line);
    let list: &[&str] = match (plan.mv, plan.intent) {
        (Move::Deflect, _) => return voiced(req, &DEFLECT),
        (Move::Hint(_), _) => return voiced(req, &HINT),
        (Move::NotKnown, _) if asks_about_player(&req.line) => &[
            "You never told me that,",
            "You haven't said,",
            "I don't recall you saying,",
        ],
        (Move::NotKnown, _) => return voiced(req, &NOT_KNOWN),
        (Move::NoDetail(_, a), _) => return no_detail_openers(a),
        (Move::Recall(_), _) if asks_sure(req) => &[
            "I'm sure of it,",
            "As sure as I stand here,",
            "Certain as can be,",
        ],
        (Move::Recall(_), _) => &["As I said,", "Like I told you,", "I told you already,"],
        (Move::Lead(i), _) => {
            // Whom to ask and where to find them: a lead the player can follow.
            let p = &req.world.people[i];
            let (n, role, place) = (&p.name, &p.role, &p.place);
            return vec![
                format!("That's all I can tell you, but ask {n} at {place},"),
                format!("I've told you what I know; {n}, the {role}, might know more,"),
                format!("Nothing more from me, but try {n} at {place},"),
            ];
        }
        (Move::Rebuff, _) => &["Mind your tongue,", "How dare you,", "That's rude,"],
        (Move::Thank, _) => &[
            "Bread, for me? Thank you",
            "Oh, thank you for the bread",
            "A loaf! Thank you",
        ],
        (Move::Respond, Intent::Thanks) => &["You're welcome", "Glad to help", "Any time"],
        (Move::Respond, Intent::Apology) => &[
            "Apology accepted,",
            "All right, I forgive you,",
            "Let's forget it,",
        ],
        (Move::Respond, Intent::Praise) => {
            &["Oh, thank you", "That's kind of you", "Why, thank you"]
        }
        // A player who gives their name hears it back.
        (Move::Respond, Intent::Greeting | Intent::SmallTalk) if name.is_some() => {
            let name = name.unwrap_or_default();
            return vec![
                format!("Well met, {name}"),
                format!("Good to meet you, {name}"),
                format!("Hello, {name}"),
            ];
        }
        (Move::Respond, Intent::Greeting) => &["Hello", "Good day", "Well met"],
        (Move::Respond, Intent::Farewell) => &["Farewell", "Goodbye", "Safe travels"],
        (Move::Respond, Intent::AboutSelf) => {
            return vec![
                format!("I'm {}, the {} here,", req.speaker, req.role),
                format!("I'm the {} of Millbrook,", req.role),
            ];
        }
        _ => &[""],
    };
    list.iter().map(|s| s.to_string()).collect()
}

fn no_detail_openers(a: Ask) -> Vec<String> {
    let list: &[&str] = match a {
        Ask::Who => &[
            "I couldn't say who,",
            "Who it was, I can't tell you,",
            "That I don't know,",
        ],
        Ask::Where => &[
            "I couldn't say where,",
            "Where exactly, I can't tell you,",
            "That I don't know,",
        ],
        Ask::When => &[
            "I couldn't say when,",
            "When exactly, I can't tell you,",
            "That I don't know,",
        ],
        Ask::Why => &[
            "Why, I couldn't tell you,",
            "I can't say why,",
            "That I don't know,",
        ],
        Ask::How => &[
            "How, I couldn't say,",
            "I can't tell you how,",
            "That I don't know,",
        ],
        Ask::What | Ask::Sure => &[
            "I couldn't say more,",
            "That I don't know,",
            "I can't tell you more than that,",
        ],
    };
    list.iter().map(|s| s.to_string()).collect()
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
