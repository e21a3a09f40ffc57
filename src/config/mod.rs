//! Configs modders write: the `*.npc.ron` schema and `mystery.ron`, validation with located messages,
//! loading files and folders, and the Bevy asset loader (spawning the cast lives in `brain::cast`).

pub mod files;
pub mod loader;
pub mod mystery;
pub mod schema;
pub mod talk;
pub mod validate;

pub use mystery::{MysteryConfig, MysteryError};
pub use schema::NpcConfig;
pub use validate::{ConfigErrors, ConfigProblem, parse_npc};
