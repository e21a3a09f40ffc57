//! npc_minds' CPU arithmetic (the dialogue model's, the sentence encoder's and the decision policy's), kept in its own crate so that it is always built optimised
//! (the game's dev build included) and stays free of candle and Bevy types.
//!
//! - [`blocks`]: the packed weight blocks (scales already `f32`) and the quantized activations.
//! - [`dot`]: block dot products with a scalar path and an AVX2 path chosen at run time.
//! - [`matmul`]: a quantized matrix and the parallel matrix products of a layer.
//! - [`tiled`]: Q4_1 and Q8_0 weights repacked in tiles of sixteen rows for the AVX-512 VNNI kernel.
//! - [`attention`]: causal attention with grouped KV heads over each sequence's cache (keys in
//!   transposed tiles).
//! - [`ops`]: RMSNorm, rotary embedding, SwiGLU.
//! - [`simd`]: vector pieces the kernels share (`exp`).
//! - [`dense`]: float fully connected layers for small networks (the decision policy).
//! - [`encoder`]: the sentence encoder's float layers, attention and LayerNorm.

pub mod attention;
pub mod blocks;
pub mod dense;
pub mod dot;
pub mod encoder;
pub mod matmul;
pub mod ops;
pub mod simd;
pub mod tiled;

pub use blocks::{ActBlock, Q8Block, Q41Block, QK};
pub use dot::Kernel;
pub use matmul::QMatrix;
