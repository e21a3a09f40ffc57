//! The dialogue model's tokenizer, built at load time from the GGUF metadata (there is no
//! tokenizer.json): byte-level BPE from `tokenizer.ggml.tokens` and `.merges`, digits split one by
//! one before the GPT-2 style split (the GGUF's `smollm` pre-tokenizer), control tokens as specials.

use std::collections::HashMap;

use candle_core::quantized::gguf_file::{Content, Value};
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::{AddedToken, Tokenizer};

/// GGUF token type of control tokens (`<|im_start|>` and friends).
const CONTROL: i32 = 3;

/// Why a tokenizer could not be built or used.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    #[error("the GGUF has no usable {0}")]
    Missing(&'static str),
    #[error("the GGUF tokenizer is {0:?}; only byte-level BPE (gpt2) is supported")]
    Unsupported(String),
    #[error("tokenizer: {0}")]
    Tokenizers(String),
}

/// A byte-level BPE tokenizer plus the ids the chat format needs.
#[derive(Clone)]
pub struct GgufTokenizer {
    inner: Tokenizer,
    pub eos: u32,
    pub im_start: u32,
    pub im_end: u32,
    /// Per token: whether it is prompt markup (see [`GgufTokenizer::is_markup`]).
    markup: Vec<bool>,
}

fn strings(md: &HashMap<String, Value>, key: &'static str) -> Result<Vec<String>, TokenizerError> {
    let list = md
        .get(key)
        .and_then(|v| v.to_vec().ok())
        .ok_or(TokenizerError::Missing(key))?;
    list.iter()
        .map(|v| {
            v.to_string()
                .cloned()
                .map_err(|_| TokenizerError::Missing(key))
        })
        .collect()
}

impl GgufTokenizer {
    /// Builds the tokenizer from GGUF metadata.
    pub(crate) fn from_gguf(ct: &Content) -> Result<Self, TokenizerError> {
        let md = &ct.metadata;
        let model = md
            .get("tokenizer.ggml.model")
            .and_then(|v| v.to_string().ok())
            .ok_or(TokenizerError::Missing("tokenizer.ggml.model"))?;
        if model != "gpt2" {
            return Err(TokenizerError::Unsupported(model.clone()));
        }
        let tokens = strings(md, "tokenizer.ggml.tokens")?;
        let merges: Vec<(String, String)> = strings(md, "tokenizer.ggml.merges")?
            .into_iter()
            .filter_map(|m| {
                m.split_once(' ')
                    .map(|(a, b)| (a.to_string(), b.to_string()))
            })
            .collect();
        let types: Vec<i32> = md
            .get("tokenizer.ggml.token_type")
            .and_then(|v| v.to_vec().ok())
            .map(|l| l.iter().map(|v| v.to_i32().unwrap_or(1)).collect())
            .unwrap_or_default();
        let vocab: HashMap<String, u32> = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let bpe = BPE::builder()
            .vocab_and_merges(
                vocab
                    .iter()
                    .map(|(k, v)| (k.clone(), *v))
                    .collect::<Vocab>(),
                merges,
            )
            .build()
            .map_err(|e| TokenizerError::Tokenizers(e.to_string()))?;
        let mut inner = Tokenizer::new(bpe);
        inner.with_pre_tokenizer(Some(Sequence::new(vec![
            Digits::new(true).into(),
            ByteLevel::new(false, true, true).into(),
        ])));
        inner.with_decoder(Some(ByteLevelDecoder::default()));
        let specials: Vec<AddedToken> = tokens
            .iter()
            .zip(types.iter().chain(std::iter::repeat(&1)))
            .filter(|(_, t)| **t == CONTROL)
            .map(|(s, _)| AddedToken::from(s.clone(), true))
            .collect();
        inner
            .add_special_tokens(specials)
            .map_err(|e| TokenizerError::Tokenizers(e.to_string()))?;
        let id = |key: &'static str| {
            md.get(key)
                .and_then(|v| v.to_u32().ok())
                .ok_or(TokenizerError::Missing(key))
        };
        let by_name = |name: &'static str| {
            vocab
                .get(name)
                .copied()
                .ok_or(TokenizerError::Missing(name))
        };
        // Byte-level BPE spells a line break "Ċ"; control tokens are the turn tags.
        let markup = tokens
            .iter()
            .zip(types.iter().chain(std::iter::repeat(&1)))
            .map(|(t, &ty)| ty == CONTROL || t.contains('"') || t.contains('Ċ'))
            .collect();
        Ok(GgufTokenizer {
            inner,
            markup,
            eos: id("tokenizer.ggml.eos_token_id")?,
            im_start: by_name("<|im_start|>")?,
            im_end: by_name("<|im_end|>")?,
        })
    }

    /// Token ids of `text`; special tokens written in the text (like `<|im_start|>`) map to their ids.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        let enc = self
            .inner
            .encode(text, false)
            .map_err(|e| TokenizerError::Tokenizers(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Token ids of untrusted text: special-token spellings are kept as plain text, so a player cannot
    /// close the turn or open a system turn by typing `<|im_start|>`.
    pub fn encode_plain(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        let defused = text.replace("<|", "< |");
        self.encode(&defused)
    }

    /// Whether token `id` is the prompt's markup rather than words a reply says: a turn tag, a
    /// line break, or a double quote (the prompt quotes the villager's facts).
    pub(crate) fn is_markup(&self, id: u32) -> bool {
        self.markup.get(id as usize).copied().unwrap_or(true)
    }

    /// Text of `ids` (special tokens skipped).
    pub fn decode(&self, ids: &[u32]) -> Result<String, TokenizerError> {
        self.inner
            .decode(ids, true)
            .map_err(|e| TokenizerError::Tokenizers(e.to_string()))
    }

    /// Ordinary lowercase words: vocabulary entries that are a whole word after a space ("Ġwell"),
    /// two or more ASCII letters. A name the model invents is rarely one of them.
    pub(crate) fn common_words(&self) -> std::collections::HashSet<String> {
        self.inner
            .get_vocab(false)
            .into_keys()
            .filter_map(|t| {
                let w = t.strip_prefix('Ġ')?;
                (w.len() >= 2 && w.bytes().all(|b| b.is_ascii_lowercase())).then(|| w.to_string())
            })
            .collect()
    }

    /// Id of a token string, if it is in the vocabulary.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }
}
