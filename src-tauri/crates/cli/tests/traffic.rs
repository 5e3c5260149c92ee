//! `mcp-tray traffic NAME` end to end on servers whose names once shared a journal file (every
//! character outside `[A-Za-z0-9._-]` was made `_`): real taps of each run at once, and each
//! name's traffic shows that server's messages and no other's, journals written before names
//! were hashed included. Unix only: the servers are `cat`.
#![cfg(unix)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

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

/// A tap of `cat` under `name`, sent one request calling `method` (stdin left open).
fn tap(home: &Path, name: &str, method: &str, stderr: Stdio) -> (Child, ChildStdin) {
    let mut child = Command::new(BIN)
        .args(["wrap", "--name", name, "--grace", "1", "--", "cat"])
        .env("MCP_TRAY_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("start mcp-tray wrap");
    let mut stdin = child.stdin.take().expect("stdin");
    writeln!(stdin, r#"{{"jsonrpc":"2.0","id":1,"method":"{method}"}}"#).expect("write to the tap");
    stdin.flush().expect("flush");
    (child, stdin)
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
        taps.push(tap(home.path(), name, &method_of(name), Stdio::null()));
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

/// Names too long to be a file name as they are: each tap still journals, in a file of its own,
/// and `traffic NAME` shows its lines.
#[test]
fn servers_with_very_long_names_are_journaled_and_shown() {
    let home = tempfile::tempdir().expect("home");
    let names = [
        "a".repeat(300),
        format!("{}b", "a".repeat(299)),
        "Überwachungsdienst für Kalender ".repeat(10),
    ];
    for (i, name) in names.iter().enumerate() {
        let (child, stdin) = tap(
            home.path(),
            name,
            &format!("tools/long-{i}"),
            Stdio::piped(),
        );
        drop(stdin);
        let out = child.wait_with_output().expect("the tap ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            !stderr.contains("will not be journaled"),
            "name of {} bytes: {stderr}",
            name.len()
        );
    }
    for (i, name) in names.iter().enumerate() {
        let lines = traffic(home.path(), name);
        let own = format!("tools/long-{i}");
        assert!(
            lines.iter().all(|l| l["server"] == name.as_str()),
            "{lines:?}"
        );
        let requests = lines
            .iter()
            .filter(|l| l["kind"] == "request" && l["method"] == own.as_str())
            .count();
        assert_eq!(requests, 2, "its request, both ways: {lines:?}");
    }
    for file in std::fs::read_dir(home.path().join("journal")).expect("journal folder") {
        let name = file.expect("entry").file_name();
        assert!(name.len() <= 255, "{name:?}");
    }
}

#[test]
fn a_probes_session_is_marked_as_a_test_and_claudes_is_not() {
    let p = require_peers!();
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    let config = dir.path().join("claude_desktop_config.json");
    let python = p.python();
    let server = p.script("fastmcp_server.py");
    let entry = serde_json::json!({"mcpServers": {"tiny": {
        "command": BIN,
        "args": ["wrap", "--name", "tiny", "--", python, server, "stdio"],
    }}});
    std::fs::write(&config, entry.to_string()).expect("config");

    // A check: `mcp-tray probe tiny` starts the entry as Claude would.
    let probe = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["probe", "tiny", "--timeout", "30"])
        .env("MCP_TRAY_HOME", &home)
        .output()
        .expect("run mcp-tray probe");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let checked = traffic(&home, "tiny");
    assert!(
        checked.iter().any(|e| e["method"] == "initialize"),
        "{checked:?}"
    );
    assert!(checked.iter().all(|e| e["check"] == true), "{checked:?}");

    // Claude's run of the same entry: the command line it holds, started by no check.
    let (mut child, stdin) = {
        let mut child = Command::new(BIN)
            .args(["wrap", "--name", "tiny", "--"])
            .arg(&python)
            .arg(&server)
            .arg("stdio")
            .env("MCP_TRAY_HOME", &home)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mcp-tray wrap");
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, r#"{{"jsonrpc":"2.0","id":1,"method":"ping"}}"#).expect("write");
        (child, stdin)
    };
    drop(stdin);
    child.wait().expect("the tap ends with its input");
    let all = traffic(&home, "tiny");
    let claudes: Vec<&Value> = all.iter().filter(|e| e["check"] != true).collect();
    assert!(claudes.iter().any(|e| e["method"] == "ping"), "{all:?}");

    // The table marks the check's lines, and only those.
    let table = Command::new(BIN)
        .args(["traffic", "tiny", "--last", "0"])
        .env("MCP_TRAY_HOME", &home)
        .output()
        .expect("run mcp-tray traffic");
    let table = String::from_utf8_lossy(&table.stdout);
    for line in table.lines().skip(1) {
        let tested = line.contains("initialize") || line.contains("tools/list");
        let pinged = line.contains("ping");
        assert!(
            !(tested || pinged) || line.contains("[test]") == tested,
            "{table}"
        );
    }
    assert!(table.contains("[test]"), "{table}");
}
