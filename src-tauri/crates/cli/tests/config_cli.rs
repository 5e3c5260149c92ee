//! The config commands' own output: tables aligned in terminal columns, and what undo says.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tray");

fn run(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .arg("--config")
        .arg(dir.join("claude_desktop_config.json"))
        .args(args)
        .env("MCP_TRAY_HOME", dir.join("home"))
        .output()
        .expect("run mcp-tray");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn list_keeps_its_columns_aligned_with_wide_server_names() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "日本語", "--", "echo", "a"]);
    run(
        dir.path(),
        &["add", "fetch", "--", "uvx", "mcp-server-fetch"],
    );
    let out = run(dir.path(), &["list"]);
    let text = String::from_utf8(out.stdout).unwrap();
    // The KIND column starts at the same terminal column on every line (a CJK character takes
    // two columns; these names hold no other wide or zero-width characters).
    let columns: Vec<usize> = text
        .lines()
        .map(|line| {
            let at = line.find("KIND").or_else(|| line.find("local")).unwrap();
            line[..at]
                .chars()
                .map(|c| if c.is_ascii() { 1 } else { 2 })
                .sum()
        })
        .collect();
    assert_eq!(columns.len(), 3, "{text}");
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{text}");
}

#[test]
fn list_masks_credentials_on_command_lines_as_it_masks_env_values() {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &[
            "add",
            "db",
            "--",
            "pg-mcp",
            "--password",
            "pw-41",
            "postgresql://me:pw-42@db/app",
        ],
    );
    run(
        dir.path(),
        &[
            "add",
            "docs",
            "--url",
            "https://docs.example.com/mcp?token=pw-43",
        ],
    );
    for args in [&["list"][..], &["list", "--json"][..]] {
        let out = String::from_utf8(run(dir.path(), args).stdout).unwrap();
        assert!(
            !out.contains("pw-41") && !out.contains("pw-42") && !out.contains("pw-43"),
            "{args:?}: {out}"
        );
        assert!(out.contains("••••••"), "{args:?}: {out}");
    }
}

#[test]
fn undoing_the_edit_that_created_the_file_says_it_removed_it() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "a", "--", "echo", "a"]);
    let out = run(dir.path(), &["undo"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("removed") && said.contains("that edit created it"),
        "{said}"
    );
    assert!(!dir.path().join("claude_desktop_config.json").exists());
}

#[test]
fn undo_refused_over_a_later_change_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "a", "--", "echo", "a"]);
    let config = dir.path().join("claude_desktop_config.json");
    let edited = std::fs::read_to_string(&config)
        .unwrap()
        .replace("echo", "printf");
    std::fs::write(&config, &edited).unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("undo")
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .expect("run mcp-tray");
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        edited,
        "the later change stays"
    );
}

#[test]
fn removing_a_disabled_server_says_how_to_undo_it_and_undo_brings_it_back_disabled() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["add", "a", "--", "echo", "a"]);
    run(dir.path(), &["disable", "a"]);
    let out = run(dir.path(), &["remove", "a"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "removed disabled server a. Undo with `mcp-tray undo`.\n"
    );
    let listed = |dir: &Path| String::from_utf8(run(dir, &["list"]).stdout).unwrap();
    assert!(!listed(dir.path()).contains("disabled"));
    run(dir.path(), &["undo"]);
    let after = listed(dir.path());
    assert!(
        after
            .lines()
            .any(|l| l.starts_with("a ") && l.contains("disabled")),
        "{after}"
    );
}

#[test]
fn add_with_capture_writes_the_tapped_entry_and_untap_gives_the_plain_one() {
    let dir = tempfile::tempdir().unwrap();
    run(
        dir.path(),
        &[
            "add",
            "fetch",
            "--capture",
            "--env",
            "LOG=1",
            "--",
            "uvx",
            "mcp-server-fetch",
        ],
    );
    let config = dir.path().join("claude_desktop_config.json");
    let entry = |name: &str| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&config).unwrap())
            .unwrap()["mcpServers"][name]
            .clone()
    };
    let tapped = entry("fetch");
    assert_eq!(
        tapped["args"],
        serde_json::json!(["wrap", "--name", "fetch", "--", "uvx", "mcp-server-fetch"]),
        "{tapped}"
    );
    assert_eq!(
        Path::new(tapped["command"].as_str().unwrap()),
        Path::new(BIN),
        "{tapped}"
    );
    assert_eq!(tapped["env"], serde_json::json!({"LOG": "1"}));
    run(dir.path(), &["untap", "fetch"]);
    assert_eq!(
        entry("fetch"),
        serde_json::json!({"command": "uvx", "args": ["mcp-server-fetch"], "env": {"LOG": "1"}})
    );
    // A remote server has nothing to capture: the flag is refused before anything is written.
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["add", "r", "--url", "https://example.com/mcp", "--capture"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(entry("r").is_null());
}
