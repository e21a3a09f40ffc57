//! What a villager witnessed, as a memory in its own words with the place it happened: a wolf
//! coming close, being hurt by one, seeing another villager hurt or run from one. `brain::witness` makes them in
//! the village.

use super::stream::{Memory, MemoryKind, MemoryStream};
use crate::world::places;

/// What was seen, in the villager's own words.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Seen {
    WolfNear,
    Hurt,
    SawHurt(String),
    /// Another villager running from a wolf.
    SawFlee(String),
}

impl Seen {
    /// True when a memory's words tell a sight of this kind, whoever and wherever.
    fn is_like(&self, text: &str) -> bool {
        match self {
            Seen::WolfNear => text.starts_with("A wolf came close"),
            Seen::Hurt => text.starts_with("A wolf hurt me"),
            Seen::SawHurt(_) => text.starts_with("I saw a wolf hurt"),
            Seen::SawFlee(_) => text.starts_with("I saw ") && text.contains(" run from a wolf"),
        }
    }
}

/// True when `stream` already keeps a sight like `seen` (any victim, any place) from the last game
/// hour before `now`: a villager in a crowd at night sees wolves and hurts again and again, and
/// keeps one of each kind an hour (the village stays within its frame budget at 1,000 villagers).
pub(crate) fn seen_lately(stream: &MemoryStream, seen: &Seen, now: f64) -> bool {
    let since = now - stream.hour_secs;
    // Memories are kept in the order they were made (a renewed one moves to the end).
    stream
        .memories
        .iter()
        .rev()
        .take_while(|m| m.at >= since)
        .any(|m| m.kind == MemoryKind::Witnessed && seen.is_like(&m.text))
}

/// The memory of `seen` near `place` (a place's name on the map) at `at`.
pub(crate) fn witnessed(seen: &Seen, place: &str, at: f64) -> Memory {
    let place = places::spoken(place);
    let (text, topics, mut keys) = match seen {
        Seen::WolfNear => (
            format!("A wolf came close to me near {place}."),
            vec!["did you see any wolves", "were you in danger"],
            vec!["wolf|wolves".to_string()],
        ),
        Seen::Hurt => (
            format!("A wolf hurt me near {place}."),
            vec!["were you hurt", "did a wolf attack you"],
            vec!["wolf|wolves".to_string(), "hurt|bit|bitten|wounded".into()],
        ),
        Seen::SawHurt(who) => (
            format!("I saw a wolf hurt {who} near {place}."),
            vec!["did anyone get hurt", "did you see any wolves"],
            vec!["wolf|wolves".to_string(), who.to_lowercase()],
        ),
        Seen::SawFlee(who) => (
            format!("I saw {who} run from a wolf near {place}."),
            vec!["did you see anyone run away", "did you see any wolves"],
            vec![who.to_lowercase(), "run|ran|running|fled|flee".into()],
        ),
    };
    keys.dedup();
    Memory::new(
        MemoryKind::Witnessed,
        at,
        text,
        keys,
        topics.into_iter().map(String::from).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_seen_is_said_with_its_place_and_must_be_told_with_the_wolf() {
        let m = witnessed(&Seen::SawHurt("Bram".into()), "forest_edge", 7.0);
        assert_eq!(m.text, "I saw a wolf hurt Bram near the forest edge.");
        assert_eq!(m.keys, ["wolf|wolves", "bram"]);
        assert_eq!((m.kind, m.at), (MemoryKind::Witnessed, 7.0));
        assert!(m.kind.recallable());
        let mut stream = MemoryStream::new(10, 20.0);
        stream.add(m);
        let other = Seen::SawHurt("Odo".into());
        assert!(
            seen_lately(&stream, &other, 20.0),
            "within the hour, any victim"
        );
        assert!(!seen_lately(&stream, &other, 28.0), "an hour later");
        assert!(
            !seen_lately(&stream, &Seen::WolfNear, 8.0),
            "another kind of sight"
        );
        let m = witnessed(&Seen::SawFlee("Odo".into()), "mill", 0.0);
        assert_eq!(m.text, "I saw Odo run from a wolf near the mill.");
        assert!(!Seen::SawHurt(String::new()).is_like(&m.text));
        assert!(Seen::SawFlee(String::new()).is_like(&m.text));
        let m = witnessed(&Seen::WolfNear, "mill", 0.0);
        assert_eq!(m.text, "A wolf came close to me near the mill.");
    }
}
