//! The identity rules of the validator: a villager never claims another villager's name, never names
//! itself except to introduce itself, never speaks of its own trade as someone else's ("the local
//! baker" from the baker), and never takes what the player told about themselves for its own.

use super::validate::{Checks, Rejection, has_phrase};
use crate::decide::keys;

impl Checks<'_> {
    /// Claims of being someone else, or its own trade spoken of as another's ("the local baker").
    pub(super) fn is_itself(&self, lower: &str) -> Result<(), Rejection> {
        for other in self.others {
            let o = other.to_lowercase();
            if o == self.name.to_lowercase() {
                continue;
            }
            for claim in ["i'm ", "i am ", "my name is ", "name's ", "call me "] {
                if has_phrase(lower, &format!("{claim}{o}")) {
                    return Err(Rejection::WrongSelf(format!("{claim}{o}")));
                }
            }
        }
        // Its own name only where it introduces itself ("Goodbye, Tomas" is the player's line).
        let me = self.name.to_lowercase();
        if has_phrase(lower, &me)
            && ![
                "i'm ",
                "i am ",
                "my name is ",
                "name's ",
                "call me ",
                "it's ",
            ]
            .iter()
            .any(|p| has_phrase(lower, &format!("{p}{me}")))
        {
            return Err(Rejection::WrongSelf(format!("names itself {me}")));
        }
        let role = self.role.to_lowercase();
        for other in ["local ", "another ", "a ", "the "] {
            let phrase = format!("{other}{role}");
            if has_phrase(lower, &phrase) {
                let mine = [
                    "i'm ",
                    "i am ",
                    "as ",
                    "your ",
                    "just ",
                    "only ",
                    "i'm just ",
                    "being ",
                ]
                .iter()
                .any(|p| has_phrase(lower, &format!("{p}{phrase}")));
                if !mine {
                    return Err(Rejection::WrongSelf(phrase));
                }
            }
        }
        Ok(())
    }

    /// A sentence with a word the player told about themselves must be said to them ("you",
    /// "your"): "I'm from Dunmore" takes the player's home for the villager's.
    pub(super) fn about_the_player(&self, sentence: &str) -> Result<(), Rejection> {
        let words = keys::words(sentence);
        // "You told me I like pears": what the player said, turned back on the villager ("Greta
        // told me, 'I saw …'" quotes another villager and is fine).
        if let Some(at) = words
            .windows(3)
            .position(|w| w[0] == "you" && w[1] == "told" && w[2] == "me")
            .map(|at| at + 1)
            && words
                .get(at + 2)
                .is_some_and(|w| matches!(w.as_str(), "i" | "i'm" | "my"))
        {
            return Err(Rejection::Misattributed(words[at + 2].clone()));
        }
        let to_player = words
            .iter()
            .any(|w| matches!(w.as_str(), "you" | "your" | "you're" | "yours" | "you've"));
        match self
            .player_words
            .iter()
            .find(|p| keys::group_present(&words, p))
        {
            Some(p) if !to_player => Err(Rejection::Misattributed(p.clone())),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ml::dialogue::lexicon::Lexicon;
    use crate::ml::dialogue::validate::tests::with;

    #[test]
    fn what_the_player_told_is_said_only_to_the_player() {
        let l = Lexicon::new(
            ["Greta", "Dunmore"],
            [
                "i'm", "from", "you", "your", "live", "in", "dear", "home", "is",
            ]
            .map(String::from),
        );
        let told = vec!["dunmore".to_string()];
        let c = Checks {
            player_words: &told,
            ..with(&l, &[])
        };
        assert_eq!(
            c.sentence("I'm from Dunmore, by the sea."),
            Err(Rejection::Misattributed("dunmore".into()))
        );
        assert_eq!(c.sentence("You live in Dunmore, dear."), Ok(()));
        assert_eq!(c.sentence("Your home is Dunmore."), Ok(()));
        assert_eq!(
            c.sentence("You told me I like pears."),
            Err(Rejection::Misattributed("i".into()))
        );
        assert_eq!(
            c.about_the_player("Greta told me, \"I saw a lantern.\""),
            Ok(())
        );
    }
}
