//! What a newcomer meets first, end to end on the real binary: the exit codes of the README's
//! table (bad arguments are a user error, 1, not a file problem, 2), what `add --url` refuses and
//! writes, and what `traffic` says when nothing was recorded yet.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tray");

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("MCP_TRAY_HOME", home.join("home"))
        .env(
            "MCP_TRAY_CLAUDE_CONFIG",
            home.join("claude_desktop_config.json"),
        )
        .output()
        .expect("run mcp-tray")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_arguments_exit_1_a_broken_config_2_and_help_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    let unknown_flag = run(dir.path(), &["list", "--bogus"]);
    assert_eq!(
        unknown_flag.status.code(),
        Some(1),
        "{}",
        stderr(&unknown_flag)
    );
    assert!(stderr(&unknown_flag).contains("--bogus"));
    let missing_name = run(dir.path(), &["add"]);
    assert_eq!(
        missing_name.status.code(),
        Some(1),
        "{}",
        stderr(&missing_name)
    );

    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(&config, "{\"mcpServers\": {,}}\n").expect("write config");
    let broken = run(dir.path(), &["list"]);
    assert_eq!(broken.status.code(), Some(2), "{}", stderr(&broken));

    let help = run(dir.path(), &["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("doctor"));
}

#[test]
fn add_refuses_plain_http_to_another_host_unless_allowed_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("claude_desktop_config.json");
    let refused = run(
        dir.path(),
        &["add", "lan", "--url", "http://10.0.0.7:8000/mcp"],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("plain HTTP") && stderr(&refused).contains("--allow-http"),
        "{}",
        stderr(&refused)
    );
    assert!(!config.exists(), "nothing is written");

    let allowed = run(
        dir.path(),
        &[
            "add",
            "lan",
            "--url",
            "http://10.0.0.7:8000/mcp",
            "--allow-http",
        ],
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", stderr(&allowed));
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config).expect("config written")).expect("JSON");
    let args = &written["mcpServers"]["lan"]["args"];
    assert_eq!(args[1], "http://10.0.0.7:8000/mcp");
    assert!(
        args.as_array()
            .is_some_and(|a| a.iter().any(|v| v == "--allow-http")),
        "{written}"
    );
}

#[test]
fn traffic_with_nothing_recorded_says_how_traffic_gets_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(dir.path(), &["traffic"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "no empty table");
    let said = stderr(&out);
    assert!(
        said.contains("no traffic recorded yet") && said.contains("mcp-tray tap NAME"),
        "{said}"
    );
}
