//! Admitting a conversation to the batcher: its prompt checked and turned into tokens, then started
//! from the cached system turn, or from the start (the system turn read in the batched steps and
//! cached once its end is reached), or parked while another conversation reads the same turn.

use super::running::Running;
use super::{CONTEXT_TOKENS, ChatEvent, ChatJob, ChatPrompt, Finish, prompt_tokens};
use crate::ml::lm::DialogueModel;
use crate::ml::lm::sample::{Sampler, TokenChoice};

/// What became of a conversation offered to the batcher.
pub(super) enum Admission {
    Run(Box<Running>),
    /// Its system turn is being read by a running conversation: it waits to start from the cache.
    Park(ChatJob),
    /// It ended already (answered, refused, failed, or nobody listens).
    Ended,
}

/// Checks a new conversation's prompt and starts it from the cached system turn when it was seen
/// before; the rest of the prompt (all of it, otherwise) is read by the next steps, beside the
/// others. While another conversation reads the same system turn, it waits for the cache instead.
pub(super) fn admit(model: &mut DialogueModel, job: ChatJob, running: &[Running]) -> Admission {
    match start(model, job, running) {
        Ok(r) => Admission::Run(Box::new(r)),
        Err(Some(job)) => Admission::Park(job),
        Err(None) => Admission::Ended,
    }
}

/// [`admit`]'s work: `Err(Some(job))` to park it, `Err(None)` when it ended.
fn start(
    model: &mut DialogueModel,
    mut job: ChatJob,
    running: &[Running],
) -> Result<Running, Option<ChatJob>> {
    let (prompt, system) = match std::mem::replace(&mut job.prompt, ChatPrompt::Warm(Vec::new())) {
        ChatPrompt::Messages(m) => match prompt_tokens(model, &m) {
            Ok(p) => p,
            Err(e) => {
                job.sink.send(ChatEvent::Failed(e.to_string()));
                return Err(None);
            }
        },
        ChatPrompt::Tokens { ids, cached } => {
            let cached = cached.min(ids.len());
            (ids, cached)
        }
        ChatPrompt::Warm(ids) => {
            warm(model, &ids, job);
            return Err(None);
        }
    };
    if prompt.is_empty() {
        job.sink
            .send(ChatEvent::Failed("the conversation has no tokens".into()));
        return Err(None);
    }
    if prompt.len() + job.params.max_tokens > CONTEXT_TOKENS {
        job.sink.send(ChatEvent::Rejected(format!(
            "the conversation takes {} tokens and max_tokens asks for {} more, over the model's \
             {CONTEXT_TOKENS}; send fewer messages or a lower max_tokens",
            prompt.len(),
            job.params.max_tokens
        )));
        return Err(None);
    }
    if job.sink.closed() {
        return Err(None);
    }
    let p = &job.params;
    let sampler = Sampler::new(p.seed, TokenChoice::new(p.temperature, p.top_p));
    // At least one token is left to read: its logits give the first token.
    let system = system.min(prompt.len() - 1);
    let prefix = &prompt[..system];
    if system > 0
        && running
            .iter()
            .any(|r| r.to_cache.as_deref() == Some(prefix))
    {
        // Parked in tokens, so that its messages are not templated again.
        job.prompt = ChatPrompt::Tokens {
            ids: prompt,
            cached: system,
        };
        return Err(Some(job));
    }
    let (mut seq, pos, to_cache) = match model.cached_prefix(prefix) {
        Some(seq) => (seq, system, None),
        None => (model.start(), 0, (system > 0).then(|| prefix.to_vec())),
    };
    model.reserve(&mut seq, prompt.len() - pos + job.params.max_tokens);
    if !job.sink.send(ChatEvent::Started {
        prompt_tokens: prompt.len(),
    }) {
        return Err(None);
    }
    Ok(Running {
        job,
        seq,
        pos,
        prompt_tokens: prompt.len(),
        last: 0,
        pending: prompt[pos..].to_vec(),
        to_cache,
        generated: Vec::new(),
        sent: 0,
        sampler,
    })
}

/// Reads `prefix` into the prefix cache (nothing when it is there already) and ends the job.
fn warm(model: &mut DialogueModel, prefix: &[u32], mut job: ChatJob) {
    if prefix.is_empty() || prefix.len() >= CONTEXT_TOKENS || job.sink.closed() {
        return;
    }
    let read = model.on_pool(|m| m.model_after_prefix(prefix).map(|_| ()));
    job.sink.send(match read {
        Ok(()) => ChatEvent::Done {
            finish: Finish::Stop,
            prompt_tokens: prefix.len(),
            completion_tokens: 0,
        },
        Err(e) => ChatEvent::Failed(e.to_string()),
    });
}
