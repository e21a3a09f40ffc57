//! Tests of the reply checks, one per rule (`validate`).

use super::*;

fn lex() -> Lexicon {
    Lexicon::new(
        ["Greta", "Bram", "Odo", "town hall", "mill"],
        [
            "well", "the", "oh", "a", "i", "yes", "odd", "fresh", "ask", "it",
        ]
        .map(String::from),
    )
}

/// Checks for Greta the baker with nothing planned (tests set what they need).
pub(in crate::ml::dialogue) fn with<'a>(lex: &'a Lexicon, others: &'a [String]) -> Checks<'a> {
    Checks::plain(lex, "Greta", "baker", others)
}

#[test]
fn witness_claims_only_with_a_planned_fact() {
    let l = lex();
    let c = with(&l, &[]);
    assert_eq!(
        c.sentence("I don't know, but I did see a man in a mask at the market."),
        Err(Rejection::Testimony("i did see".into()))
    );
    assert_eq!(
        c.sentence("Oh, I just had the pleasure of seeing the bell vanish."),
        Err(Rejection::Testimony("the pleasure of seeing".into()))
    );
    assert_eq!(c.sentence("I saw nothing that night, love."), Ok(()));
    assert_eq!(c.sentence("I heard anything is possible."), Ok(()));
    // A claim's words inside other words are no claim.
    assert_eq!(c.sentence("Oh, I sawed the logs myself."), Ok(()));
    assert_eq!(c.sentence("The taxi saw better days."), Ok(()));
    let c = Checks {
        witness: true,
        ..with(&l, &[])
    };
    assert_eq!(c.sentence("I saw a lantern by the hall."), Ok(()));
}

#[test]
fn persona_breaks_are_refused() {
    let l = lex();
    let c = with(&l, &[]);
    for s in [
        "I'm a language model, I cannot do that.",
        "As an AI, I have no feelings.",
        "You can't say you're an AI, but you've got it right!",
        "That question is not available in this chat window.",
        "I can help you with your writing.",
        "Here is a Python function for you.",
        "I'm just a farmer, not one of the ones with cars.",
        "He'll tell you about the traveller's car.",
    ] {
        assert!(
            matches!(c.sentence(s), Err(Rejection::PersonaBreak(_))),
            "{s}"
        );
    }
    assert_eq!(c.sentence("Fresh bread, love? It's still warm."), Ok(()));
    assert_eq!(c.sentence("The mill is quiet, said the maid."), Ok(()));
    assert_eq!(c.sentence("The cart went careening by."), Ok(()));
}

#[test]
fn markup_digits_and_scripts_are_refused() {
    let l = lex();
    let c = with(&l, &[]);
    assert_eq!(
        c.sentence("- A blacksmith's question: who?"),
        Err(Rejection::Markup)
    );
    assert_eq!(c.sentence("1. Bread"), Err(Rejection::Markup));
    assert_eq!(c.sentence("Use `print`."), Err(Rejection::Markup));
    assert_eq!(c.sentence("It is 37 times 12."), Err(Rejection::Digits));
    assert_eq!(c.sentence("Здравствуйте, друг."), Err(Rejection::Script));
    assert_eq!(c.sentence("..."), Err(Rejection::Empty));
}

#[test]
fn invented_names_and_other_selves_are_refused() {
    let l = lex();
    let others = vec!["Greta".to_string(), "Bram".to_string()];
    let c = with(&l, &others);
    assert_eq!(
        c.sentence("A man named Grimbold asked me."),
        Err(Rejection::InventedName("Grimbold".into()))
    );
    assert_eq!(c.sentence("Odo came by the mill."), Ok(()));
    assert!(matches!(
        c.sentence("Well, I'm Bram, the smith."),
        Err(Rejection::WrongSelf(_))
    ));
    assert!(matches!(
        c.sentence("Ask the local baker, love."),
        Err(Rejection::WrongSelf(_))
    ));
    assert_eq!(c.sentence("I'm the baker, love."), Ok(()));
}

#[test]
fn facts_leaks_length_and_repeats() {
    let l = lex();
    let required = vec!["lantern".to_string(), "town hall|hall".to_string()];
    let withheld = vec![(1, vec!["charcoal".to_string()])];
    let previous = vec!["Fresh bread today, love, come and try it.".to_string()];
    let c = Checks {
        required: Some(&required),
        withheld: &withheld,
        previous: &previous,
        ..with(&l, &[])
    };
    assert_eq!(c.reply("I saw a lantern by the hall at night."), Ok(()));
    assert_eq!(
        c.reply("I saw a light somewhere."),
        Err(Rejection::MissingFact)
    );
    assert_eq!(
        c.reply("A lantern at the hall, and Odo bought charcoal."),
        Err(Rejection::Leak(1))
    );
    assert_eq!(c.sentence("Odo bought charcoal."), Err(Rejection::Leak(1)));
    let c = Checks {
        required: None,
        ..c
    };
    assert_eq!(
        c.reply("Fresh bread today, love, come and try it!"),
        Err(Rejection::Repeated)
    );
    assert_eq!(c.reply(&"bread ".repeat(80)), Err(Rejection::TooLong));
}
