//! Our own forward pass of a BERT sentence encoder (all-MiniLM-L6-v2) on `npc_kernels`: weights
//! repacked once at load, the token rows of every text in a batch laid one after another with no
//! padding (attention stays inside each text's span), bias and GELU fused into the layers, then mean
//! pooling and L2 normalisation. candle is used only to read the safetensors file.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use candle_core::{Device, Tensor};
use candle_transformers::models::bert::{Config, HiddenAct};
use npc_kernels::Kernel;
use npc_kernels::encoder::attention::{Heads, attend};
use npc_kernels::encoder::linear::{Act, Linear};
use npc_kernels::encoder::norm::add_layer_norm;

use super::{EncoderError, load_err};

/// A LayerNorm's scale and shift.
struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct Layer {
    /// Query, key and value in one `3·hidden × hidden` layer.
    qkv: Linear,
    attn_out: Linear,
    attn_norm: Norm,
    up: Linear,
    down: Linear,
    out_norm: Norm,
}

pub(crate) struct Bert {
    kernel: Kernel,
    hidden: usize,
    heads: Heads,
    eps: f32,
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    embed_norm: Norm,
    layers: Vec<Layer>,
}

/// The tensors of a safetensors file by name, the `bert.` prefix some exports add taken off.
struct Tensors {
    map: HashMap<String, Tensor>,
}

impl Tensors {
    fn get(&self, name: &str, len: usize) -> Result<Vec<f32>, String> {
        let t = self
            .map
            .get(name)
            .or_else(|| self.map.get(&format!("bert.{name}")))
            .ok_or_else(|| format!("no tensor {name}"))?;
        let v = t
            .flatten_all()
            .and_then(|t| t.to_dtype(candle_core::DType::F32))
            .and_then(|t| t.to_vec1::<f32>())
            .map_err(|e| format!("{name}: {e}"))?;
        if v.len() != len {
            return Err(format!(
                "{name} holds {} values, the config says {len}",
                v.len()
            ));
        }
        Ok(v)
    }

    fn linear(&self, name: &str, inputs: usize, outputs: usize) -> Result<Linear, String> {
        let w = self.get(&format!("{name}.weight"), inputs * outputs)?;
        let b = self.get(&format!("{name}.bias"), outputs)?;
        Linear::new(inputs, outputs, &w, &b).map_err(|e| format!("{name}: {}", e.0))
    }

    fn norm(&self, name: &str, d: usize) -> Result<Norm, String> {
        Ok(Norm {
            gamma: self.get(&format!("{name}.weight"), d)?,
            beta: self.get(&format!("{name}.bias"), d)?,
        })
    }
}

impl Bert {
    /// Whether our forward pass computes this configuration (BERT with the erf GELU and absolute
    /// positions); otherwise candle's runs it.
    pub(crate) fn supports(config: &Config) -> bool {
        matches!(config.hidden_act, HiddenAct::Gelu)
            && config.num_attention_heads > 0
            && config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
    }

    pub(crate) fn load(
        config: &Config,
        weights: &[u8],
        path: &Path,
        kernel: Kernel,
    ) -> Result<Self, EncoderError> {
        let map = candle_core::safetensors::load_buffer(weights, &Device::Cpu)
            .map_err(|e| load_err(path, e))?;
        Self::from_tensors(config, &Tensors { map }, kernel).map_err(|e| load_err(path, e))
    }

    fn from_tensors(c: &Config, t: &Tensors, kernel: Kernel) -> Result<Self, String> {
        let (h, i) = (c.hidden_size, c.intermediate_size);
        let mut layers = Vec::with_capacity(c.num_hidden_layers);
        for l in 0..c.num_hidden_layers {
            let p = format!("encoder.layer.{l}");
            let mut w = Vec::with_capacity(3 * h * h);
            let mut b = Vec::with_capacity(3 * h);
            for part in ["query", "key", "value"] {
                w.extend(t.get(&format!("{p}.attention.self.{part}.weight"), h * h)?);
                b.extend(t.get(&format!("{p}.attention.self.{part}.bias"), h)?);
            }
            layers.push(Layer {
                qkv: Linear::new(h, 3 * h, &w, &b).map_err(|e| e.0)?,
                attn_out: t.linear(&format!("{p}.attention.output.dense"), h, h)?,
                attn_norm: t.norm(&format!("{p}.attention.output.LayerNorm"), h)?,
                up: t.linear(&format!("{p}.intermediate.dense"), h, i)?,
                down: t.linear(&format!("{p}.output.dense"), i, h)?,
                out_norm: t.norm(&format!("{p}.output.LayerNorm"), h)?,
            });
        }
        Ok(Bert {
            kernel,
            hidden: h,
            heads: Heads {
                heads: c.num_attention_heads,
                head_dim: h / c.num_attention_heads,
            },
            eps: c.layer_norm_eps as f32,
            word: t.get("embeddings.word_embeddings.weight", c.vocab_size * h)?,
            position: t.get(
                "embeddings.position_embeddings.weight",
                c.max_position_embeddings * h,
            )?,
            token_type: t.get(
                "embeddings.token_type_embeddings.weight",
                c.type_vocab_size * h,
            )?,
            embed_norm: t.norm("embeddings.LayerNorm", h)?,
            layers,
        })
    }

    /// One unit-length, mean-pooled embedding per text (`(ids, type ids)`), all texts in one pass.
    pub(crate) fn embed(&self, texts: &[(&[u32], &[u32])]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let h = self.hidden;
        let mut spans: Vec<Range<usize>> = Vec::with_capacity(texts.len());
        let mut x = Vec::new();
        for (ids, types) in texts {
            let start = spans.last().map_or(0, |s| s.end);
            spans.push(start..start + ids.len());
            for (p, (&id, &ty)) in ids.iter().zip(types.iter()).enumerate() {
                let (w, pos, ty) = (
                    table_row(&self.word, h, id as usize, "token")?,
                    table_row(&self.position, h, p, "position")?,
                    table_row(&self.token_type, h, ty as usize, "token type")?,
                );
                x.extend(w.iter().zip(pos).zip(ty).map(|((a, b), c)| a + b + c));
            }
        }
        let rows = x.len() / h;
        let k = self.kernel;
        add_layer_norm(
            k,
            &mut x,
            &[],
            &self.embed_norm.gamma,
            &self.embed_norm.beta,
            self.eps,
        );
        let mut qkv = vec![0f32; rows * 3 * h];
        let mut mixed = vec![0f32; rows * h];
        let mut y = vec![0f32; rows * h];
        let mut wide = vec![0f32; rows * self.layers.first().map_or(0, |l| l.up.outputs)];
        for l in &self.layers {
            l.qkv.forward(k, &x, rows, Act::Identity, &mut qkv);
            attend(k, self.heads, &qkv, &spans, &mut mixed);
            l.attn_out.forward(k, &mixed, rows, Act::Identity, &mut y);
            add_layer_norm(
                k,
                &mut y,
                &x,
                &l.attn_norm.gamma,
                &l.attn_norm.beta,
                self.eps,
            );
            std::mem::swap(&mut x, &mut y);
            wide.resize(rows * l.up.outputs, 0.0);
            l.up.forward(k, &x, rows, Act::Gelu, &mut wide);
            l.down.forward(k, &wide, rows, Act::Identity, &mut y);
            add_layer_norm(k, &mut y, &x, &l.out_norm.gamma, &l.out_norm.beta, self.eps);
            std::mem::swap(&mut x, &mut y);
        }
        Ok(spans
            .iter()
            .map(|s| pool(&x[s.start * h..s.end * h], h))
            .collect())
    }
}

/// Row `i` of an embedding table, or a clear error when the input names a row it does not have.
fn table_row<'a>(
    table: &'a [f32],
    h: usize,
    i: usize,
    what: &str,
) -> Result<&'a [f32], EncoderError> {
    table
        .get(i * h..(i + 1) * h)
        .ok_or_else(|| EncoderError::Input(format!("{what} {i} is outside the model's table")))
}

/// The mean of a text's rows, scaled to unit length (zeros for a text with no tokens).
fn pool(rows: &[f32], h: usize) -> Vec<f32> {
    let mut mean = vec![0f32; h];
    let n = rows.len() / h;
    if n == 0 {
        return mean;
    }
    for r in rows.chunks_exact(h) {
        for (m, &v) in mean.iter_mut().zip(r) {
            *m += v;
        }
    }
    for m in mean.iter_mut() {
        *m /= n as f32;
    }
    let norm = mean.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
    for m in mean.iter_mut() {
        *m /= norm;
    }
    mean
}
