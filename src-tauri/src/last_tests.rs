//! Each server's last test, kept across restarts of the app: a server tested yesterday still shows
//! "answered a test" or the failure it was tested with, not "Never started". So is its last
//! sign-in from the app: a bridge that said "sign-in required" before it does not read as still
//! waiting for one after a restart, while a token for it is kept.
//!
//! A test stands for the entry it tested: it is kept with a fingerprint of that entry (a SHA-256
//! of its JSON, never the entry itself, which may hold credentials), and taken back at start only
//! while the config holds the very same entry under that name. An entry edited, removed or
//! replaced while the app was closed starts without it. The sentences are kept with the secrets
//! in them masked: the server's own credentials, and anything that reads as one.
//!
//! The file (`<data dir>/last-tests.json`) is MCP Tray's own: written whole and atomically, and a
//! file that cannot be read is as if there were none (a test result is not worth an error).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use mcp_tray_core::config::{ConfigDocument, ServerEntry};
use mcp_tray_core::redact;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::server_status::StatusEvidence;

/// The file's name in the data dir.
pub(crate) const FILE: &str = "last-tests.json";

/// Servers whose last test is kept: the most recent ones past this.
const KEPT: usize = 200;

/// One server's last test.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Saved {
    /// [`fingerprint`] of the entry tested.
    entry: String,
    evidence: StatusEvidence,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    /// Each server's last test.
    #[serde(default)]
    servers: BTreeMap<String, Saved>,
    /// Each server's last sign-in from the app.
    #[serde(default)]
    sign_ins: BTreeMap<String, Saved>,
}

/// What a piece of evidence kept here is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Test,
    SignIn,
}

impl File {
    fn of(&mut self, kind: Kind) -> &mut BTreeMap<String, Saved> {
        match kind {
            Kind::Test => &mut self.servers,
            Kind::SignIn => &mut self.sign_ins,
        }
    }
}

/// A fingerprint of an entry's JSON (its meaning: the file's spacing does not change it).
fn fingerprint(entry: &ServerEntry) -> String {
    Sha256::digest(entry.value.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read(path: &Path) -> File {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Keeps `evidence` as the last test (or sign-in: `kind`) of `entry` in the file at `path`. A
/// failure to write is only said on stderr: the result is still shown.
pub(crate) fn save(path: &Path, kind: Kind, entry: &ServerEntry, evidence: &StatusEvidence) {
    // Two tests ending at once each keep the other's result.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let secrets = redact::known_secrets(
        &entry.args,
        entry.env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let mut evidence = evidence.clone();
    evidence.text = redact::mask_free_text(&evidence.text, &secrets);
    evidence.fix = evidence
        .fix
        .map(|fix| redact::mask_free_text(&fix, &secrets));
    let mut file = read(path);
    let kept = file.of(kind);
    kept.insert(
        entry.name.clone(),
        Saved {
            entry: fingerprint(entry),
            evidence,
        },
    );
    if kept.len() > KEPT {
        let mut stamps: Vec<String> = kept.values().map(|s| s.evidence.at.clone()).collect();
        stamps.sort_unstable();
        let oldest_kept = stamps[stamps.len() - KEPT].clone();
        kept.retain(|_, s| s.evidence.at >= oldest_kept);
    }
    if let Err(err) = write(path, &file) {
        eprintln!(
            "mcp-tray-app: could not keep the last test of {} for the next start: {err}",
            entry.name
        );
    }
}

fn write(path: &Path, file: &File) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let text = serde_json::to_vec_pretty(file).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&text)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The last tests and sign-ins kept in `path` of the servers `doc` holds, each while its entry
/// is the one tested or signed in to.
pub(crate) fn load(path: &Path, doc: &ConfigDocument) -> Vec<(String, Kind, StatusEvidence)> {
    let mut file = read(path);
    let mut found = Vec::new();
    for kind in [Kind::Test, Kind::SignIn] {
        let kept = file.of(kind);
        for server in &doc.servers {
            if let Some(saved) = kept.remove(&server.name)
                && saved.entry == fingerprint(server)
            {
                found.push((server.name.clone(), kind, saved.evidence));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_status::{EvidenceSource, ServerHealth};

    fn doc(text: &str) -> ConfigDocument {
        ConfigDocument::parse(Path::new("config.json"), text.as_bytes(), true).expect("parses")
    }

    fn evidence(at: &str, text: &str) -> StatusEvidence {
        StatusEvidence {
            status: ServerHealth::Failing,
            source: EvidenceSource::Probe,
            at: at.to_owned(),
            code: Some("exited-early".to_owned()),
            text: text.to_owned(),
            fix: Some("Start it with --api-key zz-9f8e7d6c5b4a".to_owned()),
            tool_count: None,
            sign_in: false,
        }
    }

    const CONFIG: &str = r#"{"mcpServers": {
        "gh": {"command": "gh-mcp", "env": {"GITHUB_TOKEN": "s3cr3t-value-123"}},
        "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}
    }}"#;

    #[test]
    fn a_test_comes_back_while_the_config_holds_the_same_entry_however_it_is_spaced() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(FILE);
        let before = doc(CONFIG);
        let fetch = before.server("fetch").expect("fetch");
        let kept = evidence("2026-12-05T10:00:00.000Z", "it exited at start");
        save(&path, Kind::Test, fetch, &kept);
        // The same entry written otherwise (spacing, another server beside it) still matches.
        let respaced = doc(
            r#"{"mcpServers":{"fetch":{"command":"uvx","args":["mcp-server-fetch"]},"new":{"command":"x"}}}"#,
        );
        let back = load(&path, &respaced);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].0, "fetch");
        assert_eq!(back[0].1, Kind::Test);
        assert_eq!(back[0].2.text, "it exited at start");
        assert_eq!(back[0].2.at, kept.at);
        assert_eq!(back[0].2.status, ServerHealth::Failing);
    }

    #[test]
    fn a_test_of_an_entry_changed_or_removed_since_does_not_come_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(FILE);
        let before = doc(CONFIG);
        save(
            &path,
            Kind::Test,
            before.server("fetch").expect("fetch"),
            &evidence("2026-12-05T10:00:00.000Z", "failed"),
        );
        let edited =
            doc(r#"{"mcpServers":{"fetch":{"command":"uvx","args":["mcp-server-fetch","--x"]}}}"#);
        assert!(load(&path, &edited).is_empty(), "an edited entry");
        let removed =
            doc(r#"{"mcpServers":{"other":{"command":"uvx","args":["mcp-server-fetch"]}}}"#);
        assert!(load(&path, &removed).is_empty(), "a removed one");
    }

    #[test]
    fn what_is_kept_holds_neither_the_entry_nor_its_credentials() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(FILE);
        let before = doc(CONFIG);
        let gh = before.server("gh").expect("gh");
        save(
            &path,
            Kind::Test,
            gh,
            &evidence(
                "2026-12-05T10:00:00.000Z",
                "it said: bad credentials s3cr3t-value-123",
            ),
        );
        let on_disk = std::fs::read_to_string(&path).expect("written");
        assert!(!on_disk.contains("s3cr3t-value-123"), "{on_disk}");
        assert!(!on_disk.contains("zz-9f8e7d6c5b4a"), "{on_disk}");
        assert!(
            !on_disk.contains("gh-mcp"),
            "the entry is not kept: {on_disk}"
        );
        let back = load(&path, &before);
        assert_eq!(back[0].2.text, "it said: bad credentials [redacted]");
    }

    #[test]
    fn an_unreadable_file_is_as_if_there_were_none_and_is_replaced_by_the_next_test() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(FILE);
        std::fs::write(&path, b"{ not json \xff").expect("write");
        let before = doc(CONFIG);
        assert!(load(&path, &before).is_empty());
        save(
            &path,
            Kind::Test,
            before.server("fetch").expect("fetch"),
            &evidence("2026-12-05T10:00:00.000Z", "failed"),
        );
        assert_eq!(load(&path, &before).len(), 1);
    }

    #[test]
    fn a_sign_in_is_kept_apart_from_the_test_and_comes_back_as_a_sign_in() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(FILE);
        let before = doc(CONFIG);
        let fetch = before.server("fetch").expect("fetch");
        save(
            &path,
            Kind::Test,
            fetch,
            &evidence("2026-12-05T10:00:00.000Z", "tested"),
        );
        save(
            &path,
            Kind::SignIn,
            fetch,
            &evidence("2026-12-05T11:00:00.000Z", "signed in"),
        );
        let back = load(&path, &before);
        let texts: Vec<(Kind, &str)> = back.iter().map(|(_, k, e)| (*k, e.text.as_str())).collect();
        assert_eq!(texts, [(Kind::Test, "tested"), (Kind::SignIn, "signed in")]);
    }

    #[test]
    fn past_the_limit_the_oldest_tests_go() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(FILE);
        let names: Vec<String> = (0..=KEPT).map(|i| format!("s{i:03}")).collect();
        let servers: Vec<String> = names
            .iter()
            .map(|n| format!(r#""{n}":{{"command":"x"}}"#))
            .collect();
        let all = doc(&format!(r#"{{"mcpServers":{{{}}}}}"#, servers.join(",")));
        for (i, name) in names.iter().enumerate() {
            let at = format!("2026-12-05T10:{:02}:{:02}.000Z", i / 60, i % 60);
            save(
                &path,
                Kind::Test,
                all.server(name).expect("server"),
                &evidence(&at, "t"),
            );
        }
        let back: Vec<String> = load(&path, &all).into_iter().map(|(n, ..)| n).collect();
        assert_eq!(back.len(), KEPT);
        assert!(!back.contains(&"s000".to_owned()), "the oldest went");
        assert!(back.contains(&format!("s{KEPT:03}")), "the newest stayed");
    }
}
