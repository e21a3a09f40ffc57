//! The autopilot's stages (`solver`), and what it does after a villager's reply: a decision on
//! what the reply showed, free of the ECS so that it can be tested alone.

use bevy::prelude::Entity;

use super::journal::Clue;
use super::visit::CONFRONT_TRIES;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Stage {
    /// Pick the next villager to visit, or go to the judge.
    Choose,
    /// Walk to a villager, then open the chat.
    Approach(Entity),
    /// Ask question `i` of the visit.
    Next(Entity, usize),
    /// Wait for the reply to what was just said (the speech's generation when sent, seconds
    /// waited).
    Await(Entity, Said, u32, f32),
    /// The villager hinted it knows more about question `i`: give bread, then ask again.
    Feed(Entity, usize),
    /// Cite a clue as evidence after a hint to question `i` (the `n`th tried for it).
    Cite(Entity, usize, usize, Clue),
    /// Say something kind (after the thanks for bread), then ask question `i` again.
    Praise(Entity, usize),
    Reask(Entity, usize),
    /// Walk to the judge and accuse.
    Accuse(Entity, String),
    /// Accusation said; answer the question when it comes (seconds waited).
    Confirm(String, f32),
    /// The verdict is out; wait for the end screen.
    Verdict,
    Linger(u32),
    Done,
}

impl Stage {
    /// The villager a visit's stage is with (none for choosing, accusing and the end).
    pub(super) fn villager(&self) -> Option<Entity> {
        match self {
            Stage::Approach(e)
            | Stage::Next(e, _)
            | Stage::Await(e, ..)
            | Stage::Feed(e, _)
            | Stage::Cite(e, ..)
            | Stage::Praise(e, _)
            | Stage::Reask(e, _) => Some(*e),
            Stage::Accuse(..)
            | Stage::Confirm(..)
            | Stage::Choose
            | Stage::Verdict
            | Stage::Linger(_)
            | Stage::Done => None,
        }
    }
}

/// What a reply answers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Said {
    /// Question `i` (`fed`: bread was given for it already).
    Question(usize, bool),
    /// Bread, given for question `i`.
    Bread(usize),
    /// The kind words after the thanks, before question `i` again.
    Kind(usize),
    /// The `n`th clue cited as evidence after a hint to question `i`.
    Cited(usize, usize),
}

/// What a reply showed the autopilot.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Heard {
    /// The villager hinted that it holds something back.
    pub(crate) hinted: bool,
    /// A cited clue opened what it held back.
    pub(crate) opened: bool,
    /// Bread is left and this villager has not had any.
    pub(crate) can_feed: bool,
}

/// The stage after `npc`'s reply to `said`. A villager that holds back is confronted with the
/// clue `next_clue` gives (a few times), then given bread while there is some, then kind words.
pub(super) fn after_reply(
    npc: Entity,
    said: Said,
    heard: Heard,
    next_clue: impl FnOnce() -> Option<Clue>,
) -> Stage {
    let tries = match said {
        Said::Question(_, false) if heard.hinted => Some(0),
        Said::Cited(_, n) if !heard.opened && n + 1 < CONFRONT_TRIES => Some(n + 1),
        _ => None,
    };
    let confront = tries.and_then(|n| next_clue().map(|c| (n, c)));
    match (said, confront) {
        (Said::Question(i, false) | Said::Cited(i, _), Some((n, clue))) => {
            Stage::Cite(npc, i, n, clue)
        }
        // The evidence opened it: on to the next question; else trust.
        (Said::Cited(i, _), _) if heard.opened => Stage::Next(npc, i + 1),
        (Said::Cited(i, _), _) if heard.can_feed => Stage::Feed(npc, i),
        (Said::Cited(i, _), _) => Stage::Praise(npc, i),
        (Said::Question(i, false), _) if heard.hinted && heard.can_feed => Stage::Feed(npc, i),
        // No bread left: kind words alone, then ask again.
        (Said::Question(i, false), _) if heard.hinted => Stage::Praise(npc, i),
        (Said::Question(i, _), _) => Stage::Next(npc, i + 1),
        (Said::Bread(i), _) => Stage::Praise(npc, i),
        (Said::Kind(i), _) => Stage::Reask(npc, i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::game::journal::tests::clue;

    #[test]
    fn a_villager_that_holds_back_is_confronted_then_fed_then_praised() {
        let npc = Entity::PLACEHOLDER;
        let hint = Heard {
            hinted: true,
            can_feed: true,
            ..Heard::default()
        };
        let c = clue("Wren", "I found bronze shavings.");
        // A hint: the clue that bears on it.
        assert_eq!(
            after_reply(npc, Said::Question(2, false), hint, || Some(c.clone())),
            Stage::Cite(npc, 2, 0, c.clone())
        );
        // No clue to cite: bread, or kind words without it.
        assert_eq!(
            after_reply(npc, Said::Question(2, false), hint, || None),
            Stage::Feed(npc, 2)
        );
        let no_bread = Heard {
            can_feed: false,
            ..hint
        };
        assert_eq!(
            after_reply(npc, Said::Question(2, false), no_bread, || None),
            Stage::Praise(npc, 2)
        );
        // The evidence opened it: the next question, whatever clues are left.
        let opened = Heard {
            opened: true,
            ..Heard::default()
        };
        assert_eq!(
            after_reply(npc, Said::Cited(2, 0), opened, || Some(c.clone())),
            Stage::Next(npc, 3)
        );
        // The last try spent: bread.
        let last = Said::Cited(2, CONFRONT_TRIES - 1);
        assert_eq!(
            after_reply(npc, last, hint, || Some(c.clone())),
            Stage::Feed(npc, 2)
        );
        // An answer: the next question.
        assert_eq!(
            after_reply(npc, Said::Question(2, false), Heard::default(), || None),
            Stage::Next(npc, 3)
        );
    }
}
