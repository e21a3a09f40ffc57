//! What every request shares: the limits, the cast, the counters, and (once loaded) the models:
//! the worker pool with its dialogue, emotion and policy lanes, the open-chat batcher and the
//! sentence encoder. Pool events are routed to the request that asked by one router thread.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::error::ApiError;
use super::metrics::Metrics;
use crate::config::NpcConfig;
use crate::inference::{InferenceError, InferencePool, Job, JobInput, JobOutput, Lane};
use crate::inference::{PoolEvent, Priority, RequestId};
use crate::inference::{SubmitError, WorldNames};
use crate::ml::encoder::SentenceEncoder;
use crate::ml::lm::chat::Batcher;

/// The service's limits.
#[derive(Clone, Debug)]
pub(crate) struct Limits {
    /// Every route but `/health` needs this bearer key when set.
    pub(crate) api_key: Option<String>,
    /// Most tokens one reply may ask for.
    pub(crate) max_tokens: usize,
    /// Each request's deadline.
    pub(crate) timeout: Duration,
    /// Conversations waiting for the batcher.
    pub(crate) max_queue: usize,
    /// Conversations the batcher decodes together.
    pub(crate) max_batch: usize,
    /// Largest request body.
    pub(crate) max_body: usize,
}

/// The loaded models.
pub(crate) struct Models {
    pub(crate) pool: InferencePool,
    pub(crate) batcher: Batcher,
    /// Shared with the dialogue lane's workers (understanding villagers' lines).
    pub(crate) encoder: Arc<SentenceEncoder>,
    /// Emotion and policy answer from the pool; these say whether those lanes have real models.
    pub(crate) emotion: bool,
}

/// Shared by every request.
pub(crate) struct Shared {
    pub(crate) limits: Limits,
    pub(crate) cast: Vec<NpcConfig>,
    pub(crate) world: Arc<WorldNames>,
    pub(crate) metrics: Metrics,
    pub(crate) models: OnceLock<Models>,
    /// Why the models could not be loaded (the service then answers 503 with this).
    pub(crate) load_error: OnceLock<String>,
    routes: Mutex<HashMap<u64, UnboundedSender<PoolEvent>>>,
    /// Cancelled requests to forget on their lane once their job has surely ended.
    to_forget: Mutex<VecDeque<(Instant, Lane, u64)>>,
    next_id: AtomicU64,
    pub(crate) stop: AtomicBool,
    pub(crate) started: Instant,
}

/// How long a cancelled request's id is remembered, so that its queued job is skipped.
const FORGET_AFTER: Duration = Duration::from_secs(600);

impl Shared {
    pub(crate) fn new(limits: Limits, cast: Vec<NpcConfig>, world: WorldNames) -> Self {
        Shared {
            limits,
            cast,
            world: Arc::new(world),
            metrics: Metrics::default(),
            models: OnceLock::new(),
            load_error: OnceLock::new(),
            routes: Mutex::default(),
            to_forget: Mutex::default(),
            next_id: AtomicU64::new(1),
            stop: AtomicBool::new(false),
            started: Instant::now(),
        }
    }

    /// The models, or 503 while they load (or when they failed to).
    pub(crate) fn models(&self) -> Result<&Models, ApiError> {
        self.models
            .get()
            .ok_or_else(|| match self.load_error.get() {
                Some(e) => ApiError::unavailable(format!("the models could not be loaded: {e}")),
                None => ApiError::unavailable("the models are still loading; retry shortly"),
            })
    }

    /// A fresh id for one request.
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Queues `input` on `lane` for a request of its own; its events come through the ticket.
    pub(crate) fn submit(
        self: &Arc<Self>,
        lane: Lane,
        input: JobInput,
        deadline: Instant,
    ) -> Result<Ticket, ApiError> {
        let models = self.models()?;
        let npc = self.next_id();
        let (tx, rx) = unbounded_channel();
        self.lock_routes().insert(npc, tx);
        let ticket = Ticket {
            shared: self.clone(),
            lane,
            npc,
            rx,
            ended: false,
        };
        let job = Job {
            id: RequestId { npc, generation: 0 },
            priority: Priority::Normal,
            deadline: Some(deadline),
            input,
        };
        match models.pool.try_submit(lane, job) {
            Ok(()) => Ok(ticket),
            Err(SubmitError::Full(what)) => Err(ApiError::busy(what)),
            Err(e) => Err(ApiError::unavailable(e.to_string())),
        }
    }

    /// Queues every input on `lane` at once (so the lane batches them) and waits for all their
    /// results, in order, within the request's deadline.
    pub(crate) async fn run_all(
        self: &Arc<Self>,
        lane: Lane,
        inputs: Vec<JobInput>,
    ) -> Result<Vec<Result<JobOutput, InferenceError>>, ApiError> {
        let deadline = Instant::now() + self.limits.timeout;
        let tickets = inputs
            .into_iter()
            .map(|input| self.submit(lane, input, deadline))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(tickets.len());
        for mut t in tickets {
            match tokio::time::timeout_at(deadline.into(), t.next()).await {
                Err(_) => return Err(ApiError::timeout(self.limits.timeout.as_secs())),
                Ok(Some(PoolEvent::Completed(c))) => out.push(c.result),
                Ok(_) => {
                    return Err(ApiError::internal(format!(
                        "the {} lane stopped",
                        lane.name()
                    )));
                }
            }
        }
        Ok(out)
    }

    fn lock_routes(&self) -> std::sync::MutexGuard<'_, HashMap<u64, UnboundedSender<PoolEvent>>> {
        self.routes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The router thread's loop: hands each pool event to the request it belongs to, and
    /// forgets cancelled requests once they are old. Returns when the service stops.
    pub(crate) fn route_events(&self) {
        let Some(models) = self.models.get() else {
            return;
        };
        while !self.stop.load(Ordering::Relaxed) {
            if let Some(ev) = models.pool.recv_timeout(Duration::from_millis(50)) {
                let npc = match &ev {
                    PoolEvent::Partial { id, .. } => id.npc,
                    PoolEvent::Completed(c) => c.id.npc,
                };
                if let Some(tx) = self.lock_routes().get(&npc) {
                    let _ = tx.send(ev);
                }
            }
            let mut old = self.to_forget.lock().unwrap_or_else(|e| e.into_inner());
            while old
                .front()
                .is_some_and(|(t, _, _)| t.elapsed() > FORGET_AFTER)
            {
                if let Some((_, lane, npc)) = old.pop_front() {
                    models.pool.forget(lane, npc);
                }
            }
        }
    }
}

/// One request's job on a lane. Dropping it before the job ended cancels the job (a client that
/// disconnects stops its reply within a token).
pub(crate) struct Ticket {
    shared: Arc<Shared>,
    lane: Lane,
    npc: u64,
    rx: UnboundedReceiver<PoolEvent>,
    ended: bool,
}

impl Ticket {
    /// The next event of this job (`None` if the pool went away).
    pub(crate) async fn next(&mut self) -> Option<PoolEvent> {
        let ev = self.rx.recv().await;
        if matches!(ev, Some(PoolEvent::Completed(_)) | None) {
            self.ended = true;
        }
        ev
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.shared.lock_routes().remove(&self.npc);
        let Some(models) = self.shared.models.get() else {
            return;
        };
        if self.ended {
            models.pool.forget(self.lane, self.npc);
        } else {
            models.pool.cancel(self.lane, self.npc);
            let mut later = self
                .shared
                .to_forget
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            later.push_back((Instant::now(), self.lane, self.npc));
        }
    }
}
