//! The headless simulation: a village of N NPCs under `MinimalPlugins`, run as fast as it goes, with
//! lockstep determinism, record/replay and a JSON report; a visitor that talks to villagers;
//! policy comparison and training episodes.

pub mod compare;
pub mod policy;
pub mod record;
pub mod report;
pub mod run;
pub mod save;
pub mod train;
pub mod visitor;

pub use run::{SimOptions, run_sim};
