//! Configs modders write: the `*.npc.ron` schema and the cases (`*.case.ron`), validation with located messages,
//! loading files and folders, and the Bevy asset loader (spawning the cast lives in `brain::cast`).

pub mod case;
pub mod case_check;
pub mod files;
pub mod loader;
pub mod schema;
pub mod talk;
pub mod validate;

pub use case::{CaseConfig, DEFAULT_CASE};
pub use schema::NpcConfig;
pub use validate::{ConfigErrors, ConfigProblem, parse_npc};
