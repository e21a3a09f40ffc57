//! candle models and their files (no Bevy types): the dialogue LM with its GGUF tokenizer, prompts,
//! reply cleaning, and model fetching.

pub mod dialogue;
pub mod emotion;
pub mod encoder;
pub mod llama;
pub mod model_files;
pub mod prompt;
pub mod reply;
pub mod tokenizer;

/// Sets how many threads candle's CPU kernels use (its global pool reads `CANDLE_NUM_THREADS` once,
/// on first use). Call at start-up, before any thread is spawned; an explicit environment value wins.
pub fn set_candle_threads(n: usize) {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: called from `main` before any other thread exists, so nothing reads the
        // environment concurrently.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", n.max(1).to_string()) };
    }
}
