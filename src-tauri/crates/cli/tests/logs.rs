//! `mcp-tray logs` end to end on journals: history reaches as far back as the retention setting
//! keeps rotated files.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tray");

fn event_line(ts: &str, text: &str) -> String {
    format!(
        r#"{{"ts":"{ts}","server":"remote","session":"s1","pid":42,"dir":"event","kind":"event","code":"connection-refused","level":"error","text":"{text}"}}"#
    )
}

fn logs_json(home: &Path) -> String {
    // Claude's log folder exists but is empty: only the journals speak.
    let claude_logs = home.join("claude-logs");
    std::fs::create_dir_all(&claude_logs).expect("claude logs");
    let out = Command::new(BIN)
        .args(["logs", "--json"])
        .env("MCP_TRAY_HOME", home)
        .env("MCP_TRAY_CLAUDE_LOGS", &claude_logs)
        .output()
        .expect("run logs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn logs_reads_as_many_rotated_journals_as_the_retention_setting_keeps() {
    let home = tempfile::tempdir().expect("home");
    let journals = home.path().join("journal");
    std::fs::create_dir_all(&journals).expect("journals");
    // The live file and five rotated ones, the oldest (5) holding the first event.
    std::fs::write(
        journals.join("remote.jsonl"),
        event_line("2026-11-24T08:00:06.000Z", "newest") + "\n",
    )
    .expect("live");
    for n in 1..=5 {
        let text = if n == 5 { "oldest" } else { "middle" };
        let ts = format!("2026-11-24T08:00:0{}.000Z", 6 - n);
        std::fs::write(
            journals.join(format!("remote.{n}.jsonl")),
            event_line(&ts, text) + "\n",
        )
        .expect("rotated");
    }

    // By default (3 rotated files kept) the fifth is past the retention.
    let default = logs_json(home.path());
    assert!(default.contains("newest"), "{default}");
    assert!(!default.contains("oldest"), "{default}");

    std::fs::write(
        home.path().join("settings.json"),
        r#"{"journal": {"filesKept": 5}}"#,
    )
    .expect("settings");
    let kept = logs_json(home.path());
    assert!(kept.contains("newest"), "{kept}");
    assert!(
        kept.contains("oldest"),
        "five rotated files kept, five read: {kept}"
    );
}

#[test]
fn without_claudes_log_folder_our_own_events_are_shown_with_a_note() {
    let home = tempfile::tempdir().expect("home");
    let journals = home.path().join("journal");
    std::fs::create_dir_all(&journals).expect("journals");
    std::fs::write(
        journals.join("remote.jsonl"),
        event_line("2026-11-24T08:00:06.000Z", "refused at once") + "\n",
    )
    .expect("journal");
    let missing = home.path().join("no-claude-here");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env("MCP_TRAY_HOME", home.path())
            .env("MCP_TRAY_CLAUDE_LOGS", &missing)
            .output()
            .expect("run logs")
    };
    let out = run(&["logs", "--errors"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("refused at once"), "{stdout}");
    assert!(
        stderr.contains("does not exist (yet); showing MCP Tray's own events only"),
        "{stderr}"
    );
    // A folder named on the command line must exist: a typo is an error (exit 2).
    let given = run(&["logs", "--claude-logs", &missing.display().to_string()]);
    assert_eq!(given.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&given.stderr).contains("cannot read Claude Desktop's log folder"),
        "{}",
        String::from_utf8_lossy(&given.stderr)
    );
}
