//! The float arithmetic of a BERT-style sentence encoder (all-MiniLM-L6-v2): token rows of every
//! sentence in a batch lie one after another, unpadded.
//!
//! - [`linear`]: layers with their weights repacked in panels of 64 outputs (bias and GELU fused).
//! - [`attention`]: every token to every token of its own sentence.
//! - [`norm`]: the residual sum and LayerNorm.
//! - [`gelu`]: GELU with an error function accurate to about 2·10⁻⁷.

pub mod attention;
pub mod gelu;
pub mod linear;
pub mod norm;
