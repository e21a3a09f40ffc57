//! `npc-minds serve`: runs the model service until stopped (Ctrl-C). Loopback only unless `--addr`
//! says otherwise; `--api-key-file` makes every route but `/health` need the key.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::serve::{Limits, LoadOptions, ServeOptions, Server};

/// Arguments of `npc-minds serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default; 0.0.0.0:8080 serves the network).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) addr: SocketAddr,
    /// A file holding the API key clients must send as `Authorization: Bearer KEY`.
    #[arg(long, value_name = "FILE")]
    pub(crate) api_key_file: Option<PathBuf>,
    /// Threads of each language model (the open-chat batcher's and the villagers').
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Chat requests that may wait for the batcher; more get 429.
    #[arg(long, default_value_t = 64)]
    pub(crate) max_queue: usize,
    /// Conversations decoded together in one step.
    #[arg(long, default_value_t = 32)]
    pub(crate) max_batch: usize,
    /// Most tokens a reply may have (a request asking for more gets this many).
    #[arg(long, default_value_t = 256)]
    pub(crate) max_tokens: usize,
    /// Each request's deadline, in seconds.
    #[arg(long, default_value_t = 120)]
    pub(crate) timeout_secs: u64,
    /// Weights of the policy network (the utility AI decides when they cannot be loaded).
    #[arg(long, default_value = "models/policy.safetensors")]
    pub(crate) policy_file: PathBuf,
    /// Folder of the cast (the villagers `npc:NAME` answers as).
    #[arg(long, default_value = "assets/npcs")]
    pub(crate) npc_dir: PathBuf,
    /// Folder of modded NPCs.
    #[arg(long, default_value = "mods")]
    pub(crate) mods: PathBuf,
}

impl ServeArgs {
    /// The options these arguments ask for (the key read from its file).
    pub(crate) fn options(&self) -> anyhow::Result<ServeOptions> {
        let api_key = match &self.api_key_file {
            None => None,
            Some(f) => {
                let key = std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read the API key file {}", f.display()))?;
                let key = key.trim().to_string();
                anyhow::ensure!(!key.is_empty(), "the API key file {} is empty", f.display());
                Some(key)
            }
        };
        anyhow::ensure!(self.max_tokens >= 1, "--max-tokens must be at least 1");
        anyhow::ensure!(self.timeout_secs >= 1, "--timeout-secs must be at least 1");
        Ok(ServeOptions {
            addr: self.addr,
            limits: Limits {
                api_key,
                max_tokens: self.max_tokens,
                timeout: Duration::from_secs(self.timeout_secs),
                max_queue: self.max_queue.max(1),
                max_batch: self.max_batch.max(1),
                max_body: 1 << 20,
            },
            load: LoadOptions {
                threads: self.threads.max(1),
                policy_file: self.policy_file.clone(),
            },
            http_threads: 1,
        })
    }
}

/// `npc-minds serve`.
pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let o = a.options()?;
    anyhow::ensure!(
        a.npc_dir.is_dir(),
        "no villagers: {} is not a folder (run npc-minds from the project folder, or pass --npc-dir)",
        a.npc_dir.display()
    );
    if !o.addr.ip().is_loopback() && o.limits.api_key.is_none() {
        eprintln!(
            "warning: serving {} to the network without --api-key-file: anyone who reaches it can \
             use the models",
            o.addr
        );
    }
    let keyed = o.limits.api_key.is_some();
    let server = Server::start(o, &a.npc_dir, &a.mods, |l| eprintln!("{l}"))
        .with_context(|| format!("cannot listen on {}", a.addr))?;
    eprintln!(
        "serving on http://{} ({}); models load now, GET /health says when they are ready",
        server.addr(),
        if keyed {
            "API key required"
        } else {
            "no API key"
        }
    );
    server.wait().context("the HTTP server stopped")?;
    Ok(ExitCode::SUCCESS)
}
