//! The integration tests, one crate so that the suite links once: each module is one part of the
//! project, tested through its public interface with the real models where their weights are present.

mod batcher;
mod chat_cli;
mod common;
mod config;
mod conversation;
mod conversation_set;
mod dialogue;
mod docs;
mod emotion;
mod emotion_sim;
mod encoder;
mod fuzz_inputs;
mod gossip;
mod grounded;
mod hot_reload;
mod layout;
mod lm_engine;
mod memory;
mod model_files;
mod music;
mod policy;
mod policy_player;
mod policy_training;
mod pool;
mod save_crash;
mod serve;
mod sim;
mod sim_save;
mod speculative;
mod talk;
