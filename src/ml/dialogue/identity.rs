//! The identity rule of the validator: a villager never claims another villager's name, never names
//! itself except to introduce itself, and never speaks of its own trade as someone else's ("the
//! local baker" from the baker).

use super::validate::{Checks, Rejection, has_phrase};

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
}
