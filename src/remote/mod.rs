//! Talking to an OpenAI-compatible server over HTTP (ours or another): a small blocking client
//! with JSON requests and streamed chat (server-sent events), and the dialogue and emotion lanes
//! served by such a server (`--remote URL`). Plain HTTP only: a server reached
//! over a network belongs behind a TLS proxy. No Bevy; callers run it off the frame.

mod client;
mod lanes;

pub use client::{Client, ClientError, StreamEnd};
pub use lanes::{
    RemoteDialogue, RemoteDialogueBackend, RemoteEmotionBackend, RemoteOptions, factories,
};
