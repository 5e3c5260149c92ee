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

/// Claude's log of a server whose messages and command line hold credentials: a token in a tool's
/// arguments, an API key in a tool's result (JSON written as text), a `Bearer` header in the
/// command Claude ran, and a bearer token in an error.
const LEAKY_LOG: &str = concat!(
    r#"2026-11-24T10:00:00.000Z [gh] [info] Message from client: {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"login","arguments":{"token":"ghp_SECRETclient1"}}} { metadata: undefined }"#,
    "\n",
    r#"2026-11-24T10:00:00.100Z [gh] [info] Message from server: {"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"{\"api_key\":\"sk-SECRETresult2\"}"}]}} { metadata: undefined }"#,
    "\n",
    "2026-11-24T10:00:01.000Z [gh] [info] Using MCP server command: /usr/local/bin/npx with args and path: {\n",
    "  metadata: {\n",
    "    args: [ '-y', 'mcp-remote', 'https://mcp.example.com/sse', '--header', 'Authorization: Bearer SECRETheader3', [length]: 5 ],\n",
    "    paths: [ '/usr/local/bin', [length]: 1 ]\n",
    "  }\n",
    "} %o\n",
    "2026-11-24T10:00:02.000Z [gh] [error] Error: HTTP 401 Unauthorized (sent Authorization: Bearer SECRETbearer4)\n",
);

const LEAKED: [&str; 4] = [
    "SECRETclient1",
    "SECRETresult2",
    "SECRETheader3",
    "SECRETbearer4",
];

/// `mcp-tray logs ARGS` on the Claude log folder `claude_logs`, with `home` as MCP Tray's home.
fn logs_of(home: &Path, claude_logs: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("logs")
        .args(args)
        .arg("--claude-logs")
        .arg(claude_logs)
        .env("MCP_TRAY_HOME", home)
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
fn claudes_log_messages_and_credentials_are_masked_unless_hiding_secrets_is_off() {
    let home = tempfile::tempdir().expect("home");
    let claude_logs = home.path().join("claude-logs");
    std::fs::create_dir_all(&claude_logs).expect("claude logs");
    std::fs::write(claude_logs.join("mcp-server-gh.log"), LEAKY_LOG).expect("log");

    // Hiding secrets is on by default (no settings file).
    let text = logs_of(home.path(), &claude_logs, &[]);
    let json = logs_of(home.path(), &claude_logs, &["--json"]);
    for secret in LEAKED {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
        assert!(!json.contains(secret), "{secret} in:\n{json}");
    }
    assert!(
        text.contains(r#""arguments":{"token":"[redacted]"}"#),
        "{text}"
    );
    assert!(text.contains(r#"\"api_key\":\"[redacted]\""#), "{text}");
    assert!(
        text.contains("(sent Authorization: ••••••)"),
        "the error's bearer token: {text}"
    );
    let events: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(events.len(), 4, "{json}");
    assert_eq!(
        events[0]["message"]["params"]["arguments"]["token"], "[redacted]",
        "the message is still JSON, masked: {json}"
    );
    assert!(
        events[2]["context"]
            .as_str()
            .is_some_and(|c| c.contains("'Authorization: ••••••'")
                && c.contains("'https://mcp.example.com/sse'")),
        "the command's header is masked, the rest kept: {json}"
    );
    assert_eq!(events[3]["diagnosis"]["code"], "auth-required", "{json}");

    // With hiding turned off, Claude's log is shown as it is.
    std::fs::write(home.path().join("settings.json"), r#"{"redact": false}"#).expect("settings");
    let text = logs_of(home.path(), &claude_logs, &[]);
    let json = logs_of(home.path(), &claude_logs, &["--json"]);
    for secret in LEAKED {
        assert!(json.contains(secret), "{secret} not in:\n{json}");
    }
    assert!(text.contains("SECRETclient1"), "{text}");
    assert!(
        !text.contains("[redacted]") && !json.contains("••••••"),
        "{json}"
    );
}

#[test]
fn a_servers_events_in_the_older_part_of_a_long_log_are_still_found() {
    // Only the last 8 MiB of each log are read for `-n 100`; a server whose last events are
    // older than that (here: before 9 MiB of another server's lines) must not come out empty.
    let home = tempfile::tempdir().expect("home");
    let claude_logs = home.path().join("claude-logs");
    std::fs::create_dir_all(&claude_logs).expect("claude logs");
    let mut log =
        String::from("2026-11-24T08:00:00.000Z [quiet] [error] spawn quiet-server ENOENT\n");
    let filler = "2026-11-24T09:00:00.000Z [busy] [info] Message from server: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n";
    while log.len() < 9 * 1024 * 1024 {
        log.push_str(filler);
    }
    std::fs::write(claude_logs.join("mcp.log"), log).expect("log");

    let out = Command::new(BIN)
        .args(["logs", "quiet", "--json", "--claude-logs"])
        .arg(&claude_logs)
        .env("MCP_TRAY_HOME", home.path())
        .output()
        .expect("run logs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(events.len(), 1, "{stdout}\n{stderr}");
    assert_eq!(
        events[0]["diagnosis"]["code"], "command-not-found",
        "{stdout}"
    );
    assert!(
        stderr.contains("older 1 MiB"),
        "the slow part is said: {stderr}"
    );
}

/// `mcp-tray ARGS` with `home` as MCP Tray's home, its config `home/claude_desktop_config.json`
/// and Claude's log folder `home/claude-logs`.
fn mcp_tray(home: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("MCP_TRAY_HOME", home.join("home"))
        .env(
            "MCP_TRAY_CLAUDE_CONFIG",
            home.join("claude_desktop_config.json"),
        )
        .env("MCP_TRAY_CLAUDE_LOGS", home.join("claude-logs"))
        .output()
        .expect("run mcp-tray")
}

#[test]
fn logs_of_a_server_nobody_knows_says_so_names_the_known_ones_and_fails() {
    let dir = tempfile::tempdir().expect("dir");
    let home = dir.path();
    let config = home.join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"fetch": {"command": "uvx"}, "github": {"command": "docker"}}}"#,
    )
    .expect("config");
    let out = mcp_tray(home, &["disable", "github"]);
    assert!(out.status.success(), "{out:?}");
    // A server seen only in Claude's log, one only in a journal.
    std::fs::create_dir_all(home.join("claude-logs")).expect("logs");
    std::fs::write(
        home.join("claude-logs/mcp.log"),
        "2026-11-24T08:00:00.000Z [quiet] [error] spawn quiet-server ENOENT\n",
    )
    .expect("log");
    std::fs::create_dir_all(home.join("home/journal")).expect("journals");
    std::fs::write(
        home.join("home/journal/remote.jsonl"),
        event_line("2026-11-24T08:00:06.000Z", "refused") + "\n",
    )
    .expect("journal");

    let where_ = format!(
        "no server named \"{{}}\" in {}, Claude Desktop's logs or MCP Tray's journals",
        config.display()
    );
    let known = "fetch, github, quiet, remote";
    for (name, second) in [
        ("nothere", format!("known servers: {known}")),
        (
            "fetc",
            format!("did you mean \"fetch\"? Known servers: {known}"),
        ),
        (
            "GitHub",
            format!("did you mean \"github\"? Known servers: {known}"),
        ),
    ] {
        for args in [
            &["logs", name][..],
            &["logs", name, "--json"],
            &["logs", name, "--errors"],
        ] {
            let out = mcp_tray(home, args);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
            assert!(out.stdout.is_empty(), "{args:?}: {out:?}");
            assert_eq!(
                String::from_utf8_lossy(&out.stderr),
                format!("mcp-tray: {}\n{second}\n", where_.replace("{}", name)),
                "{args:?}"
            );
        }
    }
    // Known servers without (matching) events are no mistake: enabled, disabled, in a log only.
    for (args, said) in [
        (
            &["logs", "fetch"][..],
            "no events for `fetch` in Claude Desktop's logs (",
        ),
        (&["logs", "github"], ") or MCP Tray's journals ("),
        (&["logs", "remote", "--errors"], ""),
        (&["logs", "quiet"], ""),
    ] {
        let out = mcp_tray(home, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(said),
            "{args:?}: {out:?}"
        );
    }

    // A config that cannot be read leaves the name's existence unknown: said, with the near
    // name the logs know, and no failure.
    let holds = std::fs::read(&config).expect("config");
    std::fs::write(&config, b"{\"mcpServers\": {\"fetch\": {,}}").expect("broken config");
    let out = mcp_tray(home, &["logs", "remot"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.starts_with(&format!(
            "note: whether the config holds a server named \"remot\" is not known, as it cannot be read: {}:1:",
            config.display()
        )) && said.contains("\ndid you mean \"remote\", which the logs name?\n"),
        "{said}"
    );
    std::fs::write(&config, holds).expect("config back");

    // With nothing known at all, that is said.
    let empty = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(empty.path().join("claude-logs")).expect("logs");
    let out = mcp_tray(empty.path(), &["logs", "nothere"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "mcp-tray: no server named \"nothere\" in {}, Claude Desktop's logs or MCP Tray's journals\n\
             no server is known yet: the config holds none, and no log or journal names one\n",
            empty.path().join("claude_desktop_config.json").display()
        )
    );
}

/// `mcp-tray logs --follow`, running: its stdout line by line, its stderr as it comes; killed
/// when dropped.
struct Following {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Following {
    fn start(home: &Path, claude_logs: &Path) -> Following {
        use std::io::{BufRead, Read};
        let mut child = Command::new(BIN)
            .args(["logs", "--follow"])
            .env("MCP_TRAY_HOME", home)
            .env("MCP_TRAY_CLAUDE_LOGS", claude_logs)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run logs --follow");
        let (tx, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let said = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                said.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Following {
            child,
            lines,
            stderr,
        }
    }

    /// The lines printed until one holds `text` (within 10 s), that one included.
    fn until(&self, text: &str) -> Vec<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let done = line.contains(text);
                    seen.push(line);
                    if done {
                        return seen;
                    }
                }
                Err(_) => panic!(
                    "no line with {text:?} within 10 s: {seen:?}\nstderr: {}",
                    self.stderr()
                ),
            }
        }
    }

    /// The lines printed in the next `within`.
    fn more(&self, within: std::time::Duration) -> Vec<String> {
        let deadline = std::time::Instant::now() + within;
        let mut seen = Vec::new();
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
        {
            seen.push(line);
        }
        seen
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Following {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open");
    f.write_all(text.as_bytes()).expect("append");
}

/// Following without Claude's log folder says so once, as `logs` does, and follows what can be
/// followed: MCP Tray's journals.
#[test]
fn following_without_claudes_log_folder_says_so_and_follows_our_journals() {
    let home = tempfile::tempdir().expect("home");
    let journals = home.path().join("journal");
    std::fs::create_dir_all(&journals).expect("journals");
    append(
        &journals.join("remote.jsonl"),
        &(event_line("2026-11-24T08:00:06.000Z", "refused at once") + "\n"),
    );
    let missing = home.path().join("no-claude-here");
    let follow = Following::start(home.path(), &missing);
    follow.until("refused at once");
    append(
        &journals.join("remote.jsonl"),
        &(event_line("2026-11-24T08:00:07.000Z", "refused again") + "\n"),
    );
    follow.until("refused again");
    let stderr = follow.stderr();
    assert_eq!(
        stderr,
        format!(
            "note: Claude Desktop's log folder {} does not exist (yet); showing MCP Tray's own events only\n",
            missing.display()
        )
    );
}

/// A record Claude writes in two pieces, its `{` block still open after the first: one record
/// when the rest comes a second later, not an error followed by its context as server output.
#[test]
fn following_waits_for_the_rest_of_a_record_whose_block_is_still_open() {
    let home = tempfile::tempdir().expect("home");
    let claude_logs = home.path().join("claude-logs");
    std::fs::create_dir_all(&claude_logs).expect("claude logs");
    let log = claude_logs.join("mcp-server-py.log");
    append(
        &log,
        "2025-06-01 10:00:05.000 [py] [info] Server started and connected successfully\n",
    );
    let follow = Following::start(home.path(), &claude_logs);
    follow.until("connected successfully");
    append(
        &log,
        "2025-06-01 10:00:06.000 [py] [error] MCP error -32000: Connection closed {\n  metadata: {\n",
    );
    std::thread::sleep(std::time::Duration::from_millis(1200));
    append(&log, "    context: 'connection'\n  }\n}\n");
    let mut lines = follow.until("Connection closed");
    lines.extend(follow.more(std::time::Duration::from_millis(1500)));
    let closed = &lines[0];
    assert!(closed.contains("  error  "), "{lines:#?}");
    assert!(
        closed.ends_with("MCP error -32000: Connection closed"),
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|l| !l.contains("  out  ")
            && !l.contains("context: 'connection'")
            && l.trim() != "}"),
        "{lines:#?}"
    );
}

/// A server's stderr, which Claude copies into its log as it is, may print the credentials the
/// server was started with where no name says what they are: `logs` masks the ones the config
/// gives it (an `--api-key` argument, a token in `env`), in text and `--json`.
#[test]
fn logs_masks_the_credentials_the_config_starts_a_server_with_wherever_claude_logged_them() {
    let home = tempfile::tempdir().expect("home");
    let claude_logs = home.path().join("claude-logs");
    std::fs::create_dir_all(&claude_logs).expect("claude logs");
    std::fs::write(
        claude_logs.join("mcp-server-keyed.log"),
        "2026-11-24T10:00:00.000Z [keyed] [info] started with token tok-ENV-SECRET-555\n\
         2026-11-24T10:00:01.000Z [keyed] [error] key sk-ARG-SECRET987 refused\n",
    )
    .expect("log");
    let config = home.path().join("claude_desktop_config.json");
    std::fs::write(
        &config,
        r#"{"mcpServers": {"keyed": {"command": "npx", "args": ["-y", "keyed", "--api-key", "sk-ARG-SECRET987"], "env": {"API_TOKEN": "tok-ENV-SECRET-555"}}}}"#,
    )
    .expect("config");
    for json in [false, true] {
        let out = Command::new(BIN)
            .args(["logs", "keyed"])
            .args(json.then_some("--json"))
            .env("MCP_TRAY_HOME", home.path())
            .env("MCP_TRAY_CLAUDE_LOGS", &claude_logs)
            .env("MCP_TRAY_CLAUDE_CONFIG", &config)
            .output()
            .expect("run logs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains("started with token"), "{text}");
        for secret in ["tok-ENV-SECRET-555", "sk-ARG-SECRET987"] {
            assert!(!text.contains(secret), "json {json}: {text}");
        }
    }
}

/// QA: `env -i PWD=/tmp/qa7 … mcp-tray wrap …` masked the working directory everywhere, as if
/// `PWD` were a password. The shim's journal (what `logs`, Traffic and the Logs view show) keeps
/// the folder as it is, and a credential of the same environment is still masked.
#[cfg(unix)]
#[test]
fn the_working_directory_a_shim_is_started_in_is_no_secret() {
    let home = tempfile::tempdir().expect("home");
    let work = home.path().join("qa7-working-folder");
    std::fs::create_dir_all(&work).expect("folder");
    let work = work.to_str().expect("UTF-8").to_owned();
    let mut tap = Command::new(BIN)
        .args(["wrap", "--name", "qa", "--grace", "1", "--", "sh", "-c"])
        .arg(r#"echo "working in $PWD with $API_TOKEN" >&2; exit 3"#)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("PWD", &work)
        .env("OLDPWD", &work)
        .env("API_TOKEN", "tok-ENV-SECRET-555")
        .env("MCP_TRAY_HOME", home.path())
        .current_dir(&work)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run wrap");
    // Claude keeps the pipe open: the server ends the session.
    let stdin = tap.stdin.take();
    assert!(!tap.wait().expect("wrap").success());
    drop(stdin);

    let text = logs_json(home.path());
    assert!(
        text.contains(&format!("working in {work} with [redacted]")),
        "{text}"
    );
    assert!(!text.contains("tok-ENV-SECRET-555"), "{text}");
}

/// A journal event line of the server `remote` at `ts`.
fn event(ts: &str, level: &str, code: &str, text: &str) -> String {
    format!(
        r#"{{"ts":"{ts}","server":"remote","session":"s1","pid":42,"dir":"event","kind":"event","code":"{code}","level":"{level}","text":"{text}"}}"#
    ) + "\n"
}

#[test]
fn errors_leave_out_the_journals_own_warnings_which_the_whole_view_keeps() {
    let home = tempfile::tempdir().expect("home");
    let claude_logs = home.path().join("claude-logs");
    let journals = home.path().join("journal");
    std::fs::create_dir_all(&claude_logs).expect("claude logs");
    std::fs::create_dir_all(&journals).expect("journals");
    let lines = [
        event(
            "2026-12-05T14:00:00.000Z",
            "info",
            "connected",
            "connected to http://127.0.0.1:9/mcp",
        ),
        event(
            "2026-12-05T14:00:01.000Z",
            "warn",
            "journal-dropped",
            "12 message(s) were not journaled because the disk could not keep up",
        ),
        event(
            "2026-12-05T14:00:02.000Z",
            "warn",
            "protocol-error",
            "the server sent a line that is not JSON",
        ),
        event(
            "2026-12-05T14:00:03.000Z",
            "warn",
            "protocol-error",
            "the server sent another line that is not JSON",
        ),
        event(
            "2026-12-05T14:00:04.000Z",
            "error",
            "connection-refused",
            "remote server refused the connection at http://127.0.0.1:9/mcp",
        ),
    ];
    std::fs::write(journals.join("remote.jsonl"), lines.concat()).expect("journal");

    let errors = logs_of(home.path(), &claude_logs, &["--errors"]);
    assert!(!errors.contains("not journaled"), "{errors}");
    assert!(!errors.contains("connected to"), "{errors}");
    // The server's warnings stay, the second one too (it has no diagnosis of its own).
    assert!(errors.contains("the server sent a line"), "{errors}");
    assert!(errors.contains("the server sent another line"), "{errors}");
    assert!(errors.contains("refused the connection"), "{errors}");

    let all = logs_of(home.path(), &claude_logs, &[]);
    assert!(
        all.contains("12 message(s) were not journaled"),
        "the whole view keeps it: {all}"
    );
}

#[test]
fn a_sign_in_the_logs_ask_for_is_done_with_the_command_that_does_it() {
    let home = tempfile::tempdir().expect("home");
    let claude_logs = home.path().join("claude-logs");
    let journals = home.path().join("journal");
    std::fs::create_dir_all(&claude_logs).expect("claude logs");
    std::fs::create_dir_all(&journals).expect("journals");
    std::fs::write(
        journals.join("remote.jsonl"),
        event(
            "2026-12-05T14:00:00.000Z",
            "error",
            "auth-required",
            "sign-in required for remote: open MCP Tray or run mcp-tray auth login remote",
        ),
    )
    .expect("journal");
    let said = logs_of(home.path(), &claude_logs, &[]);
    assert!(said.contains("fix: "), "{said}");
    assert!(said.contains("`mcp-tray auth login remote`"), "{said}");
    // The window's button is named only with where it is.
    assert!(!said.contains("Sign in button."), "{said}");
    assert!(
        said.contains("Sign in button of the server's row in MCP Tray's Servers view"),
        "{said}"
    );
}

#[test]
fn a_fix_naming_a_server_the_config_no_longer_holds_says_so_first() {
    let dir = tempfile::tempdir().expect("dir");
    let logs = dir.path().join("claude-logs");
    std::fs::create_dir_all(&logs).expect("logs");
    // Claude's log of jira printing a banner on stdout: its fix names `mcp-tray tap jira`.
    std::fs::write(
        logs.join("mcp-server-jira.log"),
        "2025-02-20T20:10:19.397Z [jira] [error] Unexpected token 'J', \"Jira MCP s\"... is not valid JSON {\"context\":\"connection\"}\n",
    )
    .expect("log");
    let config = dir.path().join("claude_desktop_config.json");
    let errors = |config_text: &str| {
        std::fs::write(&config, config_text).expect("config");
        let out = mcp_tray(dir.path(), &["logs", "--errors"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let fix = |text: &str| {
        text.lines()
            .find_map(|l| l.trim_start().strip_prefix("fix: ").map(str::to_owned))
            .unwrap_or_else(|| panic!("a fix: {text}"))
    };
    let held = fix(&errors(
        r#"{"mcpServers": {"jira": {"command": "node", "args": ["/srv/jira.js"]}}}"#,
    ));
    assert!(held.contains("`mcp-tray tap jira`"), "{held}");
    assert!(!held.contains("not in the config"), "{held}");
    let gone = fix(&errors(
        r#"{"mcpServers": {"notes": {"command": "node", "args": ["/srv/notes.js"]}}}"#,
    ));
    assert!(
        gone.starts_with("jira is not in the config now (removed or renamed?); were it put back: "),
        "{gone}"
    );
    assert!(gone.contains("`mcp-tray tap jira`"), "{gone}");
}
