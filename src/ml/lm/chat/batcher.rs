//! The batcher thread: owns a dialogue model, admits queued conversations, then advances every
//! running conversation in one forward step: one token for those decoding, the next piece of the
//! prompt for those just admitted. The weights are read once per step for all of them, and a new
//! conversation's prompt does not stop the others' replies.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError, bounded};

use super::admit::{Admission, admit};
use super::running::{Running, finish, next_token, still_wanted};
use super::{ChatEvent, ChatJob, Finish};
use crate::ml::lm::DialogueModel;
use crate::ml::lm::engine::Sequence;
use crate::ml::lm::llama::LmError;
use candle_core::Tensor;

/// Prompt tokens read per step at most, over all new conversations (oldest first): a step stays
/// short, so that the conversations already decoding keep their pace, and a new conversation's first
/// token does not wait for every other new prompt.
const PROMPT_BUDGET: usize = 64;

/// Prompt tokens read per step when no conversation is decoding (nobody's pace to keep).
const IDLE_PROMPT_BUDGET: usize = 512;

/// How busy the batcher is, for metrics and admission.
#[derive(Default)]
pub struct BatcherLoad {
    /// Conversations decoding now.
    pub(crate) running: AtomicUsize,
    /// Conversations waiting to be admitted.
    pub(crate) queued: AtomicUsize,
    /// Tokens generated since start.
    pub(crate) tokens: AtomicU64,
    /// Tokens fed to steps since start: prompts read, and each generated token fed back.
    pub(crate) fed: AtomicU64,
    /// Microseconds spent in batched decoding steps since start.
    pub(crate) decode_micros: AtomicU64,
    /// The most conversations one step has fed since start.
    pub(crate) peak_batch: AtomicUsize,
}

/// Handle to the batcher thread; dropping it stops the thread (running replies end cancelled).
pub struct Batcher {
    queue: Option<ChatQueue>,
    load: Arc<BatcherLoad>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Where conversations are queued for the batcher; cloned by every thread that submits (the
/// service's handlers, the dialogue lane's workers for villagers).
#[derive(Clone)]
pub struct ChatQueue {
    tx: Sender<ChatJob>,
    load: Arc<BatcherLoad>,
}

impl ChatQueue {
    /// Queues a conversation without blocking; gives it back when the queue is full or the
    /// batcher has stopped.
    pub(crate) fn try_submit(&self, job: ChatJob) -> Result<(), ChatJob> {
        self.load.queued.fetch_add(1, Ordering::Relaxed);
        self.tx.try_send(job).map_err(|e| {
            self.load.queued.fetch_sub(1, Ordering::Relaxed);
            match e {
                TrySendError::Full(j) | TrySendError::Disconnected(j) => j,
            }
        })
    }

    /// Queues a conversation, waiting up to `wait` for room; gives it back when none came.
    pub(crate) fn submit_within(&self, job: ChatJob, wait: Duration) -> Result<(), ChatJob> {
        self.load.queued.fetch_add(1, Ordering::Relaxed);
        self.tx.send_timeout(job, wait).map_err(|e| {
            self.load.queued.fetch_sub(1, Ordering::Relaxed);
            e.into_inner()
        })
    }
}

impl Batcher {
    /// Starts the thread. At most `max_batch` conversations decode together; `queue` more wait.
    pub fn spawn(model: DialogueModel, max_batch: usize, queue: usize) -> Self {
        let (tx, rx) = bounded(queue.max(1));
        let load = Arc::new(BatcherLoad::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (l, s) = (load.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("npc-chat-batcher".into())
            .spawn(move || run(model, rx, max_batch.max(1), &l, &s))
            .expect("spawning the batcher thread");
        Batcher {
            queue: Some(ChatQueue {
                tx,
                load: load.clone(),
            }),
            load,
            stop,
            thread: Some(thread),
        }
    }

    /// Queues a conversation without blocking; gives it back when the queue is full.
    pub fn try_submit(&self, job: ChatJob) -> Result<(), ChatJob> {
        match &self.queue {
            Some(q) => q.try_submit(job),
            None => Err(job),
        }
    }

    /// A queue handle for other threads (`None` only while the batcher is being dropped).
    pub(crate) fn queue(&self) -> Option<ChatQueue> {
        self.queue.clone()
    }

    pub(crate) fn load(&self) -> &BatcherLoad {
        &self.load
    }
}

impl Drop for Batcher {
    fn drop(&mut self) {
        // Clones of the queue may outlive this handle: the flag stops the thread either way.
        self.stop.store(true, Ordering::Relaxed);
        self.queue.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(
    mut model: DialogueModel,
    rx: Receiver<ChatJob>,
    max_batch: usize,
    load: &BatcherLoad,
    stop: &AtomicBool,
) {
    let mut running: Vec<Running> = Vec::new();
    // Conversations waiting for a prefix another one is reading (then served from the cache).
    let mut parked: Vec<ChatJob> = Vec::new();
    loop {
        if stop.load(Ordering::Relaxed) {
            stop_all(running, parked);
            return;
        }
        let admitted = admit_waiting(&mut model, &rx, max_batch, &mut running, &mut parked, load);
        if admitted.is_err() {
            return;
        }
        load.running.store(running.len(), Ordering::Relaxed);
        if running.is_empty() {
            continue;
        }
        let t = Instant::now();
        let feeds = plan_feeds(&running);
        let fed = feeds.iter().filter(|f| !f.is_empty()).count();
        load.peak_batch.fetch_max(fed, Ordering::Relaxed);
        let fed_tokens: usize = feeds.iter().map(Vec::len).sum();
        load.fed.fetch_add(fed_tokens as u64, Ordering::Relaxed);
        let stepped = step(&mut model, &mut running, &feeds);
        load.decode_micros
            .fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
        match stepped {
            Ok(logits) => {
                let (kept, sampled) = apply(&mut model, running, &feeds, logits);
                load.tokens.fetch_add(sampled, Ordering::Relaxed);
                running = kept;
            }
            Err(e) => {
                for mut r in running.drain(..) {
                    r.job.sink.send(ChatEvent::Failed(e.to_string()));
                }
            }
        }
        load.running.store(running.len(), Ordering::Relaxed);
    }
}

/// The batcher stops: running conversations end cancelled, parked ones fail.
fn stop_all(running: Vec<Running>, parked: Vec<ChatJob>) {
    for r in running {
        finish(r, Finish::Cancelled);
    }
    for mut job in parked {
        job.sink
            .send(ChatEvent::Failed("the batcher stopped".into()));
    }
}

/// The queue closed: no conversation will come again.
struct Closed;

/// Admits parked conversations, then new ones, while there is room (waiting for one only when
/// nothing runs).
fn admit_waiting(
    model: &mut DialogueModel,
    rx: &Receiver<ChatJob>,
    max_batch: usize,
    running: &mut Vec<Running>,
    parked: &mut Vec<ChatJob>,
    load: &BatcherLoad,
) -> Result<(), Closed> {
    // Parked conversations count as queued.
    for job in std::mem::take(parked) {
        if running.len() >= max_batch {
            parked.push(job);
            continue;
        }
        load.queued.fetch_sub(1, Ordering::Relaxed);
        offer(model, job, running, parked, load);
    }
    while running.len() < max_batch {
        let next = if running.is_empty() {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(j) => Some(j),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Err(Closed),
            }
        } else {
            match rx.try_recv() {
                Ok(j) => Some(j),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return Err(Closed),
            }
        };
        let Some(job) = next else { break };
        load.queued.fetch_sub(1, Ordering::Relaxed);
        offer(model, job, running, parked, load);
    }
    Ok(())
}

/// What each conversation feeds this step (no model needed): a decoding one its last token; one
/// still reading its next piece while the step's prompt budget lasts (one left without is fed
/// nothing this step), a prefix to cache read up to its end exactly. With no reply decoding there
/// is no pace to keep: prompts are read in larger pieces.
fn plan_feeds(running: &[Running]) -> Vec<Vec<u32>> {
    let decoding = running.iter().any(|r| r.pending.is_empty());
    let mut budget = if decoding {
        PROMPT_BUDGET
    } else {
        IDLE_PROMPT_BUDGET
    };
    running
        .iter()
        .map(|r| match r.pending.len() {
            0 => vec![r.last],
            n => {
                let to_prefix_end = r.to_cache.as_ref().map_or(n, |p| p.len() - r.pos);
                let take = n.min(budget).min(to_prefix_end);
                budget -= take;
                r.pending[..take].to_vec()
            }
        })
        .collect()
}

/// One forward step over every conversation fed something: a row of logits each, in order.
fn step(
    model: &mut DialogueModel,
    running: &mut [Running],
    feeds: &[Vec<u32>],
) -> Result<Vec<Tensor>, LmError> {
    model.on_pool(|m| {
        let mut refs: Vec<&[u32]> = Vec::new();
        let mut positions = Vec::new();
        let mut seqs: Vec<&mut Sequence> = Vec::new();
        for (r, f) in running.iter_mut().zip(feeds) {
            if !f.is_empty() {
                refs.push(f);
                positions.push(r.pos);
                seqs.push(&mut r.seq);
            }
        }
        m.step_feeds(&mut seqs, &refs, &positions)
    })
}

/// The step applied: positions move on, a prefix read to its end is cached, a conversation done
/// reading samples its next token; those finished leave. The ones that go on, and how many tokens
/// were sampled.
fn apply(
    model: &mut DialogueModel,
    running: Vec<Running>,
    feeds: &[Vec<u32>],
    logits: Vec<Tensor>,
) -> (Vec<Running>, u64) {
    let mut kept = Vec::with_capacity(running.len());
    let mut sampled = 0;
    let mut logits = logits.into_iter();
    for (mut r, fed) in running.into_iter().zip(feeds) {
        if fed.is_empty() {
            kept.push(r);
            continue;
        }
        let Some(l) = logits.next() else {
            r.job
                .sink
                .send(ChatEvent::Failed("a step lost its logits".into()));
            continue;
        };
        r.pos += fed.len();
        if r.to_cache.as_ref().is_some_and(|p| p.len() == r.pos)
            && let Some(prefix) = r.to_cache.take()
        {
            model.keep_prefix(&prefix, &r.seq);
        }
        if !r.pending.is_empty() {
            r.pending.drain(..fed.len());
            if !r.pending.is_empty() {
                match still_wanted(&r) {
                    Some(f) => finish(r, f),
                    None => kept.push(r),
                }
                continue;
            }
        }
        sampled += 1;
        match next_token(model, &mut r, &l) {
            Some(f) => finish(r, f),
            None => kept.push(r),
        }
    }
    (kept, sampled)
}

/// Admits `job` into `running`, or parks it (counted as queued again).
fn offer(
    model: &mut DialogueModel,
    job: ChatJob,
    running: &mut Vec<Running>,
    parked: &mut Vec<ChatJob>,
    load: &BatcherLoad,
) {
    match admit(model, job, running) {
        Admission::Run(r) => running.push(*r),
        Admission::Park(j) => {
            load.queued.fetch_add(1, Ordering::Relaxed);
            parked.push(j);
        }
        Admission::Ended => {}
    }
}
