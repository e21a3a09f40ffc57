//! What the binary's subcommands do: each takes its own clap argument struct and hands the work to
//! the library (game, sim, ml), printing results. Errors come back as `anyhow` errors with context;
//! `main` prints them.

pub mod bench;
pub mod cases;
pub mod chat;
pub mod chat_memory;
pub mod check;
pub mod emotion;
pub mod eval;
pub mod eval_memory;
pub mod eval_run;
pub mod eval_talks;
pub mod fetch;
pub mod music;
pub mod play;
pub mod serve;
pub mod sim;
pub mod train_music;
pub mod train_policy;

use std::path::PathBuf;

use clap::ValueEnum;

use crate::remote::RemoteOptions;
use crate::sim::policy::PolicyChoice;

/// `--remote`: the models of an OpenAI-compatible server instead of the ones in this process.
#[derive(Clone, Debug, Default, clap::Args)]
pub(crate) struct RemoteArgs {
    /// Use an OpenAI-compatible server at this base URL (our `serve`, or another) for what
    /// villagers say and, when it has `/v1/emotions`, what they feel.
    #[arg(long, value_name = "URL")]
    pub(crate) remote: Option<String>,
    /// The model to ask for villagers the server does not know (default: the first it lists).
    #[arg(long, value_name = "NAME", requires = "remote")]
    pub(crate) remote_model: Option<String>,
    /// The environment variable holding the server's API key.
    #[arg(long, value_name = "VAR", requires = "remote")]
    pub(crate) api_key_env: Option<String>,
    /// Seconds before a remote call gives up (the villager then answers with a fallback line).
    #[arg(long, default_value_t = 60, requires = "remote")]
    pub(crate) remote_timeout_secs: u64,
}

impl RemoteArgs {
    /// The remote server to use, if any (the key read from its variable).
    pub(crate) fn options(&self) -> anyhow::Result<Option<RemoteOptions>> {
        let Some(url) = &self.remote else {
            return Ok(None);
        };
        anyhow::ensure!(
            url.starts_with("http://"),
            "--remote {url:?}: only plain http:// URLs are supported (put a TLS proxy in front \
             of a server reached over a network)"
        );
        let key = match &self.api_key_env {
            None => None,
            Some(var) => Some(
                std::env::var(var)
                    .map_err(|_| anyhow::anyhow!("--api-key-env {var}: the variable is not set"))?,
            ),
        };
        Ok(Some(RemoteOptions {
            url: url.clone(),
            model: self.remote_model.clone(),
            key,
            timeout: std::time::Duration::from_secs(self.remote_timeout_secs.max(1)),
        }))
    }
}

/// Who decides what villagers do.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum PolicyKind {
    Utility,
    Random,
    Net,
}

/// The decision-policy arguments shared by `play` and `sim`.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct PolicyArgs {
    /// Who decides what villagers do: `play` defaults to the trained network, `sim` to the
    /// utility AI (`net` falls back to the utility AI, saying why, when the weights cannot be
    /// loaded).
    #[arg(long, value_enum)]
    pub(crate) policy: Option<PolicyKind>,
    /// Weights of the policy network.
    #[arg(long, default_value = "models/policy.safetensors")]
    pub(crate) policy_file: PathBuf,
}

impl PolicyArgs {
    /// The choice (`default` when none was given), with `seed` for the random policy.
    pub(crate) fn choice(&self, default: PolicyKind, seed: u64) -> PolicyChoice {
        match self.policy.unwrap_or(default) {
            PolicyKind::Utility => PolicyChoice::Utility,
            PolicyKind::Random => PolicyChoice::Random { seed },
            PolicyKind::Net => PolicyChoice::Net(self.policy_file.clone()),
        }
    }
}
