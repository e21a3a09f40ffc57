//! Loads the dialogue GGUF for an engine (`lm::engine`). Our default engine reads the file's Q4_1
//! blocks as they are. For candle (and our engine on the same weights, to compare) Q4_1 weights are
//! requantised to Q8_0 once and kept beside the original (`*.q8_0.gguf`): candle has fast CPU
//! kernels for Q8_0 but only a scalar one for Q4_1 (measured 25 tok/s before, ~72 after on 2
//! threads).

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use candle_core::Device;
use candle_core::quantized::gguf_file::{self, Content, Value};
use candle_core::quantized::{GgmlDType, QTensor};

use super::engine::{Engine, EngineKind};
pub use super::error::LmError;
use super::tokenizer::GgufTokenizer;

/// Metadata key recording which file (name and size) a requantised copy came from.
const SOURCE_KEY: &str = "npc_minds.requantized_from";

fn load_err(path: &Path, e: impl std::fmt::Display) -> LmError {
    LmError::Load {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A loaded model with its tokenizer.
pub(crate) struct LoadedLm {
    pub(crate) engine: Engine,
    pub(crate) tokenizer: GgufTokenizer,
    /// File name and size, for records and reports.
    pub(crate) id: String,
}

fn source_tag(path: &Path) -> Result<String, LmError> {
    let len = std::fs::metadata(path)
        .map_err(|e| load_err(path, format!("cannot open: {e}")))?
        .len();
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    Ok(format!("{name}:{len}"))
}

/// The requantised copy's path: `X.Q4_1.gguf` → `X.Q4_1.q8_0.gguf`.
pub(crate) fn cache_path(path: &Path) -> PathBuf {
    path.with_extension("q8_0.gguf")
}

fn read_content(path: &Path) -> Result<(Content, BufReader<File>), LmError> {
    let f = File::open(path).map_err(|e| load_err(path, format!("cannot open: {e}")))?;
    let mut r = BufReader::new(f);
    let ct = Content::read(&mut r)
        .map_err(|e| load_err(path, format!("not a readable GGUF file: {e}")))?;
    Ok((ct, r))
}

/// Loads `path` for `kind`. The Q8_0 engines read a requantised copy, made on first use; `log`
/// receives progress lines.
pub(crate) fn load(
    path: &Path,
    kind: EngineKind,
    log: &mut dyn FnMut(&str),
) -> Result<LoadedLm, LmError> {
    let tag = source_tag(path)?;
    let file = if kind.requantised() {
        let cache = cache_path(path);
        let cached_ok = cache.is_file()
            && read_content(&cache).is_ok_and(|(ct, _)| {
                ct.metadata.get(SOURCE_KEY).and_then(|v| v.to_string().ok()) == Some(&tag)
            });
        if !cached_ok {
            log(&format!(
                "requantising {} to Q8_0 (once)...",
                path.display()
            ));
            requantize(path, &cache, &tag)?;
        }
        cache
    } else {
        path.to_path_buf()
    };
    let (ct, mut r) = read_content(&file)?;
    let tokenizer = GgufTokenizer::from_gguf(&ct)?;
    let engine = Engine::read(kind, ct, &mut r, &file)?;
    Ok(LoadedLm {
        engine,
        tokenizer,
        id: tag,
    })
}

/// Writes a copy of `src` with Q4_0/Q4_1 tensors as Q8_0 (through a temp file and a rename).
fn requantize(src: &Path, dst: &Path, tag: &str) -> Result<(), LmError> {
    let (ct, mut r) = read_content(src)?;
    let mut names: Vec<&String> = ct.tensor_infos.keys().collect();
    names.sort();
    let mut tensors: Vec<(String, QTensor)> = Vec::with_capacity(names.len());
    for name in names {
        let qt = ct
            .tensor(&mut r, name, &Device::Cpu)
            .map_err(|e| load_err(src, e))?;
        let qt = match qt.dtype() {
            GgmlDType::Q4_0 | GgmlDType::Q4_1 => {
                let t = qt.dequantize(&Device::Cpu)?;
                QTensor::quantize(&t, GgmlDType::Q8_0)?
            }
            _ => qt,
        };
        tensors.push((name.clone(), qt));
    }
    let tag_value = Value::String(tag.to_string());
    let mut metadata: Vec<(&str, &Value)> =
        ct.metadata.iter().map(|(k, v)| (k.as_str(), v)).collect();
    metadata.sort_by_key(|(k, _)| *k);
    metadata.push((SOURCE_KEY, &tag_value));
    let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    // A temp file of its own: two loads in one process (tests run in threads) may requantise at
    // once, and a shared temp file would be written by both, corrupting the copy.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dst.with_extension(format!("{}-{n}.tmp", std::process::id()));
    let out = File::create(&tmp).map_err(|e| load_err(&tmp, e))?;
    let mut w = BufWriter::new(out);
    gguf_file::write(&mut w, &metadata, &refs).map_err(|e| load_err(&tmp, e))?;
    drop(w);
    std::fs::rename(&tmp, dst).map_err(|e| load_err(dst, e))
}
