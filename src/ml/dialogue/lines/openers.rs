//! How a reply starts, so that it does what the plan says: openers the model goes on from, in the
//! villager's register for refusals (warm, guarded or plain).

use super::*;

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

/// How a reply starts, so that it does what the plan says (deflects, hints, thanks, rebuffs,
/// names its own trade, sends the player on); the model goes on from there in its own words.
/// Empty: the model starts.
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
