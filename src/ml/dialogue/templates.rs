//! The lines said when every generated attempt fails the checks: built from the plan, several per
//! plan so that a villager does not say one twice in a conversation.

use super::lines::{asks_sure, asks_who, content, lower_first, names_one};
use super::meaning::asks_about_player;
use crate::decide::talk::{DialoguePlan, Intent, Move};
use crate::inference::DialogueRequest;

/// Lines built from the plan: said only when every generated attempt failed the checks. Several
/// per plan, so that a villager does not say one twice in a conversation.
pub fn template(plan: &DialoguePlan, req: &DialogueRequest) -> Vec<String> {
    let role = &req.role;
    if let Some((said, _)) = content(plan, req) {
        return vec![
            said.clone(),
            format!("Since you ask... {said}"),
            format!("I'll tell you this much. {said}"),
        ];
    }
    match plan.mv {
        Move::NoDetail(_, a) => vec![
            format!(
                "I couldn't say {}; I've told you all I know of it.",
                a.word()
            ),
            "That I don't know, I'm afraid.".into(),
            format!("I can't tell you {}, truly.", a.word()),
        ],
        Move::Recall(_) if asks_sure(req) => vec![
            "I'm sure of it.".into(),
            "Certain as can be.".into(),
            "I'd not say it if I weren't sure.".into(),
        ],
        Move::Recall(k) => recall(k, req),
        Move::Lead(i) => {
            let p = &req.world.people[i];
            vec![
                format!(
                    "That's all I know. Ask {}, the {}; try {}.",
                    p.name, p.role, p.place
                ),
                format!(
                    "I've nothing more. Try {}, the {}, at {}.",
                    p.name, p.role, p.place
                ),
                format!(
                    "Ask {} at {}; the {} may know more.",
                    p.name, p.place, p.role
                ),
            ]
        }
        Move::Hint(_) => vec![
            "I might know a thing or two about that, but I don't know you well enough yet.".into(),
            "Perhaps I know something. Earn my trust first.".into(),
            "That's not something I'd tell just anyone.".into(),
        ],
        Move::NotKnown if asks_about_player(&req.line) => vec![
            "You never told me that.".into(),
            "You haven't said, friend.".into(),
            "I don't recall you telling me.".into(),
        ],
        Move::NotKnown => vec![
            "Can't say I know anything about that.".into(),
            "That I couldn't tell you, I'm afraid.".into(),
            "No idea, truly.".into(),
        ],
        Move::Rebuff => vec![
            "Mind your tongue.".into(),
            "I don't have to listen to this.".into(),
            "Go away.".into(),
        ],
        Move::Thank => vec![
            "Bread? For me? Thank you kindly!".into(),
            "Oh, thank you, that's very good of you.".into(),
            "Thank you for the bread, friend.".into(),
        ],
        Move::Deflect => vec![
            format!("I don't follow you. I'm just the {role} here."),
            "Strange words. I've work to do.".into(),
            format!(
                "I wouldn't know about that. Ask me about {}.",
                req.work_place
            ),
        ],
        Move::Respond => respond(plan.intent, role),
        // Plans that state something returned above.
        Move::StateFact(_) | Move::Detail(..) => vec![String::new()],
    }
}

/// A fact already told, asked again: the name alone when asked who, else a reminder in its retold
/// order where it has one (the model's shorter reference failed).
fn recall(k: usize, req: &DialogueRequest) -> Vec<String> {
    if asks_who(req)
        && let Some(who) = names_one(req, k)
    {
        return vec![
            format!("As I said, it was {who}."),
            format!("It was {who}, like I told you."),
            format!("{who}. I told you already."),
        ];
    }
    let e = &req.knowledge[k];
    let told = super::retell::retold(&e.text, req);
    let told = super::retell::gist(&told, &e.keys).unwrap_or(told);
    let fact = lower_first(told.trim(), req);
    vec![
        format!("As I said, {fact}"),
        format!("Like I told you, {fact}"),
        format!("I told you already: {fact}"),
    ]
}

/// A reply to a line that asks for nothing: by what the line does.
fn respond(intent: Intent, role: &str) -> Vec<String> {
    match intent {
        Intent::Greeting => vec![
            "Hello to you too.".into(),
            "Good day, traveller.".into(),
            "Well met.".into(),
        ],
        Intent::Farewell => vec![
            "Farewell, then.".into(),
            "Safe travels.".into(),
            "Until next time.".into(),
        ],
        Intent::Apology => vec![
            "Apology accepted.".into(),
            "Very well, let's forget it.".into(),
            "No harm done, I suppose.".into(),
        ],
        Intent::Thanks | Intent::Praise => vec![
            "You're kind to say so.".into(),
            "Thank you, traveller.".into(),
            "That's good of you.".into(),
        ],
        _ => vec![
            format!("I'm the {role} here. Busy days."),
            "Life goes on in Millbrook.".into(),
            "Aye, it's a quiet village most days.".into(),
        ],
    }
}
