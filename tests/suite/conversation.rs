//! Whole conversations with the real models (skipped only where the weights are absent, and never
//! in CI): follow-ups are answered from the topic's details or honestly not known, a fact told is
//! not told again word for word, "anything else?" brings a lead once nothing is left, a withheld
//! fact says what would change the villager's mind and opens to cited evidence, and what the
//! player said about themselves is remembered within the conversation.

use npc_minds::config::NpcConfig;
use npc_minds::decide::talk::{Ask, Move};
use npc_minds::ml::dialogue::Dialogue;
use npc_minds::ml::dialogue::backend::Collect;
use npc_minds::ml::dialogue::conversation::{names, says_detail};
use npc_minds::ml::dialogue::realise::Reply;
use npc_minds::ml::dialogue::request::{self, Turn};

use crate::common::dialogue::{dialogue, npc, world};

/// Says `line` in the conversation `history` and keeps the turn.
fn say(
    d: &mut Dialogue,
    c: &NpcConfig,
    trust: f32,
    history: &mut Vec<(String, String)>,
    line: &str,
) -> Reply {
    let seed = history.len() as u64 + 11;
    let req = request::request(c, trust, [0.0; 3], history, Turn::Say(line), &world(), seed);
    let mut sink = Collect::default();
    let r = d.respond(&req, &mut sink).unwrap();
    eprintln!("{}: {line} -> {} [{:?}]", c.name, r.text, r.record.plan.mv);
    assert_eq!(sink.text, r.text, "what streamed is what was said");
    history.push((line.to_string(), r.text.clone()));
    r
}

#[test]
fn follow_ups_repeats_and_anything_else() {
    let Some(mut d) = dialogue() else { return };
    let greta = npc("Greta");
    let lantern = &greta.knowledge[0];
    let h = &mut Vec::new();
    let r = say(
        &mut d,
        &greta,
        0.1,
        h,
        "Did you see anything strange the other night?",
    );
    assert_eq!(r.record.plan.mv, Move::StateFact(0), "{}", r.text);
    let r = say(&mut d, &greta, 0.1, h, "Where exactly was that?");
    assert_eq!(r.record.plan.mv, Move::Detail(0, Ask::Where));
    assert!(says_detail(&r.text, &lantern.details.place), "{}", r.text);
    assert_eq!(
        r.record.details,
        std::slice::from_ref(&lantern.details.place)
    );
    let r = say(&mut d, &greta, 0.1, h, "Who was carrying it?");
    assert_eq!(r.record.plan.mv, Move::NoDetail(0, Ask::Who));
    assert!(r.record.conveyed.is_empty(), "no new fact: {}", r.text);
    // Asked again: not the same sentence again.
    let r = say(
        &mut d,
        &greta,
        0.1,
        h,
        "Did you see anything strange the other night?",
    );
    assert!(
        matches!(
            r.record.plan.mv,
            Move::Detail(0, Ask::When) | Move::Recall(0)
        ),
        "{:?}",
        r.record.plan.mv
    );
    assert!(!r.text.contains(lantern.text.as_str()), "{}", r.text);
    // The charcoal is withheld at this trust: someone else who might know.
    let r = say(&mut d, &greta, 0.1, h, "Anything else?");
    let Move::Lead(i) = r.record.plan.mv else {
        panic!("a lead, not {:?}", r.record.plan.mv)
    };
    let lead = world().people[i].name.clone();
    assert_ne!(lead, "Greta");
    assert!(names(&r.text, &lead), "{lead} in {}", r.text);
}

#[test]
fn withheld_facts_say_what_would_open_them_and_open_to_evidence() {
    let Some(mut d) = dialogue() else { return };
    let bram = npc("Bram");
    let h = &mut Vec::new();
    let r = say(&mut d, &bram, 0.3, h, "Who asked you about melting bronze?");
    assert_eq!(r.record.plan.mv, Move::Hint(1), "{}", r.text);
    assert!(
        r.text.ends_with(bram.knowledge[1].unlock.as_str()),
        "{}",
        r.text
    );
    assert!(r.record.conveyed.is_empty());
    // The clue cited opens the fact: told at once, and it stays open.
    let r = say(
        &mut d,
        &bram,
        0.3,
        h,
        "Wren found bronze shavings on the path behind the mill.",
    );
    assert_eq!(r.record.plan.mv, Move::StateFact(1), "{}", r.text);
    assert!(r.record.conveyed.contains(&1), "{}", r.text);
    assert_eq!(r.record.unlocked, [1]);
    let r = say(
        &mut d,
        &bram,
        0.3,
        h,
        "Who was it again that asked about melting bronze?",
    );
    assert!(
        !r.record.conveyed.is_empty() || matches!(r.record.plan.mv, Move::Recall(1)),
        "{}",
        r.text
    );
    assert!(
        r.record.rejections.iter().all(|x| !x.contains("leaked")),
        "{:?}",
        r.record.rejections
    );
}

#[test]
fn what_the_player_said_is_remembered_within_the_conversation() {
    let Some(mut d) = dialogue() else { return };
    let liesel = npc("Liesel");
    let h = &mut Vec::new();
    say(&mut d, &liesel, 0.3, h, "Good morning! My name is Rowan.");
    say(&mut d, &liesel, 0.3, h, "What herbs do you grow?");
    let r = say(
        &mut d,
        &liesel,
        0.3,
        h,
        "Sorry, what did I say my name was?",
    );
    assert!(r.text.contains("Rowan"), "{}", r.text);
    // Never told: no memory is offered as the answer.
    let r = say(&mut d, &liesel, 0.3, h, "And where did I say I was from?");
    assert!(
        r.record
            .conveyed
            .iter()
            .all(|k| *k < liesel.knowledge.len()),
        "{}",
        r.text
    );
}
