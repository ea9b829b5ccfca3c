//! Replays every committed fuzz corpus and regression input through the same
//! `flapjack::fuzzing` entry points the fuzz targets call, so `cargo test` keeps them passing
//! without cargo-fuzz or a nightly toolchain.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure report

use std::path::{Path, PathBuf};

use flapjack::fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<PathBuf> =
        entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    out.sort();
    out
}

/// Runs `target` on every file, naming the file that panicked.
fn replay(name: &str, target: fn(&[u8]), inputs: &[PathBuf]) {
    for path in inputs {
        let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if std::panic::catch_unwind(|| target(&data)).is_err() {
            panic!("fuzz target {name} panicked on {}", path.display());
        }
    }
}

#[test]
fn every_target_has_a_fuzz_target_file_and_a_non_empty_corpus() {
    for (name, _) in TARGETS {
        let source = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        assert!(
            text.contains(&format!("flapjack::fuzzing::{name}(")),
            "{} must call flapjack::fuzzing::{name}",
            source.display()
        );
        let corpus = files(&fuzz_dir().join("corpus").join(name));
        assert!(corpus.len() >= 2, "fuzz/corpus/{name} holds {} files", corpus.len());
    }
}

#[test]
fn corpus_directories_all_belong_to_a_target() {
    for sub in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(sub)) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                TARGETS.iter().any(|(t, _)| *t == name),
                "fuzz/{sub}/{name} has no target in flapjack::fuzzing::TARGETS"
            );
        }
    }
}

/// Corpus files and regression inputs (crashes found once, kept once fixed) together.
#[test]
fn committed_corpora_and_regressions_replay_without_panics() {
    let mut total = 0;
    for (name, target) in TARGETS {
        let mut inputs = files(&fuzz_dir().join("corpus").join(name));
        inputs.extend(files(&fuzz_dir().join("regressions").join(name)));
        total += inputs.len();
        replay(name, *target, &inputs);
    }
    assert!(total > TARGETS.len(), "only {total} corpus files replayed");
}
