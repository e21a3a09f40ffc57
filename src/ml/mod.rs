//! candle models and their files (no Bevy types): the dialogue LM with its GGUF tokenizer, prompts,
//! reply cleaning, and model fetching.

pub mod dialogue;
pub mod llama;
pub mod model_files;
pub mod prompt;
pub mod reply;
pub mod tokenizer;
