//! The one place a worker pool is built. Each lane gets a [`LaneChoice`] (a model in this
//! process, the scripted stand-in, or unavailable with a reason); dialogue and emotion may go
//! through a model server instead. The game, the headless sim and the service all call [`build`].

use crate::inference::backends::scripted::ScriptedBackend;
use crate::inference::{
    BackendFactory, InferencePool, Lane, LaneConfig, PoolBuilder, factory, unavailable,
};
use crate::remote::RemoteOptions;

/// What serves one lane.
pub enum LaneChoice {
    /// A model in this process, built by this factory on the lane's worker thread.
    Local(BackendFactory),
    /// The scripted stand-in (headless sims, tests): fixed replies, neutral feelings.
    Scripted,
    /// The lane's model could not be had: every job is answered with this reason.
    Unavailable(String),
}

impl LaneChoice {
    fn factory(self) -> BackendFactory {
        match self {
            LaneChoice::Local(f) => f,
            LaneChoice::Scripted => factory(|| Ok(ScriptedBackend::default())),
            LaneChoice::Unavailable(reason) => unavailable(reason),
        }
    }
}

/// Every lane's choice, and how the pool runs.
pub struct PoolPlan {
    pub policy: BackendFactory,
    pub dialogue: LaneChoice,
    pub emotion: LaneChoice,
    /// The soundtrack's lane (the game's; none elsewhere).
    pub music: Option<LaneChoice>,
    /// Dialogue through this model server (and emotion too when the server reads feelings; else
    /// `emotion` above).
    pub remote: Option<RemoteOptions>,
    /// Workers of the dialogue lane (default: the lane's own sizing).
    pub dialogue_workers: Option<usize>,
    /// Workers' nice value (see [`PoolBuilder::worker_nice`]).
    pub nice: Option<i32>,
}

impl PoolPlan {
    /// `policy` deciding, scripted dialogue and emotion, no music, no server: the headless sim.
    pub fn scripted(policy: BackendFactory) -> Self {
        PoolPlan {
            policy,
            dialogue: LaneChoice::Scripted,
            emotion: LaneChoice::Scripted,
            music: None,
            remote: None,
            dialogue_workers: None,
            nice: None,
        }
    }
}

/// The pool `plan` describes, its threads started.
pub fn build(plan: PoolPlan) -> InferencePool {
    let emotion = plan.emotion.factory();
    let (dialogue, emotion) = match plan.remote {
        Some(o) => crate::remote::factories(o, emotion),
        None => (plan.dialogue.factory(), emotion),
    };
    let mut dialogue_config = LaneConfig::for_lane(Lane::Dialogue);
    if let Some(w) = plan.dialogue_workers {
        dialogue_config.workers = w;
    }
    let mut pool: PoolBuilder = InferencePool::builder()
        .lane_with(Lane::Dialogue, dialogue_config, dialogue)
        .lane(Lane::Emotion, emotion)
        .lane(Lane::Policy, plan.policy);
    if let Some(m) = plan.music {
        pool = pool.lane(Lane::Music, m.factory());
    }
    if let Some(n) = plan.nice {
        pool = pool.worker_nice(n);
    }
    pool.build()
}
