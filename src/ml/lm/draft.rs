//! Draft tokens for speculative decoding without a second model (prompt lookup). What a villager
//! says is often in its context already: the fact in the system turn that the reply's prefill
//! starts, a name from the player's line, its own earlier replies in the history. The last few
//! tokens of the context are looked up earlier in it, and the tokens that followed their latest
//! earlier occurrence are the draft, which one forward step then verifies.

/// The longest run of final tokens looked up (tried first: a longer match predicts better).
const LONGEST: usize = 4;
/// The shortest: a single token recurs too often to predict what follows it.
const SHORTEST: usize = 2;

/// Up to `max` tokens that followed the latest earlier occurrence of `context`'s last tokens
/// (the longest such run of [`LONGEST`] down to [`SHORTEST`] tokens that occurs earlier), cut
/// before the first token `markup` flags (the prompt's quotes, line breaks and turn tags, which a
/// reply does not copy); empty when none does.
pub(crate) fn draft(context: &[u32], max: usize, markup: impl Fn(u32) -> bool) -> &[u32] {
    if max == 0 {
        return &[];
    }
    for n in (SHORTEST..=LONGEST).rev() {
        if context.len() <= n {
            continue;
        }
        let tail = &context[context.len() - n..];
        if let Some(start) = (0..context.len() - n)
            .rev()
            .find(|&s| &context[s..s + n] == tail)
        {
            let from = start + n;
            let found = &context[from..(from + max).min(context.len())];
            let cut = found.iter().position(|&t| markup(t)).unwrap_or(found.len());
            return &found[..cut];
        }
    }
    &[]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: u32) -> bool {
        false
    }

    #[test]
    fn the_tokens_after_the_latest_longest_match_are_drafted() {
        // "... 5 6 7 8 9 ... 6 7 8 1 2 ... 6 7 8": the latest "6 7 8" came before "1 2".
        let c = [1, 5, 6, 7, 8, 9, 4, 6, 7, 8, 1, 2, 3, 6, 7, 8];
        assert_eq!(draft(&c, 2, none), &[1, 2]);
        assert_eq!(draft(&c, 10, none), &[1, 2, 3, 6, 7, 8]);
        // Cut before markup (here token 3).
        assert_eq!(draft(&c, 10, |t| t == 3), &[1, 2]);
        // A longer match wins over a later shorter one: "5 6 7 8" occurred once, before "9".
        let c = [5, 6, 7, 8, 9, 9, 7, 8, 3, 5, 6, 7, 8];
        assert_eq!(draft(&c, 1, none), &[9]);
        // One recurring token is not enough, nothing recurring is nothing, no room is nothing.
        assert!(draft(&[3, 1, 4, 2, 5, 3], 4, none).is_empty());
        assert!(draft(&[1, 2, 3, 4], 4, none).is_empty());
        assert!(draft(&[1, 2, 1, 2], 0, none).is_empty());
        assert!(draft(&[], 4, none).is_empty());
    }
}
