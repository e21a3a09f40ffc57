//! Talking to an OpenAI-compatible server over HTTP (ours or another): a small blocking client
//! with JSON requests and streamed chat (server-sent events). Plain HTTP only: a server reached
//! over a network belongs behind a TLS proxy. No Bevy; callers run it off the frame.

mod client;

pub use client::{Client, ClientError, StreamEnd};
