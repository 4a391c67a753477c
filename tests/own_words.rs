//! No sentence of the shared evaluation data appears in this repository.
//!
//! Every 8-word window of the texts in `../shared/data` (seed article, the `text`, `title`,
//! `sentence` and `evidence` fields of the seed and dev JSONL files, the data README and
//! annotation guide) is looked up in every text file git tracks (or would track: untracked files
//! that are not ignored count too). Words are found the way `../shared/tools/ngram_overlap.py`
//! finds them: the text is lower-cased, and a word is a run of ASCII letters and digits,
//! optionally followed by an apostrophe and letters, so case, punctuation and line breaks do not
//! hide a copy. The test passes, saying so, when `../shared/data` is absent.
//! `STATECRAFT_SHARED_DATA` names another location of the data directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Window length in words.
const N: usize = 8;

/// A word and the line (1-based) it starts on.
struct Word {
    text: String,
    line: u32,
}

/// The words of `text`, as `ngram_overlap.py` splits them.
fn words(text: &str) -> Vec<Word> {
    let mut chars: Vec<(char, u32)> = Vec::with_capacity(text.len());
    let mut line = 1;
    for c in text.chars() {
        chars.extend(c.to_lowercase().map(|l| (l, line)));
        if c == '\n' {
            line += 1;
        }
    }
    let is_word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_word(chars[i].0) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_word(chars[i].0) {
            i += 1;
        }
        if i + 1 < chars.len() && chars[i].0 == '\'' && chars[i + 1].0.is_ascii_lowercase() {
            i += 1;
            while i < chars.len() && chars[i].0.is_ascii_lowercase() {
                i += 1;
            }
        }
        out.push(Word {
            text: chars[start..i].iter().map(|&(c, _)| c).collect(),
            line: chars[start].1,
        });
    }
    out
}

/// The windows of the shared texts, as word ids, with where each was first seen.
#[derive(Default)]
struct SharedWindows {
    vocabulary: HashMap<String, u32>,
    windows: HashMap<[u32; N], String>,
}

impl SharedWindows {
    /// Adds the windows of `text`, found in file `name` (at line `record` of a JSONL file).
    fn add(&mut self, text: &str, name: &str, record: Option<usize>) {
        let words = words(text);
        let ids: Vec<u32> = words
            .iter()
            .map(|w| {
                let next = u32::try_from(self.vocabulary.len()).unwrap();
                *self.vocabulary.entry(w.text.clone()).or_insert(next)
            })
            .collect();
        for (i, window) in ids.windows(N).enumerate() {
            let key: [u32; N] = window.try_into().unwrap();
            self.windows.entry(key).or_insert_with(|| match record {
                Some(line) => format!("{name}:{line}"),
                None => format!("{name}:{}", words[i].line),
            });
        }
    }

    /// Loads the shared data directory: `*.md` at its top, `*.txt` and `*.jsonl` in `seed/`
    /// and `dev/` (the unlabelled corpus is not an evaluation set).
    fn load(data: &Path) -> Self {
        let mut shared = Self::default();
        let mut files = Vec::new();
        for (dir, extensions) in [
            ("", &["md"][..]),
            ("seed", &["txt", "jsonl"][..]),
            ("dev", &["txt", "jsonl"][..]),
        ] {
            let Ok(entries) = std::fs::read_dir(data.join(dir)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                if path.is_file() && extensions.contains(&extension) {
                    files.push(path);
                }
            }
        }
        files.sort();
        for path in files {
            let name = path.strip_prefix(data).unwrap().display().to_string();
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            if path.extension().is_some_and(|e| e == "jsonl") {
                for (i, line) in text.lines().enumerate() {
                    let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
                        continue;
                    };
                    let mut fields = Vec::new();
                    for key in ["text", "title", "sentence"] {
                        fields.extend(record.get(key).and_then(|v| v.as_str()));
                    }
                    if let Some(events) = record.get("events").and_then(|v| v.as_array()) {
                        fields.extend(
                            events
                                .iter()
                                .filter_map(|e| e.get("evidence").and_then(|v| v.as_str())),
                        );
                    }
                    for field in fields {
                        shared.add(field, &name, Some(i + 1));
                    }
                }
            } else {
                shared.add(&text, &name, None);
            }
        }
        shared
    }
}

/// The repository's text files, relative to `root`: what `git ls-files` lists (tracked, and
/// untracked but not ignored), or, without git, every file outside `target/` and `.git/`.
fn repo_files(root: &Path) -> Vec<PathBuf> {
    let listed = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output();
    let mut files: Vec<PathBuf> = match listed {
        Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout)
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect(),
        _ => {
            let mut found = Vec::new();
            let mut pending = vec![PathBuf::new()];
            while let Some(dir) = pending.pop() {
                for entry in std::fs::read_dir(root.join(&dir)).unwrap() {
                    let entry = entry.unwrap();
                    let relative = dir.join(entry.file_name());
                    if entry.file_type().unwrap().is_dir() {
                        if !matches!(entry.file_name().to_str(), Some("target" | ".git")) {
                            pending.push(relative);
                        }
                    } else {
                        found.push(relative);
                    }
                }
            }
            found
        }
    };
    files.retain(|p| !p.starts_with("target"));
    files.sort();
    files.dedup();
    files
}

#[test]
fn no_window_of_the_shared_evaluation_texts_is_in_the_repository() {
    let started = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let data = std::env::var_os("STATECRAFT_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data"));
    if !data.is_dir() {
        eprintln!(
            "skipped: {} is absent, so there is nothing to compare with",
            data.display()
        );
        return;
    }
    let shared = SharedWindows::load(&data);
    assert!(
        shared.windows.len() > 10_000,
        "only {} windows read from {}: has the data layout changed?",
        shared.windows.len(),
        data.display()
    );

    let mut hits = Vec::new();
    let mut checked = 0;
    for relative in repo_files(root) {
        let Ok(bytes) = std::fs::read(root.join(&relative)) else {
            continue; // deleted in the working tree
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue; // binary
        };
        if text.contains('\0') {
            continue;
        }
        checked += 1;
        let file = relative.display().to_string();
        let words = words(&text);
        let ids: Vec<Option<u32>> = words
            .iter()
            .map(|w| shared.vocabulary.get(&w.text).copied())
            .collect();
        for (i, window) in ids.windows(N).enumerate() {
            let Some(key) = window.iter().copied().collect::<Option<Vec<u32>>>() else {
                continue;
            };
            let key: [u32; N] = key.try_into().unwrap();
            let Some(origin) = shared.windows.get(&key) else {
                continue;
            };
            let phrase: Vec<&str> = words[i..i + N].iter().map(|w| w.text.as_str()).collect();
            let phrase = phrase.join(" ");
            hits.push(format!(
                "{file}:{}: \"{phrase}\" (from {origin})",
                words[i].line
            ));
        }
    }
    eprintln!(
        "{} windows of the shared texts checked against {checked} files in {:.2?}",
        shared.windows.len(),
        started.elapsed()
    );
    assert!(
        checked > 50,
        "only {checked} text files found under {}",
        root.display()
    );
    const SHOWN: usize = 200;
    assert!(
        hits.is_empty(),
        "{} 8-word windows of ../shared/data found in the repository; write these in our own words:\n{}{}",
        hits.len(),
        hits[..hits.len().min(SHOWN)].join("\n"),
        if hits.len() > SHOWN { "\n…" } else { "" }
    );
}

#[test]
fn words_are_split_as_the_overlap_tool_splits_them() {
    let split = |text: &str| -> Vec<String> { words(text).into_iter().map(|w| w.text).collect() };
    assert_eq!(
        split("The U.S.-led talks, Co.\nit's 'quoted' rock'n'roll 9a'b ÉTÉ don’t"),
        [
            "the", "u", "s", "led", "talks", "co", "it's", "quoted", "rock'n", "roll", "9a'b", "t",
            "don", "t",
        ]
    );
    let lines: Vec<u32> = words("a\n\nb c\nd").iter().map(|w| w.line).collect();
    assert_eq!(lines, [1, 3, 3, 4]);
}
