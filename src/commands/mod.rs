//! Subcommands beyond play and sim that the binary exposes: fetching models, chatting with an NPC
//! in the terminal, and benchmarks. Each returns an exit code; errors are printed, never panicked.

pub mod bench;
pub mod chat;
pub mod emotion;
pub mod fetch;
pub mod plot;
pub mod train_policy;
