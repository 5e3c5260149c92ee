//! The parser on log excerpts in the shapes Claude Desktop writes (tests/fixtures/claude-logs/).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;
use crate::diagnose::codes;

fn fixtures(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../tests/fixtures/claude-logs")
        .join(dir)
}

fn file(dir: &str, name: &str) -> Vec<LogEvent> {
    read_file(&fixtures(dir).join(name)).expect("fixture readable")
}

fn codes_of(events: &[LogEvent]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| e.diagnosis.as_ref().map(|d| d.code.as_str()))
        .collect()
}

fn with_code<'a>(events: &'a [LogEvent], code: &str) -> &'a LogEvent {
    events
        .iter()
        .find(|e| e.diagnosis.as_ref().is_some_and(|d| d.code == code))
        .unwrap_or_else(|| panic!("no {code} in {:#?}", codes_of(events)))
}

#[test]
fn mcp_log_layout_puts_the_level_before_the_server() {
    let events = file("macos-2025", "mcp.log");
    assert_eq!(events.len(), 22, "one event per record");
    let first = &events[0];
    assert_eq!(first.ts, "2025-03-04T10:08:19.912Z");
    assert_eq!(first.server.as_deref(), Some("filesystem"));
    assert_eq!(first.level, Level::Info);
    assert_eq!(first.text, "Initializing server...");
    let enoent = &events[4];
    assert_eq!(
        (enoent.server.as_deref(), enoent.level),
        (Some("sentry"), Level::Error)
    );
    assert_eq!(enoent.text, "spawn uvx ENOENT");
    assert!(
        enoent
            .context
            .as_deref()
            .unwrap_or("")
            .starts_with(r#"{"context":"connection","stack":"#)
    );
}

#[test]
fn per_server_layout_puts_the_server_before_the_level_and_parses_the_same() {
    let per_server = file("macos-2025", "mcp-server-sentry.log");
    let shared: Vec<LogEvent> = file("macos-2025", "mcp.log")
        .into_iter()
        .filter(|e| e.server.as_deref() == Some("sentry"))
        .collect();
    let view = |events: &[LogEvent]| -> Vec<(String, Level, String, Option<String>)> {
        events
            .iter()
            .map(|e| (e.ts.clone(), e.level, e.text.clone(), e.context.clone()))
            .collect()
    };
    assert_eq!(view(&per_server), view(&shared));
}

#[test]
fn messages_are_pulled_out_as_the_raw_json_rpc_bytes() {
    let events = file("macos-2025", "mcp.log");
    let init = &events[2];
    assert_eq!(init.text, "Message from client");
    assert_eq!(init.dir, Some(Direction::C2s));
    assert_eq!(
        init.message.as_ref().map(|m| m.get()),
        Some(
            r#"{"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"claude-ai","version":"0.1.0"}},"jsonrpc":"2.0","id":0}"#
        )
    );
    let reply = events
        .iter()
        .find(|e| e.dir == Some(Direction::S2c))
        .expect("a server message");
    assert!(
        reply
            .message
            .as_ref()
            .is_some_and(|m| m.get().contains("secure-filesystem-server"))
    );
    let json = serde_json::to_string(init).expect("serialises");
    assert!(
        json.contains(r#""message":{"method":"initialize""#),
        "{json}"
    );
    assert!(json.contains(r#""dir":"c2s""#));
}

#[test]
fn newer_builds_log_message_summaries_which_stay_text() {
    let events = file("newer-2026", "mcp.log");
    let summary = &events[1];
    assert_eq!(summary.dir, Some(Direction::C2s));
    assert!(summary.message.is_none());
    assert_eq!(
        summary.text,
        r#"Message from client: method="resources/list" id=3"#
    );
    assert_eq!(events[3].server.as_deref(), Some("Desktop Commander"));
    let timeout = with_code(&events, codes::TIMEOUT);
    assert_eq!(timeout.text, "MCP error -32001: Request timed out");
    assert_eq!(
        timeout.context.as_deref(),
        Some("{ metadata: { context: 'tools/call', stack: undefined } }")
    );
    // A tool call that timed out, mid-session: no first-start download to blame.
    let d = timeout.diagnosis.as_ref().expect("diagnosed");
    assert_eq!(d.summary, "The server did not answer tools/call in time");
    let fix = d.fix.as_deref().unwrap_or_default();
    assert!(!fix.contains("download"), "{fix}");
}

#[test]
fn a_timeout_at_initialize_blames_a_first_start_download() {
    let events = parse_bytes(
        "mcp-server-slow.log",
        b"2026-07-25T06:57:48.741Z [slow] [error] MCP error -32001: Request timed out { metadata: { context: 'initialize', stack: undefined } }\n",
    );
    let d = events[0].diagnosis.as_ref().expect("diagnosed");
    assert_eq!(d.code, codes::TIMEOUT);
    assert!(
        d.fix.as_deref().unwrap_or_default().contains("download"),
        "{d:?}"
    );
}

#[test]
fn spawn_enoent_is_command_not_found_once_per_session() {
    let events = file("macos-2025", "mcp-server-sentry.log");
    assert_eq!(
        codes_of(&events),
        vec![codes::COMMAND_NOT_FOUND],
        "Claude logs it twice; we report it once"
    );
    let diag = with_code(&events, codes::COMMAND_NOT_FOUND)
        .diagnosis
        .clone()
        .expect("diagnosis");
    assert_eq!(diag.server.as_deref(), Some("sentry"));
    assert!(diag.summary.contains("`uvx`"), "{}", diag.summary);
    assert!(diag.fix.as_deref().unwrap_or("").contains("Install uv"));
}

#[test]
fn a_banner_on_stdout_is_stdout_pollution() {
    let events = file("macos-2025", "mcp-server-jira.log");
    let diag = with_code(&events, codes::STDOUT_POLLUTION)
        .diagnosis
        .clone()
        .expect("diagnosis");
    assert!(
        diag.detail.contains(r#"'J', "Jira MCP s"..."#),
        "{}",
        diag.detail
    );
    assert!(diag.fix.as_deref().unwrap_or("").contains("stderr"));
}

#[test]
fn a_cancelled_request_that_timed_out_is_a_timeout_not_an_early_exit() {
    let events: Vec<LogEvent> = file("macos-2025", "mcp.log")
        .into_iter()
        .filter(|e| e.server.as_deref() == Some("desktopCommander"))
        .collect();
    assert_eq!(codes_of(&events), vec![codes::TIMEOUT]);
    assert_eq!(with_code(&events, codes::TIMEOUT).dir, Some(Direction::C2s));
}

#[test]
fn a_traceback_whose_first_line_has_a_header_stays_one_record_with_its_lines() {
    let log = "2026-12-04T20:50:00.306Z [postgres] [error] Server disconnected.\n\
               2026-12-04T20:50:07.306Z [postgres] [error] Traceback (most recent call last):\n\
               \x20 File \"/usr/lib/server.py\", line 10, in <module>\n\
               \x20   main()\n\
               RuntimeError: boom\n\
               2026-12-04T20:50:17.306Z [postgres] [info] Message from client: {\"method\":\"ping\",\"jsonrpc\":\"2.0\",\"id\":1}\n";
    let events = parse_bytes("mcp-server-postgres.log", log.as_bytes());
    let texts: Vec<&str> = events.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(events.len(), 3, "{texts:#?}");
    assert_eq!(
        events[1].text,
        "Traceback (most recent call last):\n  File \"/usr/lib/server.py\", line 10, in <module>\n    main()\nRuntimeError: boom"
    );
    assert_eq!(events[1].level, Level::Error);
    assert_eq!(events[1].ts, "2026-12-04T20:50:07.306Z");
    assert!(events[2].message.is_some());
}

#[test]
fn multi_line_javascript_contexts_with_windows_paths_stay_one_record() {
    let events = file("windows-2025", "mcp-server-fetch.log");
    assert_eq!(events.len(), 7);
    assert!(
        events
            .iter()
            .all(|e| !e.text.contains('\r') && !e.context.as_deref().unwrap_or("").contains('\r'))
    );
    let using = &events[1];
    assert_eq!(
        using.text,
        r"Using MCP server command: C:\Program Files\nodejs\npx.cmd with args and path:"
    );
    let ctx = using.context.as_deref().unwrap_or("");
    assert!(
        ctx.starts_with("{\n  metadata: {") && ctx.ends_with("} %o"),
        "{ctx}"
    );
    assert!(ctx.contains(r"'C:\\Program Files\\nodejs'"));
    let pollution = with_code(&events, codes::STDOUT_POLLUTION);
    assert_eq!(pollution.level, Level::Error);
    assert!(
        pollution
            .context
            .as_deref()
            .unwrap_or("")
            .contains(r"AnthropicClaude\\app-0.12.112")
    );
    assert!(
        events[3].context.is_none(),
        "`{{ metadata: undefined }}` says nothing"
    );
    assert!(events[3].message.is_some());
}

#[test]
fn a_traceback_before_the_transport_closes_is_an_early_exit_with_that_output() {
    let events = file("windows-2025", "mcp-server-weather.log");
    let traceback = events
        .iter()
        .find(|e| e.kind == EventKind::ServerOutput)
        .expect("the server's own output");
    assert_eq!(
        traceback.text.lines().count(),
        4,
        "one event for the whole traceback"
    );
    assert_eq!(traceback.level, Level::Error);
    assert_eq!(traceback.server.as_deref(), Some("weather"));
    assert_eq!(
        traceback.ts, "2025-09-02T07:41:10.025Z",
        "stamped like the record before it"
    );
    assert!(traceback.diagnosis.is_none(), "{:?}", traceback.diagnosis);
    assert_eq!(codes_of(&events), vec![codes::EXITED_EARLY]);
    let diag = with_code(&events, codes::EXITED_EARLY)
        .diagnosis
        .clone()
        .expect("diagnosis");
    assert!(
        diag.detail
            .contains("ModuleNotFoundError: No module named 'httpx'"),
        "{}",
        diag.detail
    );
}

/// A server that exits before writing anything: the fix cannot send the reader to its output.
#[test]
fn an_early_exit_without_output_asks_for_a_run_that_shows_why() {
    let log = "2026-12-05T13:37:00.000Z [mute] [info] Initializing server... { metadata: undefined }
2026-12-05T13:37:00.100Z [mute] [info] Server started and connected successfully { metadata: undefined }
2026-12-05T13:37:00.200Z [mute] [info] Server transport closed unexpectedly, this is likely due to the process exiting early. { metadata: undefined }
";
    let events = parse_bytes("mcp-server-mute.log", log.as_bytes());
    let diag = with_code(&events, codes::EXITED_EARLY)
        .diagnosis
        .clone()
        .expect("diagnosis");
    assert_eq!(
        diag.detail,
        "The server exited without writing anything to stderr."
    );
    let fix = diag.fix.as_deref().unwrap_or_default();
    assert!(!fix.contains("output above"), "{fix}");
    assert!(fix.contains("mcp-tray probe NAME"), "{fix}");
    assert!(fix.contains("in a terminal"), "{fix}");
}

#[test]
fn a_usage_text_is_kept_whole_and_explains_the_early_exit() {
    let events = file("windows-2025", "mcp-server-github.log");
    let usage = events
        .iter()
        .find(|e| e.kind == EventKind::ServerOutput)
        .expect("usage text");
    assert!(usage.text.starts_with("Usage: github-mcp-server [command]"));
    assert!(
        usage
            .text
            .ends_with("Error: GITHUB_PERSONAL_ACCESS_TOKEN not set")
    );
    let diag = with_code(&events, codes::EXITED_EARLY)
        .diagnosis
        .clone()
        .expect("diagnosis");
    assert!(diag.detail.contains("GITHUB_PERSONAL_ACCESS_TOKEN"));
}

/// `npx` of a package npm's registry does not have, as Claude logs it (npm 11's stderr copied
/// between its records): the package is named, not npm's last line.
#[test]
fn an_npx_package_npm_does_not_have_is_named_in_the_early_exit() {
    let log = "2026-12-05T13:37:00.000Z [qa] [info] Initializing server... { metadata: undefined }
2026-12-05T13:37:00.100Z [qa] [info] Server started and connected successfully { metadata: undefined }
npm error code E404
npm error 404 Not Found - GET https://registry.npmjs.org/some-package-that-does-not-exist-mcp-tray-qa
npm error 404
npm error 404  The requested resource 'some-package-that-does-not-exist-mcp-tray-qa@*' could not be found or you do not have permission to access it.
npm error 404
npm error 404 Note that you can also install from a
npm error 404 tarball, folder, http url, or git url.
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-05T13_37_10_339Z-debug-0.log
2026-12-05T13:37:02.000Z [qa] [info] Server transport closed { metadata: undefined }
2026-12-05T13:37:02.001Z [qa] [info] Server transport closed unexpectedly, this is likely due to the process exiting early. { metadata: undefined }
";
    let events = parse_bytes("mcp-server-qa.log", log.as_bytes());
    let diag = with_code(&events, codes::EXITED_EARLY)
        .diagnosis
        .clone()
        .expect("diagnosis");
    assert_eq!(
        diag.summary,
        "The server could not start: the package `some-package-that-does-not-exist-mcp-tray-qa` does not exist in the npm registry (registry.npmjs.org)"
    );
    assert!(
        diag.fix.as_deref().is_some_and(|f| f.contains(".npmrc")),
        "{diag:?}"
    );
    assert!(
        diag.detail.contains("npm error 404 Not Found"),
        "{}",
        diag.detail
    );
}

#[test]
fn bridge_failures_are_named() {
    let cases = [
        ("mcp-server-linear.log", codes::AUTH_REQUIRED),
        ("mcp-server-local-api.log", codes::CONNECTION_REFUSED),
        ("mcp-server-intranet.log", codes::TLS_ERROR),
        ("mcp-server-typo.log", codes::DNS_ERROR),
    ];
    for (name, code) in cases {
        let events = file("bridges", name);
        let found = codes_of(&events);
        assert_eq!(
            found,
            vec![code],
            "{name}: one cause, not also an early exit"
        );
    }
    let linear = file("bridges", "mcp-server-linear.log");
    let diag = with_code(&linear, codes::AUTH_REQUIRED)
        .diagnosis
        .clone()
        .expect("diagnosis");
    assert!(diag.detail.contains("HTTP 401"), "{}", diag.detail);
    // The fix names what signs in: the bridge's login, and the move off mcp-remote; the app says
    // it with its own buttons.
    let fix = diag.fix.as_deref().expect("a fix");
    assert!(fix.contains("mcp-tray auth login NAME"), "{fix}");
    assert!(fix.contains("mcp-tray doctor --fix"), "{fix}");
    let in_app = crate::diagnose::message_in(crate::diagnose::Audience::App, fix);
    assert!(in_app.contains("Sign in button"), "{in_app}");
    assert!(!in_app.contains("mcp-tray "), "{in_app}");
}

#[test]
fn the_folder_view_is_time_ordered_with_each_record_once() {
    let events = read_dir(&fixtures("macos-2025")).expect("readable");
    assert!(events.windows(2).all(|w| w[0].ts_ms <= w[1].ts_ms));
    let enoent: Vec<_> = events
        .iter()
        .filter(|e| e.text == "spawn uvx ENOENT")
        .collect();
    assert_eq!(
        enoent.len(),
        1,
        "one failure: Claude wrote it twice (with and without its context) to both mcp.log and mcp-server-sentry.log"
    );
    assert!(
        enoent[0]
            .context
            .as_deref()
            .is_some_and(|c| c.contains("\"context\":\"connection\"") && c.contains("stack")),
        "the fuller copy is kept: {:?}",
        enoent[0].context
    );
    assert_eq!(
        enoent[0].diagnosis.as_ref().map(|d| d.code.as_str()),
        Some(codes::COMMAND_NOT_FOUND)
    );
    assert!(
        events
            .iter()
            .filter(|e| e.server.as_deref() == Some("sentry"))
            .all(|e| e.file.as_deref() == Some("mcp-server-sentry.log")),
        "the per-server file's copy is kept"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.server.as_deref() == Some("filesystem"))
            .count(),
        7,
        "servers without their own file come from mcp.log"
    );
}

#[test]
fn invalid_utf8_and_huge_lines_are_tolerated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mcp-server-binary.log");
    let mut f = std::fs::File::create(&path).expect("create");
    f.write_all(b"2025-01-01T00:00:00.000Z [binary] [info] caf\xe9 \xff\xfe\n")
        .expect("write");
    f.write_all(b"2025-01-01T00:00:01.000Z [binary] [info] Message from server: {\"x\":\"")
        .expect("write");
    f.write_all(&vec![b'a'; 3 * 1024 * 1024]).expect("write");
    f.write_all(b"\"}\n2025-01-01T00:00:02.000Z [binary] [error] after\n")
        .expect("write");
    drop(f);
    let events = read_file(&path).expect("readable");
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].text, "caf\u{fffd} \u{fffd}\u{fffd}");
    assert!(events[1].truncated);
    assert!(events[1].text.len() <= lines::MAX_LINE);
    assert_eq!(events[2].text, "after");
    assert!(!events[2].truncated);
}

#[test]
fn follow_reads_only_what_is_appended_and_waits_for_whole_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mcp.log");
    std::fs::write(
        &log,
        "2025-01-01T00:00:00.000Z [info] [old] Initializing server...\n",
    )
    .expect("write");
    let mut tail = LogTail::new(dir.path(), StartAt::End);
    assert!(tail.poll().is_empty(), "existing content is skipped");

    let append = |bytes: &str| {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .expect("open");
        f.write_all(bytes.as_bytes()).expect("append");
    };
    append("2025-01-01T00:00:01.000Z [error] [srv] spawn np");
    assert!(tail.poll().is_empty(), "half a line is not an event");
    append("x ENOENT {\n  metadata: {\n    context: 'connection'\n");
    let got = tail.poll();
    assert!(got.is_empty(), "the context object is still open: {got:?}");
    append("  }\n}\n");
    let got = tail.poll();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].text, "spawn npx ENOENT");
    assert_eq!(
        got[0].diagnosis.as_ref().map(|d| d.code.as_str()),
        Some(codes::COMMAND_NOT_FOUND)
    );

    // Raw server output has no end marker: it is complete once the file goes quiet.
    append("Error: missing config\n");
    let got = tail.poll();
    let got = if got.is_empty() { tail.poll() } else { got };
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind, EventKind::ServerOutput);

    // A new per-server file is read from its start; its records shadow mcp.log's copies.
    let record =
        "2025-01-01T00:00:05.000Z [srv] [info] Server started and connected successfully\n";
    std::fs::write(dir.path().join("mcp-server-srv.log"), record).expect("write");
    append("2025-01-01T00:00:05.000Z [info] [srv] Server started and connected successfully\n");
    let got = tail.poll();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].file.as_deref(), Some("mcp-server-srv.log"));

    // Rotation: the file shrinks and is read again from the start.
    std::fs::write(
        &log,
        "2025-01-01T00:00:09.000Z [info] [srv] Client transport closed\n",
    )
    .expect("write");
    let got = tail.poll();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].text, "Client transport closed");
}

#[test]
fn reading_only_the_end_of_a_file_starts_at_a_record() {
    let path = fixtures("windows-2025").join("mcp-server-weather.log");
    let all = read_file(&path).expect("readable");
    let len = std::fs::metadata(&path).expect("metadata").len();
    // Cut inside the traceback: its remaining lines belong to a record we did not see.
    let text = std::fs::read_to_string(&path).expect("text");
    let cut = text.find("    import httpx").expect("traceback line") as u64;
    let tail = read_file_tail(&path, Some(len - cut)).expect("readable");
    assert_eq!(
        tail.first().map(|e| e.text.as_str()),
        Some("Server transport closed")
    );
    assert_eq!(
        tail.len(),
        all.len() - 4,
        "the cut record and the ones before it are left out"
    );
    assert!(tail.iter().all(|e| e.kind == EventKind::Claude));
    assert_eq!(
        read_file_tail(&path, Some(len * 2))
            .expect("readable")
            .len(),
        all.len()
    );
}

#[tokio::test]
async fn follow_streams_new_events_until_cancelled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mcp-server-live.log");
    std::fs::write(&log, "").expect("create");
    let stop = tokio_util::sync::CancellationToken::new();
    let mut rx = follow(
        dir.path().to_path_buf(),
        StartAt::End,
        Pace::Every(std::time::Duration::from_millis(20)),
        stop.clone(),
    );
    std::fs::write(
        &log,
        "2025-01-01T00:00:00.000Z [live] [error] spawn uvx ENOENT\n",
    )
    .expect("write");
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
        .await
        .expect("in time")
        .expect("an event");
    assert_eq!(event.server.as_deref(), Some("live"));
    assert_eq!(
        event.diagnosis.map(|d| d.code),
        Some(codes::COMMAND_NOT_FOUND.to_owned())
    );
    stop.cancel();
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv()).await;
    assert!(matches!(end, Ok(None)), "the stream ends when cancelled");
}

/// Benchmark, not a check: `cargo test --release -p mcp-tray-core --lib -- --ignored --nocapture
/// parse_throughput`.
#[test]
#[ignore = "benchmark"]
fn parse_throughput_on_a_50_mb_log() {
    let sample = std::fs::read_to_string(fixtures("macos-2025").join("mcp.log")).expect("fixture");
    let lines: Vec<&str> = sample.lines().collect();
    let mut log = String::new();
    let mut ms: i64 = 1_741_082_400_000;
    while log.len() < 50 * 1024 * 1024 {
        for line in &lines {
            ms += 3;
            log.push_str(&record::stamp_from_ms(ms).text);
            log.push_str(&line[24..]);
            log.push('\n');
        }
    }
    let started = std::time::Instant::now();
    let events = parse_bytes("mcp.log", log.as_bytes());
    let took = started.elapsed();
    println!(
        "{} MB, {} records: {:?} ({:.0} MB/s, {:.0}k records/s)",
        log.len() / (1024 * 1024),
        events.len(),
        took,
        log.len() as f64 / (1024.0 * 1024.0) / took.as_secs_f64(),
        events.len() as f64 / 1000.0 / took.as_secs_f64()
    );
    assert!(events.len() > 100_000);
}

#[tokio::test]
async fn the_merged_stream_carries_claude_records_and_journal_events() {
    let claude = tempfile::tempdir().expect("tempdir");
    let journals = tempfile::tempdir().expect("tempdir");
    let stop = tokio_util::sync::CancellationToken::new();
    let mut rx = follow_with_journals(
        claude.path().to_path_buf(),
        journals.path().to_path_buf(),
        StartAt::End,
        Pace::Every(std::time::Duration::from_millis(20)),
        stop.clone(),
    )
    .events;
    let j = crate::journal::Journal::open(
        "remote",
        crate::journal::JournalConfig::in_dir(journals.path()),
    )
    .expect("journal");
    j.event(
        crate::journal::Level::Error,
        codes::AUTH_REQUIRED,
        "the server answered 401",
    );
    j.close(std::time::Duration::from_secs(2));
    std::fs::write(
        claude.path().join("mcp.log"),
        "2025-01-01T00:00:00.000Z [info] [remote] Server started and connected successfully\n",
    )
    .expect("write");
    let mut got = Vec::new();
    while got.len() < 2 {
        let event = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
            .await
            .expect("in time")
            .expect("an event");
        got.push(event);
    }
    stop.cancel();
    let sources: Vec<EventSource> = got.iter().map(|e| e.source).collect();
    assert!(sources.contains(&EventSource::ClaudeLog) && sources.contains(&EventSource::Journal));
    let journal = got
        .iter()
        .find(|e| e.source == EventSource::Journal)
        .expect("journal event");
    assert_eq!(
        journal.diagnosis.as_ref().map(|d| d.code.as_str()),
        Some(codes::AUTH_REQUIRED)
    );
}

/// The app's Logs view after a restart: the journals' recent events come with Claude's recent
/// records at start (QA: "Nothing logged yet." while `mcp-tray logs` printed 70 lines).
#[tokio::test]
async fn a_recent_start_shows_what_the_journals_hold_already_then_follows_them() {
    let claude = tempfile::tempdir().expect("tempdir");
    let journals = tempfile::tempdir().expect("tempdir");
    let journal = |text: &str| {
        let j = crate::journal::Journal::open(
            "remote",
            crate::journal::JournalConfig::in_dir(journals.path()),
        )
        .expect("journal");
        j.event(crate::journal::Level::Error, codes::AUTH_REQUIRED, text);
        j.close(std::time::Duration::from_secs(2));
    };
    journal("the server answered 401 before the restart");
    std::fs::write(
        claude.path().join("mcp.log"),
        "2025-01-01T00:00:00.000Z [info] [remote] Server started and connected successfully\n",
    )
    .expect("write");
    let stop = tokio_util::sync::CancellationToken::new();
    let mut rx = follow_with_journals(
        claude.path().to_path_buf(),
        journals.path().to_path_buf(),
        StartAt::Recent(256 * 1024),
        Pace::Every(std::time::Duration::from_millis(20)),
        stop.clone(),
    )
    .events;
    let mut next = async || {
        tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
            .await
            .expect("in time")
            .expect("an event")
    };
    let mut got = vec![next().await, next().await];
    got.sort_by_key(|e| e.source == EventSource::Journal);
    assert_eq!(got[0].source, EventSource::ClaudeLog, "{got:?}");
    assert_eq!(
        (got[1].source, got[1].text.as_str()),
        (
            EventSource::Journal,
            "the server answered 401 before the restart"
        ),
    );
    // Then what is journaled next, once.
    journal("and again after it");
    let after = next().await;
    assert_eq!(after.text, "and again after it");
    stop.cancel();
}

/// Follows the recent history of a Claude log folder holding only `mcp.log` with `text`, until
/// `caught_up` fires (within `wait`); the events sent by then, and the token that stops it.
async fn history_of(
    text: &str,
    wait: std::time::Duration,
) -> (Vec<String>, tokio_util::sync::CancellationToken) {
    let claude = tempfile::tempdir().expect("tempdir");
    let journals = tempfile::tempdir().expect("tempdir");
    std::fs::write(claude.path().join("mcp.log"), text).expect("write");
    let stop = tokio_util::sync::CancellationToken::new();
    let followed = follow_with_journals(
        claude.path().to_path_buf(),
        journals.path().to_path_buf(),
        StartAt::Recent(256 * 1024),
        Pace::Every(std::time::Duration::from_millis(20)),
        stop.clone(),
    );
    let mut events = followed.events;
    tokio::time::timeout(wait, followed.caught_up)
        .await
        .expect("in time")
        .expect("fired");
    let mut texts = Vec::new();
    while let Ok(event) = events.try_recv() {
        texts.push(event.text);
    }
    (texts, stop)
}

#[tokio::test]
async fn caught_up_comes_once_the_whole_history_is_sent_its_last_record_too() {
    // The last record's block is still open: a first poll holds it back, as it may still be
    // being written, until the file has been quiet for a while.
    let (texts, stop) = history_of(
        "2025-01-01T00:00:00.000Z [info] [a] first\n2025-01-01T00:00:01.000Z [error] [a] second {\n  context: 'x',\n",
        std::time::Duration::from_secs(5),
    )
    .await;
    // Everything of the history is in by then, the record held back included.
    assert_eq!(texts, ["first", "second"]);
    stop.cancel();
}

#[tokio::test]
async fn caught_up_comes_even_when_the_last_line_never_ends() {
    // Claude was killed as it wrote: the file's last line has no newline, and never will.
    let (_, stop) = history_of(
        "2025-01-01T00:00:00.000Z [info] [a] cut sh",
        std::time::Duration::from_secs(10),
    )
    .await;
    stop.cancel();
}

#[test]
fn following_the_recent_part_starts_at_a_whole_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = fixtures("windows-2025").join("mcp-server-weather.log");
    let text = std::fs::read(&src).expect("fixture");
    std::fs::write(dir.path().join("mcp-server-weather.log"), &text).expect("copy");
    let cut = String::from_utf8_lossy(&text)
        .find("    import httpx")
        .expect("traceback line") as u64;
    let mut tail = LogTail::new(dir.path(), StartAt::Recent(text.len() as u64 - cut));
    let events = tail.poll();
    assert_eq!(
        events.first().map(|e| e.text.as_str()),
        Some("Server transport closed")
    );
    assert!(events.iter().all(|e| e.kind == EventKind::Claude));
}

#[tokio::test]
async fn a_signalled_follower_reads_on_each_signal_and_finishes_a_quiet_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("mcp-server-live.log");
    std::fs::write(&log, "").expect("create");
    let stop = tokio_util::sync::CancellationToken::new();
    let (signal, rx_signal) = tokio::sync::watch::channel(0_u64);
    let mut rx = follow(
        dir.path().to_path_buf(),
        StartAt::End,
        Pace::OnSignal(rx_signal, std::time::Duration::from_millis(50)),
        stop.clone(),
    );
    // The follower's first poll runs as it starts; after it, a write without a signal is not
    // read (no timer runs while nothing is pending).
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    std::fs::write(
        &log,
        "2025-01-01T00:00:00.000Z [live] [error] spawn uvx ENOENT\n",
    )
    .expect("write");
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "read without a signal"
    );
    signal.send_replace(1);
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
        .await
        .expect("an event after the signal")
        .expect("open stream");
    assert!(event.text.contains("ENOENT"), "{}", event.text);
    // A multi-line record's end is only known once its file is quiet: one signal suffices, the
    // follower polls again by itself while the record is pending.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("open");
    std::io::Write::write_all(
        &mut f,
        b"2025-01-01T00:00:01.000Z [live] [info] Message from server: {\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1\n}\n",
    )
    .expect("append");
    signal.send_replace(2);
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), rx.recv())
        .await
        .expect("the pending record, finished after a quiet poll")
        .expect("open stream");
    assert!(event.text.contains("Message from server"), "{}", event.text);
    stop.cancel();
}

/// Claude sends tools/list, resources/list and prompts/list together; a server that hangs lets
/// all three time out in the same millisecond, with the same words, each request named only in
/// its context. Three failures, each shown once (each record is in both files).
#[test]
fn same_words_in_the_same_millisecond_with_different_contexts_are_different_failures() {
    let dir = tempfile::tempdir().expect("tempdir");
    let timeout = |header: &str| -> String {
        ["tools/list", "resources/list", "prompts/list"]
            .iter()
            .map(|req| {
                format!(
                    "{header} MCP error -32001: Request timed out {{ metadata: {{ context: '{req}', stack: undefined }} }}\n"
                )
            })
            .collect()
    };
    std::fs::write(
        dir.path().join("mcp-server-hang.log"),
        timeout("2026-07-25T06:57:48.741Z [hang] [error]"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("mcp.log"),
        timeout("2026-07-25T06:57:48.741Z [error] [hang]"),
    )
    .expect("write");
    let requests = |events: &[LogEvent]| -> Vec<String> {
        events
            .iter()
            .map(|e| {
                assert_eq!(e.text, "MCP error -32001: Request timed out");
                let context = e.context.as_deref().unwrap_or_default();
                ["tools/list", "resources/list", "prompts/list"]
                    .into_iter()
                    .find(|r| context.contains(r))
                    .unwrap_or("none")
                    .to_owned()
            })
            .collect()
    };
    let all = read_dir(dir.path()).expect("readable");
    assert_eq!(
        requests(&all),
        ["tools/list", "resources/list", "prompts/list"],
        "{all:?}"
    );
    let mut tail = LogTail::new(dir.path(), StartAt::Beginning);
    let mut followed = tail.poll();
    followed.extend(tail.poll());
    assert_eq!(
        requests(&followed),
        ["tools/list", "resources/list", "prompts/list"],
        "{followed:?}"
    );
}

/// The three timeouts of one millisecond differ only in their context: the request it names
/// tells them apart, in each notation Claude writes, and never brings the stack along.
#[test]
fn a_records_context_is_named_on_one_short_line() {
    let log = [
        "2026-07-25T06:57:48.741Z [hang] [error] MCP error -32001: Request timed out { metadata: { context: 'tools/list', stack: undefined } }",
        r#"2026-07-25T06:57:48.741Z [hang] [error] MCP error -32001: Request timed out {"context":"prompts/list","stack":"McpError: x\n    at y"}"#,
        "2026-07-25T06:57:48.741Z [hang] [error] MCP error -32001: Request timed out {",
        "  metadata: {",
        "    context: 'resources/list',",
        r"    stack: `McpError: MCP error -32001: Request timed out\n` +",
        "      '    at Timeout._onTimeout (index.js:1:2)'",
        "  }",
        "}",
        r#"2026-07-25T06:57:48.742Z [hang] [error] spawn uvx ENOENT {"context":"connection","stack":"Error: spawn uvx ENOENT"}"#,
        "2026-07-25T06:57:48.742Z [hang] [info] Initializing server... { metadata: undefined }",
        "",
    ]
    .join("\n");
    let events = parse_bytes("mcp-server-hang.log", log.as_bytes());
    let names: Vec<_> = events.iter().map(LogEvent::context_name).collect();
    let named = |n: &str| Some(n.to_owned());
    assert_eq!(
        names,
        [
            named("tools/list"),
            named("prompts/list"),
            named("resources/list"),
            None,
            None
        ],
        "{events:?}"
    );
    assert!(
        events[2]
            .context
            .as_deref()
            .is_some_and(|c| c.contains("stack"))
    );
}

/// Each event as `mcp-tray logs --json` prints it.
fn shown(events: &[LogEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| serde_json::to_string(e).expect("an event serialises"))
        .collect()
}

#[test]
fn hiding_secrets_masks_a_claude_log_event_s_message_text_context_and_diagnosis() {
    let log = concat!(
        r#"2026-11-24T10:00:00.000Z [gh] [info] Message from client: {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"login","arguments":{"password":"hunter2"}}} { metadata: undefined }"#,
        "\n",
        "2026-11-24T10:00:01.000Z [gh] [info] Using MCP server command: npx with args and path: {\n",
        "  metadata: {\n",
        "    args: [ '-y', 'mcp-remote', 'https://x.example/sse', '--header', 'X-API-Key: sk-key-9', [length]: 5 ],\n",
        "    paths: [ '/usr/bin', [length]: 1 ]\n",
        "  }\n",
        "} %o\n",
        "2026-11-24T10:00:02.000Z [gh] [error] Error POSTing to endpoint (HTTP 401): invalid_token for Bearer eyJ.tok-1\n",
    );
    let events = parse_bytes("mcp-server-gh.log", log.as_bytes());
    assert_eq!(events.len(), 3, "{events:#?}");
    let hidden: Vec<LogEvent> = events
        .iter()
        .cloned()
        .map(|e| e.secrets_hidden(true))
        .collect();
    let message = hidden[0].message.as_ref().expect("still a message").get();
    let message: serde_json::Value = serde_json::from_str(message).expect("still JSON");
    assert_eq!(
        message["params"]["arguments"]["password"],
        crate::redact::MARKER
    );
    let context = hidden[1].context.as_deref().unwrap_or("");
    assert!(
        context.contains("'X-API-Key: ••••••'") && context.contains("'https://x.example/sse'"),
        "{context}"
    );
    let failure = &hidden[2];
    assert_eq!(
        failure.text,
        "Error POSTing to endpoint (HTTP 401): invalid_token for Bearer ••••••"
    );
    let d = failure.diagnosis.as_ref().expect("still diagnosed");
    assert_eq!(d.code, codes::AUTH_REQUIRED);
    assert!(!d.detail.contains("tok-1"), "{}", d.detail);
    for (e, json) in hidden.iter().zip(shown(&hidden)) {
        for secret in ["hunter2", "sk-key-9", "tok-1"] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        assert_eq!(
            e.is_failure(),
            failure.ts == e.ts,
            "what is a failure stays one"
        );
    }
    // Not hidden: as Claude logged it.
    let kept: Vec<LogEvent> = events
        .iter()
        .cloned()
        .map(|e| e.secrets_hidden(false))
        .collect();
    assert_eq!(shown(&kept), shown(&events));
}

#[test]
fn hiding_secrets_changes_nothing_in_logs_that_hold_none_and_masks_our_journals_events_too() {
    for dir in ["macos-2025", "windows-2025", "newer-2026", "bridges"] {
        let events = read_dir(&fixtures(dir)).expect("fixtures readable");
        let hidden: Vec<LogEvent> = events
            .iter()
            .cloned()
            .map(|e| e.secrets_hidden(true))
            .collect();
        assert_eq!(shown(&hidden), shown(&events), "{dir}");
    }
    // A shim's event written while hiding was off (or by an older shim that did not mask event
    // text, such as a server's stderr lines) is masked when shown, as Claude's lines are.
    let entry: crate::journal::Entry = serde_json::from_str(
        r#"{"ts":"2026-11-24T08:00:01.000Z","server":"db","dir":"event","kind":"event","level":"error","text":"cannot reach postgresql://me:pw@db Bearer abc123secret"}"#,
    )
    .expect("a journal line");
    let event = journal_event(&entry).expect("an event");
    let hidden = event.clone().secrets_hidden(true).text;
    assert!(
        !hidden.contains("abc123secret") && !hidden.contains(":pw@"),
        "{hidden}"
    );
    assert_eq!(
        event.secrets_hidden(false).text,
        entry.text.unwrap_or_default()
    );
}

/// The MCP TypeScript SDK (1.2x, June 2026 on) drops a message past 10 MiB and closes the
/// connection; the rest of that message then fails to parse. Logged as Claude logs its
/// transport's errors (the `connection` context, as the Jira excerpt's), in the order the real SDK
/// gives them (`tests/peers`' SDK, seen with an 11 MiB reply).
#[test]
fn a_message_past_the_sdks_limit_is_too_large_and_its_cut_tail_is_not_pollution() {
    let log = "2026-12-05T11:00:00.100Z [files] [info] Message from client: {\"method\":\"tools/call\",\"params\":{\"name\":\"read_file\"},\"jsonrpc\":\"2.0\",\"id\":7}\n\
               2026-12-05T11:00:01.200Z [files] [error] ReadBuffer exceeded maximum size of 10485760 bytes {\"context\":\"connection\",\"stack\":\"Error: ReadBuffer exceeded maximum size of 10485760 bytes\\n    at ReadBuffer.append (index.js:56:115)\"}\n\
               2026-12-05T11:00:01.300Z [files] [error] Unexpected token 'x', \"xxxxxxxxxx\"... is not valid JSON {\"context\":\"connection\",\"stack\":\"SyntaxError: Unexpected token 'x', \\\"xxxxxxxxxx\\\"... is not valid JSON\"}\n\
               2026-12-05T11:00:01.400Z [files] [error] Server transport closed unexpectedly, this is likely due to the process exiting early.\n\
               2026-12-05T11:05:00.000Z [files] [error] Unexpected token 'S', \"Starting s\"... is not valid JSON {\"context\":\"connection\",\"stack\":\"SyntaxError\"}\n";
    let events = parse_bytes("mcp-server-files.log", log.as_bytes());
    assert_eq!(
        codes_of(&events),
        vec![codes::MESSAGE_TOO_LARGE, codes::STDOUT_POLLUTION],
        "the cut tail and the close are consequences; a later bad line is pollution again"
    );
    let diag = with_code(&events, codes::MESSAGE_TOO_LARGE)
        .diagnosis
        .clone()
        .expect("diagnosis");
    assert_eq!(diag.server.as_deref(), Some("files"));
    assert!(diag.summary.contains("(10 MiB)"), "{}", diag.summary);
    assert!(
        diag.fix.as_deref().unwrap_or("").contains("Ask for less"),
        "{diag:?}"
    );
}

/// A message Claude passed on holds the server's data: a file it read, a log it returned. Words
/// in it that read like Claude's own failures (a `spawn … ENOENT`, "is not valid JSON", a
/// -32001 timeout) are the data's, whether the message is whole JSON or was cut short.
#[test]
fn words_inside_a_relayed_message_are_not_taken_for_failures() {
    let payload = "old.log: Error: spawn uvx ENOENT; SyntaxError: Unexpected token 'S', \\\"Starting\\\" is not valid JSON; MCP error -32001: Request timed out";
    let log = format!(
        "2026-07-25T06:57:48.741Z [fs] [info] Message from server: {{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{{\"content\":[{{\"type\":\"text\",\"text\":\"{payload}\"}}]}}}} {{ metadata: undefined }}\n\
         2026-07-25T06:57:49.741Z [fs] [info] Message from server: {{\"jsonrpc\":\"2.0\",\"id\":8,\"result\":{{\"content\":[{{\"type\":\"text\",\"text\":\"{payload}\n"
    );
    let events = parse_bytes("mcp-server-fs.log", log.as_bytes());
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(codes_of(&events).is_empty(), "{:?}", codes_of(&events));
    // An error reply of the server's is still what it is.
    let timeout = "2026-07-25T06:57:50.741Z [fs] [info] Message from server: {\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32001,\"message\":\"Request timed out\"}} { metadata: undefined }\n";
    let events = parse_bytes("mcp-server-fs.log", timeout.as_bytes());
    assert_eq!(codes_of(&events), ["timeout"]);
}

/// Raw lines at the start of a file (Claude rotated it in the middle of a server's output) take
/// the stamp of the record after them; with no record after them, the file's last change.
#[test]
fn raw_lines_before_any_record_get_a_stamp() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("mcp-server-z.log");
    std::fs::write(
        &path,
        "    at Object.<anonymous> (/srv/z/index.js:3:9)\n\
         2026-07-25T06:57:48.741Z [z] [info] Server started and connected successfully\n",
    )
    .expect("write");
    let events = read_file(&path).expect("read");
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].kind, EventKind::ServerOutput);
    assert_eq!(events[0].ts, "2026-07-25T06:57:48.741Z");
    assert_eq!(events[0].ts_ms, events[1].ts_ms);

    std::fs::write(&path, "Usage: z [options]\n  --port N\n").expect("write");
    let events = read_file(&path).expect("read");
    let [only] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert!(crate::journal::parse_ts(&only.ts).is_some(), "{only:?}");
    assert!(only.ts_ms > 0, "{only:?}");
}

/// A server's own logger writes lines that start like Claude's records: in its file, they are
/// its output (Claude stamps its records in UTC, with a `T` and a `Z`), not records about a
/// server named after a thread, and words in them are not Claude's failures.
#[test]
fn a_servers_own_log_lines_in_its_file_are_its_output() {
    let log = "2026-07-25T06:57:48.741Z [z] [info] Initializing server... { metadata: undefined }\n\
               2025-01-06 10:12:24.548 [main] INFO c.e.App - Started\n\
               2025-01-06 10:12:24 [ERROR] upstream said: Unexpected token '<', \"<html>\" is not valid JSON\n\
               2026-07-25T06:57:49.741Z [z] [info] Server started and connected successfully { metadata: undefined }\n";
    let events = parse_bytes("mcp-server-z.log", log.as_bytes());
    assert!(
        events.iter().all(|e| e.server.as_deref() == Some("z")),
        "{events:#?}"
    );
    let output: Vec<&LogEvent> = events
        .iter()
        .filter(|e| e.kind == EventKind::ServerOutput)
        .collect();
    assert_eq!(output.len(), 1, "{events:#?}");
    assert!(
        output[0].text.contains("c.e.App - Started"),
        "{:?}",
        output[0]
    );
    assert!(codes_of(&events).is_empty(), "{:?}", codes_of(&events));
}
