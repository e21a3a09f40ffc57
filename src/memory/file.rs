//! Save files: one header line (`npc-minds-save <kind> <version> <length> <checksum>`), then the
//! state as RON. Written atomically (a temporary file beside the target, fsync, rename, fsync of
//! the folder), so a crash at any moment leaves the last complete save in place; the save before
//! it is kept as `FILE.prev`. A file that is not a save, of another kind, of a newer version,
//! truncated or corrupt gives an error that says which, and is never overwritten by loading.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::decide::hash::Fnv;

const MAGIC: &str = "npc-minds-save";

/// Why a save could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("{path}: cannot {doing}: {source}")]
    Io {
        path: String,
        doing: &'static str,
        source: std::io::Error,
    },
    #[error("{path}: not an npc-minds save file{}", prev_hint(.prev))]
    NotASave { path: String, prev: Option<String> },
    #[error("{path}: a {found} save, not a {expected} save")]
    Kind {
        path: String,
        found: String,
        expected: String,
    },
    #[error(
        "{path}: written by a newer npc-minds (save version {found}; this build reads up to \
         {supported}){}", prev_hint(.prev)
    )]
    Newer {
        path: String,
        found: u32,
        supported: u32,
        prev: Option<String>,
    },
    #[error("{path}: truncated ({got} of {expected} bytes){}", prev_hint(.prev))]
    Truncated {
        path: String,
        got: usize,
        expected: usize,
        prev: Option<String>,
    },
    #[error("{path}: corrupt ({why}){}", prev_hint(.prev))]
    Corrupt {
        path: String,
        why: String,
        prev: Option<String>,
    },
    #[error("{path}: cannot encode the state: {source}")]
    Encode { path: String, source: ron::Error },
}

fn prev_hint(prev: &Option<String>) -> String {
    match prev {
        Some(p) => format!("; the save before it is intact at {p}"),
        None => String::new(),
    }
}

/// The save kept from before the last one.
pub(crate) fn prev_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".prev");
    path.with_file_name(name)
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".tmp");
    path.with_file_name(name)
}

fn checksum(body: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write_bytes(body);
    h.finish()
}

/// The bytes of a save of `state`.
pub(crate) fn encode<T: Serialize>(
    kind: &str,
    version: u32,
    state: &T,
) -> Result<Vec<u8>, ron::Error> {
    let body = ron::to_string(state)?;
    let mut out = format!(
        "{MAGIC} {kind} {version} {} {:016x}\n",
        body.len(),
        checksum(body.as_bytes())
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    Ok(out)
}

/// Writes `state` to `path` atomically (see the module's note).
pub fn save<T: Serialize>(
    path: &Path,
    kind: &str,
    version: u32,
    state: &T,
) -> Result<(), SaveError> {
    let p = path.display().to_string();
    let io = |doing: &'static str| {
        let p = p.clone();
        move |source| SaveError::Io {
            path: p,
            doing,
            source,
        }
    };
    let bytes = encode(kind, version, state).map_err(|source| SaveError::Encode {
        path: p.clone(),
        source,
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(io("create its folder"))?;
    let tmp = tmp_path(path);
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io("create the temporary file"))?;
        f.write_all(&bytes).map_err(io("write"))?;
        f.sync_all().map_err(io("flush to disk"))?;
    }
    if path.exists() {
        // Keep the current save as the previous one (a hard link: no copy, and `path` itself is
        // never absent).
        let prev = prev_path(path);
        let _ = fs::remove_file(&prev);
        if fs::hard_link(path, &prev).is_err() {
            let _ = fs::copy(path, &prev);
        }
    }
    fs::rename(&tmp, path).map_err(io("replace"))?;
    // The rename is durable only once the folder is.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads a save of `kind` written by this or an older `version`. Returns the version found and
/// the state; a missing file is an `Io` error with `NotFound`.
pub fn load<T: DeserializeOwned>(
    path: &Path,
    kind: &str,
    version: u32,
) -> Result<(u32, T), SaveError> {
    let p = path.display().to_string();
    let bytes = fs::read(path).map_err(|source| SaveError::Io {
        path: p.clone(),
        doing: "read",
        source,
    })?;
    let prev = || {
        let prev = prev_path(path);
        decode::<T>(&fs::read(&prev).ok()?, kind, version, "", None)
            .ok()
            .map(|_| prev.display().to_string())
    };
    decode(&bytes, kind, version, &p, Some(&prev))
}

/// Parses the bytes of a save; `prev` names an intact earlier save for the error message.
pub(crate) fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    kind: &str,
    version: u32,
    path: &str,
    prev: Option<&dyn Fn() -> Option<String>>,
) -> Result<(u32, T), SaveError> {
    let path = path.to_string();
    let prev = || prev.and_then(|f| f());
    let not_a_save = || SaveError::NotASave {
        path: path.clone(),
        prev: prev(),
    };
    let end = bytes
        .iter()
        .take(256)
        .position(|&b| b == b'\n')
        .ok_or_else(not_a_save)?;
    let header = std::str::from_utf8(&bytes[..end]).map_err(|_| not_a_save())?;
    let parts: Vec<&str> = header.split(' ').collect();
    let [magic, found_kind, found_version, length, sum] = parts[..] else {
        return Err(not_a_save());
    };
    if magic != MAGIC {
        return Err(not_a_save());
    }
    if found_kind != kind {
        return Err(SaveError::Kind {
            path,
            found: found_kind.into(),
            expected: kind.into(),
        });
    }
    let corrupt = |why: String| SaveError::Corrupt {
        path: path.clone(),
        why,
        prev: prev(),
    };
    let found_version: u32 = found_version
        .parse()
        .map_err(|_| corrupt("unreadable version".into()))?;
    if found_version > version {
        return Err(SaveError::Newer {
            path,
            found: found_version,
            supported: version,
            prev: prev(),
        });
    }
    let length: usize = length
        .parse()
        .map_err(|_| corrupt("unreadable length".into()))?;
    let sum = u64::from_str_radix(sum, 16).map_err(|_| corrupt("unreadable checksum".into()))?;
    let body = &bytes[end + 1..];
    if body.len() < length {
        return Err(SaveError::Truncated {
            path,
            got: body.len(),
            expected: length,
            prev: prev(),
        });
    }
    if body.len() > length {
        return Err(corrupt(format!(
            "{} bytes after the end",
            body.len() - length
        )));
    }
    if checksum(body) != sum {
        return Err(corrupt("checksum mismatch".into()));
    }
    let text = std::str::from_utf8(body).map_err(|_| corrupt("not UTF-8".into()))?;
    let state = ron::from_str(text).map_err(|e| corrupt(format!("unreadable state: {e}")))?;
    Ok((found_version, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct State {
        n: u32,
        names: Vec<String>,
    }

    fn state(n: u32) -> State {
        State {
            n,
            names: vec!["Greta".into(), "Odo".into()],
        }
    }

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("npc-minds-save-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_save_loads_back_and_the_one_before_is_kept() {
        let d = dir("roundtrip");
        let path = d.join("game.save");
        save(&path, "test", 1, &state(1)).unwrap();
        save(&path, "test", 1, &state(2)).unwrap();
        assert_eq!(load::<State>(&path, "test", 1).unwrap(), (1, state(2)));
        assert_eq!(
            load::<State>(&prev_path(&path), "test", 1).unwrap().1,
            state(1)
        );
        assert!(!tmp_path(&path).exists());
    }

    #[test]
    fn bad_files_say_what_is_wrong_and_name_the_intact_previous_save() {
        let d = dir("bad");
        let path = d.join("game.save");
        save(&path, "test", 1, &state(1)).unwrap();
        save(&path, "test", 1, &state(2)).unwrap();
        let good = fs::read(&path).unwrap();
        let prev = prev_path(&path).display().to_string();

        fs::write(&path, &good[..good.len() - 5]).unwrap();
        let e = load::<State>(&path, "test", 1).unwrap_err();
        assert!(
            matches!(&e, SaveError::Truncated { prev: Some(p), .. } if *p == prev),
            "{e}"
        );
        assert!(e.to_string().contains("truncated"));

        let mut flipped = good.clone();
        let last = flipped.len() - 3;
        flipped[last] ^= 0x01;
        fs::write(&path, &flipped).unwrap();
        let e = load::<State>(&path, "test", 1).unwrap_err();
        assert!(e.to_string().contains("checksum mismatch"), "{e}");

        fs::write(&path, b"hello world\n").unwrap();
        assert!(matches!(
            load::<State>(&path, "test", 1),
            Err(SaveError::NotASave { .. })
        ));

        fs::write(&path, encode("test", 7, &state(3)).unwrap()).unwrap();
        let e = load::<State>(&path, "test", 1).unwrap_err();
        assert!(
            matches!(
                e,
                SaveError::Newer {
                    found: 7,
                    supported: 1,
                    ..
                }
            ),
            "{e}"
        );
        assert!(matches!(
            load::<State>(&path, "other", 1),
            Err(SaveError::Kind { .. })
        ));

        // Loading a bad file changed nothing: the previous save still loads.
        assert_eq!(
            load::<State>(&prev_path(&path), "test", 1).unwrap().1,
            state(1)
        );
    }
}
