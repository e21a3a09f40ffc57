//! The inference worker pool: plain Rust, no Bevy. Jobs in through bounded queues, events out.

pub mod backends;
pub mod emotion;
mod lane;
pub mod metrics;
mod pool;
pub mod protocol;

pub use backends::{Backend, BackendFactory, StreamContext, factory};
pub use emotion::{EmotionLabel, dominant};
pub use lane::LaneConfig;
pub use metrics::{LaneSnapshot, PoolMetrics};
pub use pool::{InferencePool, PoolBuilder, SubmitError};
pub use protocol::{
    Completed, DialogueRequest, InferenceError, Job, JobInput, JobOutput, Lane, Observation,
    PoolEvent, Priority, RequestId, Sampling,
};
