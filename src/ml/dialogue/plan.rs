//! Planning a reply from what the line means, what the villager knows and how far it trusts the
//! player: state a fact, hint at one it withholds, say it does not know, answer the social act,
//! rebuff an insult, thank for a gift, or deflect in character. Then the task the model is given
//! for each plan, and the line built from the plan when every attempt fails the checks.

use super::understand::Understanding;
use crate::decide::talk::{DialoguePlan, Intent, Move};
use crate::inference::DialogueRequest;
use crate::memory::told;

/// The plan for an understood line.
pub fn plan(u: &Understanding, req: &DialogueRequest) -> DialoguePlan {
    let intent = if req.gift { Intent::Gift } else { u.intent };
    let mv = match intent {
        Intent::Question => match u.about {
            Some(k) if req.knowledge.get(k).is_some_and(|e| e.allowed) => Move::StateFact(k),
            // What it may not tell comes first, but something it may tell is nearly as close:
            // it tells that.
            Some(k) => match close_allowed(u, req) {
                Some(j) => Move::StateFact(j),
                None => Move::Hint(k),
            },
            None => Move::NotKnown,
        },
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
pub fn shows_line(plan: &DialoguePlan) -> bool {
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

/// The task line of the system turn.
pub fn task(plan: &DialoguePlan, req: &DialogueRequest) -> String {
    let role = &req.role;
    match plan.mv {
        Move::StateFact(k) => format!(
            "The traveller asks about something you know. Tell them plainly: \"{}\"",
            req.knowledge[k].text
        ),
        Move::Hint(_) => "The traveller asks about something you do know, but you do not trust \
                          them enough yet. Say you might know something, but you will only tell \
                          someone you trust. Do not say what it is."
            .into(),
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
            _ => "Chat with the traveller about everyday village life.".into(),
        },
    }
}

/// How a reply starts, so that it does what the plan says (deflects, hints, thanks, rebuffs,
/// names its own trade); the model goes on from there in its own words. Empty: the model starts.
pub fn openers(plan: &DialoguePlan, req: &DialogueRequest) -> Vec<String> {
    let name = told::name_in(&req.line);
    let list: &[&str] = match (plan.mv, plan.intent) {
        (Move::Deflect, _) => &[
            "I can't make sense of that,",
            "That's beyond me,",
            "I wouldn't know about such things,",
        ],
        (Move::Hint(_), _) => &[
            "I might know a thing or two about that,",
            "Maybe I know something,",
            "There's something I could tell you,",
        ],
        (Move::NotKnown, _) => &[
            "I don't know anything about that,",
            "Can't say I know,",
            "No idea,",
        ],
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

/// Lines built from the plan: said only when every generated attempt failed the checks. Several
/// per plan, so that a villager does not say one twice in a conversation.
pub fn template(plan: &DialoguePlan, req: &DialogueRequest) -> Vec<String> {
    let role = &req.role;
    match plan.mv {
        Move::StateFact(k) => {
            let fact = req.knowledge[k].text.trim().to_string();
            vec![
                fact.clone(),
                format!("Since you ask... {fact}"),
                format!("I'll tell you this much. {fact}"),
            ]
        }
        Move::Hint(_) => vec![
            "I might know a thing or two about that, but I don't know you well enough yet.".into(),
            "Perhaps I know something. Earn my trust first.".into(),
            "That's not something I'd tell just anyone.".into(),
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
        Move::Respond => match plan.intent {
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
        },
    }
}
