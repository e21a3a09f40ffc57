//! The encoder through candle's stock BERT: the reference our own forward pass is compared with, and
//! the path on CPUs without AVX-512. Texts of similar length run together, padded to the longest.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::Encoding;

use super::{EncoderError, load_err};

pub(crate) struct CandleBert {
    model: BertModel,
    pad_id: u32,
}

impl CandleBert {
    pub(crate) fn load(
        config: &Config,
        weights: Vec<u8>,
        path: &Path,
        pad_id: u32,
    ) -> Result<Self, EncoderError> {
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &Device::Cpu)
            .map_err(|e| load_err(path, e))?;
        let model = BertModel::load(vb, config).map_err(|e| load_err(path, e))?;
        Ok(CandleBert { model, pad_id })
    }

    /// One unit-length embedding per encoding. Encodings are sorted by length and run in groups
    /// of similar length, so that short lines are not padded to the longest one in the batch.
    pub(crate) fn embed(&self, enc: &[Encoding]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let mut order: Vec<usize> = (0..enc.len()).collect();
        order.sort_by_key(|&i| enc[i].len());
        let mut out = vec![Vec::new(); enc.len()];
        let mut start = 0;
        while start < order.len() {
            // A group ends where padding would grow its shortest member by more than a quarter.
            let shortest = enc[order[start]].len();
            let end = order[start..]
                .iter()
                .position(|&i| enc[i].len() > shortest + shortest / 4 + 2)
                .map_or(order.len(), |p| start + p);
            let group: Vec<&Encoding> = order[start..end].iter().map(|&i| &enc[i]).collect();
            for (&i, e) in order[start..end].iter().zip(self.forward(&group)?) {
                out[i] = e;
            }
            start = end;
        }
        Ok(out)
    }

    /// Embeds encodings of similar length in one forward pass, padded to the longest.
    fn forward(&self, group: &[&Encoding]) -> Result<Vec<Vec<f32>>, EncoderError> {
        let len = group.iter().map(|e| e.len()).max().unwrap_or(0).max(1);
        let (mut ids, mut types, mut mask) = (Vec::new(), Vec::new(), Vec::new());
        for e in group {
            let pad = len - e.len();
            ids.extend(
                e.get_ids()
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(self.pad_id, pad)),
            );
            types.extend(
                e.get_type_ids()
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(0, pad)),
            );
            mask.extend(
                e.get_attention_mask()
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(0, pad)),
            );
        }
        let shape = (group.len(), len);
        let ids = Tensor::from_vec(ids, shape, &Device::Cpu)?;
        let types = Tensor::from_vec(types, shape, &Device::Cpu)?;
        let mask = Tensor::from_vec(mask, shape, &Device::Cpu)?;
        let hidden = self.model.forward(&ids, &types, Some(&mask))?; // (n, len, dim)
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?; // (n, len, 1)
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?; // (n, dim)
        let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?; // (n, 1)
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        Ok(mean.broadcast_div(&norm)?.to_vec2::<f32>()?)
    }
}
