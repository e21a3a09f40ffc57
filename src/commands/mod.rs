//! What the binary's subcommands do (all but `play`): sim runs and reports, config checks, fetching
//! models, chatting with an NPC in the terminal, emotion classification, training, benchmarks. Each
//! returns an exit code; errors are printed, never panicked.

pub mod bench;
pub mod chat;
pub mod check;
pub mod emotion;
pub mod fetch;
pub mod plot;
pub mod sim;
pub mod train_policy;
