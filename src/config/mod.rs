//! NPC configs: the `*.npc.ron` schema, validation with located messages, and (with Bevy) the asset
//! loader with hot reload and the `mods/` overrides.

pub mod cast;
pub mod files;
pub mod loader;
pub mod schema;
pub mod validate;

pub use schema::NpcConfig;
pub use validate::{ConfigErrors, ConfigProblem, parse_npc};
