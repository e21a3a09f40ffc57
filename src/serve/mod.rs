//! `npc-minds serve`: the models as an HTTP service in OpenAI's shape, so that any program (an
//! engine, a script, another language) can use them, and many players can share one server.
//!
//! axum on tokio in threads of its own, bridged to the worker pool through the pool's channels:
//! villagers (`npc:NAME`) answer on the dialogue lane with the grounded dialogue, `/v1/emotions`
//! and `/v1/decisions` use the emotion and policy lanes, open chat decodes on the batcher
//! (continuous batching), embeddings come from the sentence encoder. No Bevy. `error` shapes every
//! failure, `guard` checks keys and counts, `state` holds what requests share, `load` loads models.

mod chat;
mod decide;
mod embed;
pub mod error;
mod guard;
mod info;
mod load;
mod metrics;
mod state;

pub(crate) use load::{LoadOptions, load_sized};
pub(crate) use state::Limits;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::routing::{get, post};
use tokio::sync::oneshot;

use self::error::ApiError;
use self::state::Shared;
use crate::config::DEFAULT_CASE;
use crate::config::files::load_story;
use crate::ml::dialogue::request::world_names;

/// The open-chat model's id.
pub(crate) const CHAT_MODEL: &str = "smollm2-135m-instruct";
/// The sentence encoder's id.
pub(crate) const EMBED_MODEL: &str = "all-minilm-l6-v2";
/// The emotion classifier's id.
pub(crate) const EMOTION_MODEL: &str = "npc-minds-emotion";
/// The decision policy's id.
pub(crate) const POLICY_MODEL: &str = "npc-minds-policy";

/// Reads a JSON body: 413 over the limit, 400 when it is not the JSON asked for.
pub(crate) fn body<T: serde::de::DeserializeOwned>(
    b: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<T, ApiError> {
    match b {
        Ok(bytes) => error::parse(&bytes),
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::too_large(limit)),
        Err(r) => Err(ApiError::bad_request("invalid_body", r.body_text())),
    }
}

/// Seconds since 1970, as OpenAI's `created`.
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Everything `serve` needs.
#[derive(Clone, Debug)]
pub(crate) struct ServeOptions {
    pub(crate) addr: SocketAddr,
    pub(crate) limits: Limits,
    pub(crate) load: LoadOptions,
    /// Threads of the HTTP runtime.
    pub(crate) http_threads: usize,
}

/// A running service. Dropping it (or [`Server::stop`]) stops it.
pub(crate) struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    http: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Binds `o.addr` now (an error if it is taken) and serves at once; the models load on a
    /// thread meanwhile (`/health` answers 503 until they are ready). `cast_dir`/`mods` hold
    /// the villagers; `log` sees loading progress.
    pub(crate) fn start(
        o: ServeOptions,
        cast_dir: &Path,
        mods: &Path,
        log: impl Fn(&str) + Send + Sync + 'static,
    ) -> std::io::Result<Server> {
        let story = load_story(cast_dir, mods, DEFAULT_CASE);
        let (cast, problems) = (story.cast, story.problems);
        for p in &problems {
            log(&format!("warning: {p}"));
        }
        if cast.is_empty() {
            log(&format!(
                "warning: no villagers in {}; npc:NAME models are unavailable",
                cast_dir.display()
            ));
        }
        let world = world_names(&cast, story.case.as_ref());
        let shared = Arc::new(Shared::new(o.limits.clone(), cast, world));
        let listener = std::net::TcpListener::bind(o.addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;

        let loader = shared.clone();
        let load = o.load.clone();
        std::thread::Builder::new()
            .name("npc-serve-load".into())
            .spawn(move || {
                let result = load::load(&loader, &load, &mut |l| log(l));
                match result {
                    Ok(models) => {
                        let _ = loader.models.set(models);
                        log("models ready");
                        loader.route_events();
                    }
                    Err(e) => {
                        log(&format!("error: the models could not be loaded: {e}"));
                        let _ = loader.load_error.set(e.to_string());
                    }
                }
            })?;

        let app = router(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let threads = o.http_threads.max(1);
        let http = std::thread::Builder::new()
            .name("npc-serve-http".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(threads)
                    .thread_name("npc-serve-io")
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    axum::serve(listener, app)
                        .with_graceful_shutdown(async {
                            let _ = rx.await;
                        })
                        .await
                })
            })?;
        Ok(Server {
            addr,
            shared,
            shutdown: Some(tx),
            http: Some(http),
        })
    }

    /// The address it listens on (the port the system chose when asked for port 0).
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// True once the models are loaded.
    pub(crate) fn ready(&self) -> bool {
        self.shared.models.get().is_some()
    }

    /// Why the models could not be loaded, if they could not.
    pub(crate) fn load_error(&self) -> Option<&str> {
        self.shared.load_error.get().map(String::as_str)
    }

    /// Serves until the HTTP runtime ends (an I/O error), or forever.
    pub(crate) fn wait(mut self) -> std::io::Result<()> {
        match self.http.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(std::io::Error::other("the HTTP thread panicked")),
            None => Ok(()),
        }
    }

    /// Stops serving: open connections finish, then the threads end.
    pub(crate) fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.http.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.halt();
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let limit = shared.limits.max_body;
    Router::new()
        .route("/v1/chat/completions", post(chat::completions))
        .route("/v1/embeddings", post(embed::embeddings))
        .route("/v1/emotions", post(embed::emotions))
        .route("/v1/decisions", post(decide::decisions))
        .route("/v1/models", get(info::models))
        .route("/health", get(info::health))
        .route("/metrics", get(info::metrics))
        .fallback(guard::no_route)
        .method_not_allowed_fallback(guard::wrong_method)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            guard::guard,
        ))
        .with_state(shared)
}
