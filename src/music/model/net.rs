//! The music model: a GRU over the interleaved four-voice events of [`crate::music::events`],
//! conditioned at every token on the voice, the position in the bar, the mode and the bar's
//! density and register classes (embeddings added to the previous token's). Saved as safetensors with metadata
//! that says what it was trained for, checked at load.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Embedding, Linear, VarBuilder, VarMap};

use crate::ml::weights::{self, TrainedError};
use crate::music::events::{
    Classes, Conditions, DENSITIES, MAX_BAR_STEPS, REGISTERS, VOCAB, VOICES,
};

/// Identifies the file format in the metadata.
pub(crate) const FORMAT: &str = "npc-minds-music/2";
const RETRAIN: &str = "retrain it with `npc-minds train-music`";

/// Sizes of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub(crate) embed: usize,
    pub hidden: usize,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            embed: 64,
            hidden: 192,
        }
    }
}

/// The network.
pub struct MusicNet {
    token: Embedding,
    voice: Embedding,
    position: Embedding,
    mode: Embedding,
    density: Embedding,
    register: Embedding,
    input: Linear,
    recurrent: Linear,
    out: Linear,
    pub shape: Shape,
    /// Where bar densities and registers split into classes (from the training set).
    pub classes: Classes,
}

/// Conditions as four index tensors of the same shape as the tokens.
pub(crate) struct CondTensors {
    pub(crate) voice: Tensor,
    pub(crate) position: Tensor,
    pub(crate) mode: Tensor,
    pub(crate) density: Tensor,
    pub(crate) register: Tensor,
}

impl MusicNet {
    /// A fresh network whose variables live in `vars` (for training).
    pub(crate) fn new(vars: &VarMap, shape: Shape, classes: Classes) -> candle_core::Result<Self> {
        let vb = VarBuilder::from_varmap(vars, DType::F32, &Device::Cpu);
        Self::build(vb, shape, classes)
    }

    fn build(vb: VarBuilder, shape: Shape, classes: Classes) -> candle_core::Result<Self> {
        let (e, h) = (shape.embed, shape.hidden);
        Ok(MusicNet {
            token: candle_nn::embedding(VOCAB, e, vb.pp("token"))?,
            voice: candle_nn::embedding(VOICES, e, vb.pp("voice"))?,
            position: candle_nn::embedding(MAX_BAR_STEPS, e, vb.pp("position"))?,
            mode: candle_nn::embedding(2, e, vb.pp("mode"))?,
            density: candle_nn::embedding(DENSITIES, e, vb.pp("density"))?,
            register: candle_nn::embedding(REGISTERS, e, vb.pp("register"))?,
            input: candle_nn::linear(e, 3 * h, vb.pp("gru_input"))?,
            recurrent: candle_nn::linear(h, 3 * h, vb.pp("gru_recurrent"))?,
            out: candle_nn::linear(h, VOCAB, vb.pp("out"))?,
            shape,
            classes,
        })
    }

    /// A zero state for `batch` sequences.
    pub(crate) fn zero_state(&self, batch: usize) -> candle_core::Result<Tensor> {
        Tensor::zeros((batch, self.shape.hidden), DType::F32, &Device::Cpu)
    }

    /// The input projection (batch, 3·hidden) of previous tokens and conditions, all (batch,) u32.
    fn inputs(&self, tokens: &Tensor, c: &CondTensors) -> candle_core::Result<Tensor> {
        let x = (self.token.forward(tokens)?
            + self.voice.forward(&c.voice)?
            + self.position.forward(&c.position)?
            + self.mode.forward(&c.mode)?
            + self.density.forward(&c.density)?
            + self.register.forward(&c.register)?)?;
        self.input.forward(&x)
    }

    /// One GRU step from the input projection `xi` (batch, 3·hidden) and state `h`.
    fn cell(&self, xi: &Tensor, h: &Tensor) -> candle_core::Result<Tensor> {
        let hd = self.shape.hidden;
        let gh = self.recurrent.forward(h)?;
        let r = candle_nn::ops::sigmoid(&(xi.narrow(1, 0, hd)? + gh.narrow(1, 0, hd)?)?)?;
        let z = candle_nn::ops::sigmoid(&(xi.narrow(1, hd, hd)? + gh.narrow(1, hd, hd)?)?)?;
        let n = (xi.narrow(1, 2 * hd, hd)? + (r * gh.narrow(1, 2 * hd, hd)?)?)?.tanh()?;
        // h' = (1 - z)·n + z·h = n + z·(h - n)
        &n + (z * (h - &n)?)?
    }

    /// Logits (batch, time, vocab) for every position and the final state. `tokens` are the
    /// previous tokens, `c` the conditions of the tokens to predict, all (batch, time) u32; `h`
    /// the starting state.
    pub(crate) fn forward(
        &self,
        tokens: &Tensor,
        c: &CondTensors,
        h: &Tensor,
    ) -> candle_core::Result<(Tensor, Tensor)> {
        // Time-major index tensors, taken apart per step: slicing the step's inputs out of one
        // big projected tensor instead would make the backward pass build a zero-padded gradient
        // of the whole tensor at every step.
        let by_step = |t: &Tensor| t.t()?.contiguous();
        let (tokens, voice, position, mode, density, register) = (
            by_step(tokens)?,
            by_step(&c.voice)?,
            by_step(&c.position)?,
            by_step(&c.mode)?,
            by_step(&c.density)?,
            by_step(&c.register)?,
        );
        let steps = tokens.dim(0)?;
        let mut h = h.clone();
        let mut states = Vec::with_capacity(steps);
        for t in 0..steps {
            let ct = CondTensors {
                voice: voice.get(t)?,
                position: position.get(t)?,
                mode: mode.get(t)?,
                density: density.get(t)?,
                register: register.get(t)?,
            };
            let xi = self.inputs(&tokens.get(t)?, &ct)?;
            h = self.cell(&xi, &h)?;
            states.push(h.clone());
        }
        let hs = Tensor::stack(&states, 1)?;
        Ok((self.out.forward(&hs)?, h))
    }

    /// The next token's logits (vocab) for one sequence, given the previous token and the
    /// conditions of the one to predict, and the new state.
    pub(crate) fn step(
        &self,
        token: u16,
        c: Conditions,
        h: &Tensor,
    ) -> candle_core::Result<(Vec<f32>, Tensor)> {
        let one = |v: u32| Tensor::new(&[v], &Device::Cpu);
        let c = CondTensors {
            voice: one(u32::from(c.voice))?,
            position: one(u32::from(c.position))?,
            mode: one(u32::from(c.major))?,
            density: one(u32::from(c.density))?,
            register: one(u32::from(c.register))?,
        };
        let xi = self.inputs(&one(u32::from(token))?, &c)?;
        let h = self.cell(&xi, h)?;
        let logits = self.out.forward(&h)?.squeeze(0)?.to_vec1()?;
        Ok((logits, h))
    }

    /// Reads a trained network.
    pub fn load(path: &Path) -> Result<Self, TrainedError> {
        let (bytes, meta) = weights::read(path)?;
        let m = weights::Metadata {
            path,
            meta: &meta,
            fix: RETRAIN,
        };
        if m.get("format")? != FORMAT {
            return Err(m.mismatch(format!("format is not {FORMAT}")));
        }
        if m.num::<usize>("vocab")? != VOCAB {
            return Err(m.mismatch(format!("its vocabulary is not {VOCAB} events")));
        }
        let shape = Shape {
            embed: m.num("embed")?,
            hidden: m.num("hidden")?,
        };
        let classes = Classes {
            density: [m.num("density_low")?, m.num("density_high")?],
            register: [m.num("register_low")?, m.num("register_high")?],
        };
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &Device::Cpu)
            .map_err(|e| m.mismatch(e))?;
        Self::build(vb, shape, classes).map_err(|e| m.mismatch(e))
    }

    /// Writes the weights with their metadata and `notes`.
    pub(crate) fn save(&self, path: &Path, notes: &[(String, String)]) -> Result<(), TrainedError> {
        let mut meta: HashMap<String, String> = notes.iter().cloned().collect();
        meta.insert("format".into(), FORMAT.into());
        meta.insert("vocab".into(), VOCAB.to_string());
        meta.insert("embed".into(), self.shape.embed.to_string());
        meta.insert("hidden".into(), self.shape.hidden.to_string());
        meta.insert("density_low".into(), self.classes.density[0].to_string());
        meta.insert("density_high".into(), self.classes.density[1].to_string());
        meta.insert("register_low".into(), self.classes.register[0].to_string());
        meta.insert("register_high".into(), self.classes.register[1].to_string());
        let mut tensors = weights::linear_tensors(&[
            ("gru_input", &self.input),
            ("gru_recurrent", &self.recurrent),
            ("out", &self.out),
        ]);
        for (name, e) in [
            ("token", &self.token),
            ("voice", &self.voice),
            ("position", &self.position),
            ("mode", &self.mode),
            ("density", &self.density),
            ("register", &self.register),
        ] {
            tensors.push((format!("{name}.weight"), e.embeddings().clone()));
        }
        Ok(weights::write(path, tensors, meta)?)
    }
}
