//! Reading a llama-family GGUF into our packed layout: each tensor's raw blocks are read once and
//! repacked (scales to `f32`); Q4_0 becomes Q4_1 (`m = -8d`), float matrices are quantized to
//! Q8_0, Q8_0 and Q4_1 keep their values exactly. candle's GGUF reader supplies the header only.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use candle_core::quantized::GgmlDType;
use candle_core::quantized::gguf_file::Content;
use npc_kernels::blocks::{Q8Block, Q41Block, QK, f16_bits_to_f32};
use npc_kernels::matmul::{Packed, QMatrix};

use super::error::LmError;
use super::{Config, Layer, Llama};

fn err(path: &Path, message: impl std::fmt::Display) -> LmError {
    LmError::Load {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

struct Reader<'a, R> {
    ct: &'a Content,
    r: &'a mut R,
    path: &'a Path,
}

impl<R: Read + Seek> Reader<'_, R> {
    /// The tensor's dtype, (rows, cols) and raw bytes.
    fn raw(&mut self, name: &str) -> Result<(GgmlDType, usize, usize, Vec<u8>), LmError> {
        let info = self
            .ct
            .tensor_infos
            .get(name)
            .ok_or_else(|| err(self.path, format!("tensor {name} is missing")))?;
        let dims = info.shape.dims();
        let cols = *dims.last().unwrap_or(&1);
        let rows = info.shape.elem_count() / cols.max(1);
        let dt = info.ggml_dtype;
        let bytes = info.shape.elem_count() / dt.block_size() * dt.type_size();
        let mut buf = vec![0u8; bytes];
        self.r
            .seek(SeekFrom::Start(self.ct.tensor_data_offset + info.offset))
            .and_then(|_| self.r.read_exact(&mut buf))
            .map_err(|e| err(self.path, format!("reading {name}: {e}")))?;
        Ok((dt, rows, cols, buf))
    }

    /// A vector of floats (norm weights).
    fn vector(&mut self, name: &str) -> Result<Vec<f32>, LmError> {
        let (dt, _, _, buf) = self.raw(name)?;
        match dt {
            GgmlDType::F32 => Ok(floats(&buf)),
            GgmlDType::F16 => Ok(halves(&buf)),
            other => Err(err(
                self.path,
                format!("{name}: {other:?} is not a float vector"),
            )),
        }
    }

    /// A weight matrix in a packed format.
    fn matrix(&mut self, name: &str) -> Result<QMatrix, LmError> {
        let (dt, rows, cols, buf) = self.raw(name)?;
        let packed = match dt {
            GgmlDType::Q8_0 => Packed::Q8(
                buf.chunks_exact(34)
                    .map(|b| Q8Block {
                        d: f16_bits_to_f32(u16::from_le_bytes([b[0], b[1]])),
                        qs: std::array::from_fn(|i| b[2 + i] as i8),
                    })
                    .collect(),
            ),
            GgmlDType::Q4_1 => Packed::Q41(
                buf.chunks_exact(20)
                    .map(|b| Q41Block {
                        d: f16_bits_to_f32(u16::from_le_bytes([b[0], b[1]])),
                        m: f16_bits_to_f32(u16::from_le_bytes([b[2], b[3]])),
                        qs: std::array::from_fn(|i| b[4 + i]),
                    })
                    .collect(),
            ),
            GgmlDType::Q4_0 => Packed::Q41(
                buf.chunks_exact(18)
                    .map(|b| {
                        let d = f16_bits_to_f32(u16::from_le_bytes([b[0], b[1]]));
                        Q41Block {
                            d,
                            m: -8.0 * d,
                            qs: std::array::from_fn(|i| b[2 + i]),
                        }
                    })
                    .collect(),
            ),
            GgmlDType::F32 | GgmlDType::F16 => {
                let v = if dt == GgmlDType::F32 {
                    floats(&buf)
                } else {
                    halves(&buf)
                };
                Packed::Q8(v.chunks_exact(QK).map(Q8Block::quantize).collect())
            }
            other => {
                return Err(err(
                    self.path,
                    format!("{name}: weights of type {other:?} are not supported"),
                ));
            }
        };
        QMatrix::new(rows, cols, packed).map_err(|e| err(self.path, format!("{name}: {e}")))
    }
}

fn floats(buf: &[u8]) -> Vec<f32> {
    buf.chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn halves(buf: &[u8]) -> Vec<f32> {
    buf.chunks_exact(2)
        .map(|b| f16_bits_to_f32(u16::from_le_bytes([b[0], b[1]])))
        .collect()
}

fn meta_u(ct: &Content, path: &Path, key: &str) -> Result<usize, LmError> {
    ct.metadata
        .get(key)
        .and_then(|v| v.to_u32().ok())
        .map(|v| v as usize)
        .ok_or_else(|| err(path, format!("metadata {key} is missing")))
}

fn meta_f(ct: &Content, path: &Path, key: &str, default: Option<f32>) -> Result<f32, LmError> {
    match ct.metadata.get(key).and_then(|v| v.to_f32().ok()) {
        Some(v) => Ok(v),
        None => default.ok_or_else(|| err(path, format!("metadata {key} is missing"))),
    }
}

/// Reads the model in `ct` (already parsed from `path`) through `r`.
pub(crate) fn read<R: Read + Seek>(ct: &Content, r: &mut R, path: &Path) -> Result<Llama, LmError> {
    let arch = ct
        .metadata
        .get("general.architecture")
        .and_then(|v| v.to_string().ok())
        .cloned()
        .unwrap_or_default();
    if arch != "llama" {
        return Err(err(
            path,
            format!("architecture {arch:?} is not a llama-family model"),
        ));
    }
    let dim = meta_u(ct, path, "llama.embedding_length")?;
    let heads = meta_u(ct, path, "llama.attention.head_count")?;
    let cfg = Config {
        layers: meta_u(ct, path, "llama.block_count")?,
        dim,
        hidden: meta_u(ct, path, "llama.feed_forward_length")?,
        heads,
        kv_heads: meta_u(ct, path, "llama.attention.head_count_kv").unwrap_or(heads),
        head_dim: dim / heads.max(1),
        rope_base: meta_f(ct, path, "llama.rope.freq_base", Some(10_000.0))?,
        eps: meta_f(ct, path, "llama.attention.layer_norm_rms_epsilon", None)?,
        context: meta_u(ct, path, "llama.context_length").unwrap_or(4096),
    };
    if cfg.heads == 0
        || cfg.kv_heads == 0
        || !cfg.heads.is_multiple_of(cfg.kv_heads)
        || !dim.is_multiple_of(heads)
    {
        return Err(err(path, format!("inconsistent attention shape {cfg:?}")));
    }
    let mut rd = Reader { ct, r, path };
    let embed = rd.matrix("token_embd.weight")?;
    let output = if ct.tensor_infos.contains_key("output.weight") {
        Some(rd.matrix("output.weight")?)
    } else {
        None
    };
    let norm = rd.vector("output_norm.weight")?;
    let mut layers = Vec::with_capacity(cfg.layers);
    for i in 0..cfg.layers {
        let p = |n: &str| format!("blk.{i}.{n}.weight");
        layers.push(Layer {
            attn_norm: rd.vector(&p("attn_norm"))?,
            q: rd.matrix(&p("attn_q"))?,
            k: rd.matrix(&p("attn_k"))?,
            v: rd.matrix(&p("attn_v"))?,
            o: rd.matrix(&p("attn_output"))?,
            ffn_norm: rd.vector(&p("ffn_norm"))?,
            gate: rd.matrix(&p("ffn_gate"))?,
            up: rd.matrix(&p("ffn_up"))?,
            down: rd.matrix(&p("ffn_down"))?,
        });
    }
    Llama::new(cfg, embed, output, norm, layers).map_err(|m| err(path, m))
}
