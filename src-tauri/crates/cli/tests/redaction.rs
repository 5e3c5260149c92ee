//! Redaction end to end: a secret sent through the real `mcp-tray wrap` reaches the real
//! server-everything untouched (its echo tool sends it back), while the journal, and
//! `mcp-tray traffic --json`, only ever show the marker; with redaction turned off in the
//! settings file, the journal keeps the secret.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{BIN, Peers};
use serde_json::{Value, json};

const SECRET: &str = "sk-live-7f3a9c";
const HEADER_SECRET: &str = "sk-live-b2d4e6";

/// Calls server-everything's echo tool through `mcp-tray wrap` with a message holding JSON with
/// an `api_key`, and an `api_key` argument of its own; answers the echo's text as the client got it.
fn echo_a_secret_through_the_tap(p: &Peers, home: &Path) -> String {
    let mut child = Command::new(BIN)
        .args(["wrap", "--name", "ev", "--grace", "1", "--"])
        .args(["npx", "--no-install", "mcp-server-everything"])
        .env("MCP_TRAY_HOME", home)
        .current_dir(&p.dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mcp-tray wrap");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(msg) = serde_json::from_str(&line) else {
                continue;
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
    let reply_to = |id: u64| loop {
        let msg = lines
            .recv_timeout(Duration::from_secs(60))
            .expect("a reply from the server through the tap");
        if msg["id"] == id {
            return msg;
        }
    };
    let mut send = |msg: Value| {
        writeln!(stdin, "{msg}").expect("write to the tap");
        stdin.flush().expect("flush");
    };
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "redaction-test", "version": "1"}}}),
    );
    reply_to(1);
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let message = json!({"api_key": SECRET, "user": "ana"}).to_string();
    send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "echo",
        "arguments": {"message": message, "api_key": HEADER_SECRET}}}),
    );
    let reply = reply_to(2);
    drop(stdin);
    child.wait().expect("the tap ends when its client does");
    reply["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("echo answered {reply}"))
        .to_owned()
}

fn journal_text(home: &Path) -> String {
    let path = home.join("journal").join("ev.jsonl");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `mcp-tray traffic ev --json`'s output.
fn traffic_json(home: &Path) -> String {
    let out = Command::new(BIN)
        .args(["traffic", "ev", "--json"])
        .env("MCP_TRAY_HOME", home)
        .output()
        .expect("run mcp-tray traffic");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    stdout
}

#[test]
fn the_server_gets_the_secret_while_the_journal_and_traffic_json_show_the_marker() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");

    let echoed = echo_a_secret_through_the_tap(&p, home.path());
    assert_eq!(
        echoed,
        format!(r#"Echo: {{"api_key":"{SECRET}","user":"ana"}}"#),
        "the server received the secret and the client got its reply, both unredacted"
    );

    let journal = journal_text(home.path());
    assert!(!journal.contains(SECRET), "journal: {journal}");
    assert!(!journal.contains(HEADER_SECRET), "journal: {journal}");
    let lines: Vec<Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).expect("journal lines are JSON"))
        .collect();
    let call = lines
        .iter()
        .find(|l| l["method"] == "tools/call" && l["dir"] == "c2s")
        .expect("the call is journaled");
    assert_eq!(call["msg"]["params"]["arguments"]["api_key"], "[redacted]");
    assert_eq!(
        call["msg"]["params"]["arguments"]["message"],
        r#"{"api_key":"[redacted]","user":"ana"}"#
    );
    let reply = lines
        .iter()
        .find(|l| l["method"] == "tools/call" && l["dir"] == "s2c")
        .expect("the reply is journaled");
    assert_eq!(
        reply["msg"]["result"]["content"][0]["text"],
        r#"Echo: {"api_key":"[redacted]","user":"ana"}"#
    );

    let stdout = traffic_json(home.path());
    assert!(stdout.contains("[redacted]"), "{stdout}");
    assert!(!stdout.contains(SECRET), "{stdout}");
}

#[test]
fn with_redaction_turned_off_in_settings_the_journal_keeps_the_secret() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    std::fs::write(home.path().join("settings.json"), r#"{"redact": false}"#)
        .expect("write settings");

    let echoed = echo_a_secret_through_the_tap(&p, home.path());
    assert!(echoed.contains(SECRET), "{echoed}");
    let journal = journal_text(home.path());
    assert!(journal.contains(SECRET), "journal: {journal}");
    assert!(journal.contains(HEADER_SECRET), "journal: {journal}");
    assert!(!journal.contains("[redacted]"), "journal: {journal}");
}

#[test]
fn traffic_json_masks_lines_journaled_while_redaction_was_off() {
    let p = require_peers!();
    let home = tempfile::tempdir().expect("home");
    let settings = home.path().join("settings.json");
    std::fs::write(&settings, r#"{"redact": false}"#).expect("write settings");
    echo_a_secret_through_the_tap(&p, home.path());
    assert!(journal_text(home.path()).contains(SECRET));

    // Turned back on: what is shown from then on is masked, old lines included.
    std::fs::write(&settings, r#"{"redact": true}"#).expect("write settings");
    let stdout = traffic_json(home.path());
    assert!(stdout.contains("tools/call"), "{stdout}");
    assert!(!stdout.contains(SECRET), "{stdout}");
    assert!(!stdout.contains(HEADER_SECRET), "{stdout}");
}
