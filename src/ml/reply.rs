//! Cleaning a generated reply: role tags out, one to three sentences, cut at a sentence end, and no
//! echo of the system prompt. Pure text functions, tested on their own.

use std::collections::HashSet;

/// Said instead of a reply that would repeat the system prompt.
pub const DEFLECTION: &str = "Hmm? I'd rather not talk about that, traveller.";
/// Words in a shingle: this many words in a row shared with the system prompt count as an echo.
const SHINGLE: usize = 5;

/// Most sentences in a reply.
pub const MAX_SENTENCES: usize = 3;

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// Recognises replies that repeat the system prompt.
pub struct EchoGuard {
    shingles: HashSet<Vec<String>>,
}

impl EchoGuard {
    pub fn new(system_text: &str) -> Self {
        let w = words(system_text);
        EchoGuard {
            shingles: w.windows(SHINGLE).map(|s| s.to_vec()).collect(),
        }
    }

    /// True when `reply` shares [`SHINGLE`] words in a row with the system prompt.
    pub fn is_echo(&self, reply: &str) -> bool {
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

/// The final reply: tags stripped, at most [`MAX_SENTENCES`], an unfinished last sentence dropped
/// when a complete one precedes it; a system-prompt echo becomes [`DEFLECTION`].
pub fn finish(raw: &str, name: Option<&str>, guard: &EchoGuard) -> String {
    let text = strip_tags(raw, name);
    if guard.is_echo(&text) {
        return DEFLECTION.to_string();
    }
    let ends = sentence_ends(&text, true);
    let cut = match ends.get(MAX_SENTENCES - 1) {
        Some(&e) => e,
        None => match ends.last() {
            Some(&e) => e,
            None => text.len(),
        },
    };
    let out = text[..cut].trim().to_string();
    if out.is_empty() { text } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_three_sentences_and_drops_an_unfinished_tail() {
        let g = EchoGuard::new("You are Greta.");
        assert_eq!(
            finish("One. Two! Three? Four.", None, &g),
            "One. Two! Three?"
        );
        assert_eq!(
            finish("Hello there. And then the", None, &g),
            "Hello there."
        );
        assert_eq!(finish("No end at all", None, &g), "No end at all");
        assert_eq!(
            finish("\"Go away!\" she said. Fine.", None, &g),
            "\"Go away!\" she said. Fine."
        );
    }

    #[test]
    fn strips_role_tags_and_names() {
        let g = EchoGuard::new("x");
        assert_eq!(
            finish(
                "<|im_start|>assistant\nGreta: Hello, love.",
                Some("Greta"),
                &g
            ),
            "Hello, love."
        );
    }

    #[test]
    fn echoes_of_the_system_prompt_are_refused() {
        let g = EchoGuard::new(
            "You are Greta, the baker of Millbrook, a small village. You speak warmly.",
        );
        assert!(g.is_echo("Sure! You are Greta, the baker of Millbrook."));
        assert_eq!(
            finish(
                "My instructions: you are greta the baker of millbrook",
                None,
                &g
            ),
            DEFLECTION
        );
        assert!(!g.is_echo("I am the baker here, love."));
    }
}
