//! `mcp-tray traffic NAME` end to end on servers whose names once shared a journal file (every
//! character outside `[A-Za-z0-9._-]` was made `_`): real taps of each run at once, and each
//! name's traffic shows that server's messages and no other's, journals written before names
//! were hashed included. Unix only: the servers are `cat`.
#![cfg(unix)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::BIN;
use serde_json::Value;

/// Pairs of names that shared a journal file before names were hashed.
const NAMES: [&str; 6] = ["my server", "my_server", "日本語", "中文字", "a/b", "a_b"];

/// `mcp-tray traffic NAME --json --last 0`, one value per line.
fn traffic(home: &Path, name: &str) -> Vec<Value> {
    let out = Command::new(BIN)
        .args(["traffic", name, "--json", "--last", "0"])
        .env("MCP_TRAY_HOME", home)
        .output()
        .expect("run mcp-tray traffic");
    assert!(
        out.status.success(),
        "traffic {name:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a journal line"))
        .collect()
}

/// The method each server's request carries, so its lines can be told apart.
fn method_of(name: &str) -> String {
    let i = NAMES.iter().position(|n| *n == name).expect("a test name");
    format!("tools/probe-{i}")
}

#[test]
fn servers_whose_names_once_shared_a_journal_each_show_only_their_own_traffic() {
    let home = tempfile::tempdir().expect("home");
    let journals = home.path().join("journal");
    std::fs::create_dir_all(&journals).expect("journal folder");
    // A shim started before names were hashed journaled `my server` in `my_server`'s file.
    std::fs::write(
        journals.join("my_server.jsonl"),
        concat!(
            r#"{"ts":"2026-11-24T08:00:00.000Z","server":"my server","session":"0000abcd","pid":1,"dir":"c2s","kind":"request","method":"tools/old","id":0,"bytes":40,"msg":{"jsonrpc":"2.0","id":0,"method":"tools/old"}}"#,
            "\n"
        ),
    )
    .expect("an old journal");

    // Every tap runs at once; `cat` sends each request back, so each is journaled both ways.
    let mut taps = Vec::new();
    for name in NAMES {
        let mut child = Command::new(BIN)
            .args(["wrap", "--name", name, "--grace", "1", "--", "cat"])
            .env("MCP_TRAY_HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mcp-tray wrap");
        let mut stdin = child.stdin.take().expect("stdin");
        let request = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"{}"}}"#,
            method_of(name)
        );
        writeln!(stdin, "{request}").expect("write to the tap");
        stdin.flush().expect("flush");
        taps.push((child, stdin));
    }
    for (mut child, stdin) in taps {
        drop(stdin);
        assert!(child.wait().expect("the tap ends").success());
    }

    for name in NAMES {
        let lines = traffic(home.path(), name);
        for line in &lines {
            assert_eq!(line["server"], name, "traffic {name:?} showed {line}");
        }
        let own = method_of(name);
        let requests = lines
            .iter()
            .filter(|l| l["kind"] == "request" && l["method"] == own.as_str())
            .count();
        assert_eq!(
            requests, 2,
            "traffic {name:?}: its request, both ways: {lines:?}"
        );
        let old = lines.iter().any(|l| l["method"] == "tools/old");
        assert_eq!(
            old,
            name == "my server",
            "the old journal's line is `my server`'s alone: {lines:?}"
        );
    }
}
