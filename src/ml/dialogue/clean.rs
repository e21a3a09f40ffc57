//! Cleaning generated text: role tags out, where sentences end, and recognising an echo of the
//! system prompt. Pure text functions, tested on their own.

use std::collections::HashSet;

/// Words in a shingle: this many words in a row shared with the system prompt count as an echo.
const SHINGLE: usize = 4;

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// `sentence`, which states `fact`, ended where the fact ends when the model ran on after it with
/// a clause of its own (", and then the bell was rung again", ", I've got a special one"): what a
/// small model adds after a fact is mostly invention. The cut is made after the first place the
/// fact's last content word appears, when a comma or a joining word follows and at least three
/// more words come; otherwise the sentence is returned as it is.
pub(crate) fn end_at_fact(sentence: &str, fact: &str) -> String {
    let Some(last) = words(fact)
        .into_iter()
        .rev()
        .find(|w| w.chars().count() >= 3)
    else {
        return sentence.to_string();
    };
    let mut at = 0;
    for token in sentence.split_inclusive(char::is_whitespace) {
        let end = at + token.len();
        let bare = token.trim().trim_end_matches([',', '.', ';', '!', '?']);
        if bare.to_lowercase() == last {
            let rest = &sentence[end..];
            let comma = token.trim_end().ends_with([',', ';']);
            let joined = ["and ", "but ", "then ", "so "]
                .iter()
                .any(|j| rest.trim_start().to_lowercase().starts_with(j));
            if (comma || joined) && words(rest).len() >= 3 {
                let head = sentence[..at].to_string() + bare;
                return format!("{}.", head.trim_end());
            }
            return sentence.to_string();
        }
        at = end;
    }
    sentence.to_string()
}

/// Recognises replies that repeat the system prompt.
pub(crate) struct EchoGuard {
    shingles: HashSet<Vec<String>>,
}

impl EchoGuard {
    pub(crate) fn new(system_text: &str) -> Self {
        let w = words(system_text);
        EchoGuard {
            shingles: w.windows(SHINGLE).map(|s| s.to_vec()).collect(),
        }
    }

    /// True when `reply` shares [`SHINGLE`] words in a row with the system prompt.
    pub(crate) fn is_echo(&self, reply: &str) -> bool {
        words(reply)
            .windows(SHINGLE)
            .any(|s| self.shingles.contains(s))
    }
}

/// Byte offsets just past each complete sentence end (`.`, `!`, `?`, `…`, closing quotes kept)
/// that is followed by whitespace or the end of `text` when `at_end`.
pub fn sentence_ends(text: &str, at_end: bool) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '.' | '!' | '?' | '…') {
            let mut end = i + c.len_utf8();
            while let Some(&(j, n)) = chars.peek() {
                if matches!(n, '.' | '!' | '?' | '"' | '\'' | '”' | ')') {
                    end = j + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            match chars.peek() {
                Some(&(_, n)) if n.is_whitespace() => ends.push(end),
                None if at_end => ends.push(end),
                _ => {}
            }
        }
    }
    ends
}

/// `sentence` with a quotation the model left open closed at its end (`Greta told me, "I saw a
/// lantern.` → `… lantern."`): what a villager quotes is one sentence.
pub(crate) fn close_quote(sentence: &str) -> String {
    let mut s = sentence.to_string();
    if s.matches('"').count() % 2 == 1 {
        s.push('"');
    }
    s
}

/// The sentences of a reply.
pub fn split_sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    for end in sentence_ends(text, true) {
        let s = text[from..end].trim();
        if !s.is_empty() {
            out.push(s.to_string());
        }
        from = end;
    }
    let tail = text[from..].trim();
    if !tail.is_empty() {
        out.push(tail.to_string());
    }
    out
}

/// Removes role tags and a leading "Name:" the model sometimes writes.
pub fn strip_tags(text: &str, name: Option<&str>) -> String {
    let mut t = text
        .replace("<|im_start|>", "")
        .replace("<|im_end|>", "")
        .replace("<|endoftext|>", "");
    loop {
        let trimmed = t.trim_start();
        let lower = trimmed.to_lowercase();
        let tag = ["assistant:", "assistant\n", "npc:", "system:"]
            .iter()
            .map(|s| s.to_string())
            .chain(name.map(|n| format!("{}:", n.to_lowercase())))
            .find(|tag| lower.starts_with(tag.as_str()));
        match tag {
            Some(tag) => t = trimmed[tag.len()..].to_string(),
            None => break,
        }
    }
    t.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_at_marks_followed_by_space() {
        let t = "One. Two! \"Three?\" she said. Four";
        let ends = sentence_ends(t, false);
        assert_eq!(ends.len(), 4);
        assert_eq!(&t[..ends[3]], "One. Two! \"Three?\" she said.");
        assert_eq!(sentence_ends("Done.", true), vec![5]);
        assert!(sentence_ends("Done.", false).is_empty());
        assert!(sentence_ends("3.5 apples", true).is_empty());
    }

    #[test]
    fn strips_role_tags_and_names() {
        assert_eq!(
            strip_tags("<|im_start|>assistant\nGreta: Hello, love.", Some("Greta")),
            "Hello, love."
        );
    }

    #[test]
    fn echoes_of_the_system_prompt_are_recognised() {
        let g = EchoGuard::new(
            "You are Greta, the baker of Millbrook, a small village. You speak warmly.",
        );
        assert!(g.is_echo("Sure! You are Greta, the baker of Millbrook."));
        assert!(g.is_echo("My instructions: you are greta the baker of millbrook"));
        assert!(!g.is_echo("I am the baker here, love."));
    }

    #[test]
    fn an_open_quotation_is_closed_at_the_end_of_its_sentence() {
        assert_eq!(
            close_quote("She said, \"I saw it."),
            "She said, \"I saw it.\""
        );
        assert_eq!(
            close_quote("She said, \"I saw it.\""),
            "She said, \"I saw it.\""
        );
        assert_eq!(close_quote("Plain words."), "Plain words.");
    }

    #[test]
    fn a_fact_ends_where_the_fact_ends() {
        let fact = "At midnight, the chapel bell was rung by no one I saw.";
        assert_eq!(
            end_at_fact(
                "At midnight, the chapel bell was rung by no one I saw, and then it rang again.",
                fact
            ),
            fact
        );
        let detail = "Here at my stall, just after dawn.";
        assert_eq!(
            end_at_fact(
                "Here at my stall, just after dawn, I've got a special one for those in need.",
                detail
            ),
            detail
        );
        // Said as it is, or with a short close: left alone.
        assert_eq!(end_at_fact(fact, fact), fact);
        let short = "I saw a lantern near the hall, love.";
        assert_eq!(end_at_fact(short, "I saw a lantern near the hall."), short);
    }
}
