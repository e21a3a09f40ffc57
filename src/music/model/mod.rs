//! The music model (candle, no Bevy): the network, its training on the chorales, and the n-gram
//! baseline it is measured against.

pub mod net;
pub mod ngram;
pub mod train;

pub use net::MusicNet;
