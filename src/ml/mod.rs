//! candle models and their files (no Bevy types): open chat with continuous batching; grounded
//! dialogue (the language model with its GGUF tokenizer, understanding, planning, checks); the
//! sentence encoder and emotion head; the decision policy network; fetching and pinned model files.

pub mod dialogue;
pub mod emotion;
pub mod encoder;
pub mod lm;
pub mod model_files;
pub mod policy;
pub mod seeded;
pub mod weights;

/// Sets how many threads candle's CPU kernels use. Call at start-up, before any thread is spawned;
/// explicit environment values win. Two settings, because candle has two pools: quantized matmuls
/// (the dialogue model) run on its own pool sized once from `CANDLE_NUM_THREADS`; float matmuls
/// (the sentence encoder on candle's path) and our encoder's layers run on rayon's global pool and read `RAYON_NUM_THREADS` at every call,
/// falling back to counting cores in `/proc/cpuinfo` each time when it is unset.
pub fn set_candle_threads(n: usize) {
    for var in ["CANDLE_NUM_THREADS", "RAYON_NUM_THREADS"] {
        if std::env::var_os(var).is_none() {
            // SAFETY: called from `main` before any other thread exists, so nothing reads the
            // environment concurrently.
            unsafe { std::env::set_var(var, n.max(1).to_string()) };
        }
    }
}
