//! The inference worker pool, transport only: plain Rust, no Bevy. Jobs in through bounded queues,
//! events out; backends are adapters over the models in `ml`, the rules in `decide` and the
//! soundtrack in `music`.

pub mod backends;
mod lane;
pub mod metrics;
mod pool;
pub mod protocol;
pub mod soundtrack;

pub use backends::{Backend, BackendFactory, StreamContext, factory, unavailable};
pub use lane::LaneConfig;
pub use metrics::{LaneSnapshot, PoolMetrics};
pub use pool::{InferencePool, PoolBuilder, SubmitError};
pub use protocol::{
    Completed, DialogueRequest, InferenceError, Job, JobInput, JobOutput, KnowledgeEntry, Lane,
    Person, PoolEvent, Priority, RequestId, Sampling, WorldNames,
};
