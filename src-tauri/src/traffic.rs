//! Live traffic for the Traffic view: a tailer thread follows every server's journal (the files
//! the shims write, `mcp_tray_core::journal`) and sends what it read to the window in batches over
//! a [`tauri::ipc::Channel`], at most a few times a second, never one message per event. It reads
//! only after a journal changed while the window is shown ([`crate::wake`]): hidden, it sleeps.
//!
//! Reading and parsing journal lines is core's ([`journal::Tail`]); this module only schedules the
//! polls, shapes rows for the UI and batches them (and saves an export the view made). It must
//! never write a journal, and never keep
//! more than one tailer alive: a new stream (the window reloaded) ends the previous one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mcp_tray_core::journal::{self, Entry, Tail};
use mcp_tray_core::paths;
use mcp_tray_core::redact;
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::commands::off_main;
use crate::error::CommandError;
use crate::wake::{self, Wake};
use tauri::ipc::Channel;

/// The journals are read after they change while the window is shown, at most this often.
const MIN_GAP: Duration = Duration::from_millis(150);
/// Rows per batch: a first load of 100k messages goes out in a few dozen batches.
const BATCH_ROWS: usize = 5_000;

/// One journal line as the Traffic view shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TrafficRow {
    /// RFC 3339 with milliseconds.
    pub ts: String,
    pub server: String,
    /// The shim instance: ids pair up only within one session.
    pub session: String,
    /// One of MCP Tray's checks (a probe, doctor, a test in this app) ran this session, not
    /// Claude Desktop.
    pub check: bool,
    /// `c2s`, `s2c` or `event`.
    pub dir: String,
    /// `request`, `notification`, `response`, `error`, `batch`, `invalid` or `event`.
    pub kind: String,
    pub method: Option<String>,
    /// The JSON-RPC id as sent (`1`, `"a"`).
    pub id: Option<String>,
    pub bytes: Option<u32>,
    pub latency_ms: Option<f64>,
    /// The raw message (cut past the journal's size cap when `truncated`).
    pub msg: Option<String>,
    pub truncated: bool,
    /// Events: a diagnosis code (or `connected`…), `info`/`warn`/`error`, and a sentence.
    pub code: Option<String>,
    pub level: Option<String>,
    pub text: Option<String>,
    /// A reply whose result says the tool call failed (`"isError": true`): a JSON-RPC success
    /// that carries a failure, shown as one.
    pub tool_error: bool,
}

/// Whether `msg` (a reply) is a tool call's result that says it failed (`"result": {"isError":
/// true, …}`). Only a reply that holds the word is parsed; a reply cut at the journal's cap does
/// not parse, and is not said to be one.
fn says_tool_error(msg: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Reply {
        result: Outcome,
    }
    #[derive(serde::Deserialize)]
    struct Outcome {
        #[serde(rename = "isError", default)]
        is_error: bool,
    }
    msg.contains("\"isError\"")
        && serde_json::from_str::<Reply>(msg).is_ok_and(|reply| reply.result.is_error)
}

impl From<Entry> for TrafficRow {
    fn from(e: Entry) -> Self {
        let tool_error =
            e.kind == "response" && e.msg.as_ref().is_some_and(|m| says_tool_error(m.get()));
        TrafficRow {
            ts: e.ts,
            server: e.server,
            session: e.session,
            check: e.check,
            dir: e.dir,
            kind: e.kind,
            method: e.method,
            id: e.id.map(|id| id.get().to_owned()),
            bytes: e.bytes.map(|b| u32::try_from(b).unwrap_or(u32::MAX)),
            latency_ms: e.latency_ms,
            msg: e.msg.map(|m| m.get().to_owned()),
            truncated: e.truncated,
            code: e.code,
            level: e.level,
            text: e.text,
            tool_error,
        }
    }
}

/// A batch of rows; `initial` is true for the batches holding what the journals had at start.
#[derive(Debug, Clone, Serialize, Type)]
pub struct TrafficBatch {
    pub rows: Vec<TrafficRow>,
    pub initial: bool,
}

/// A server's health as its journal tells it (the tray shows the worst).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Health {
    /// Ended cleanly and not running since: nothing to worry about, nothing up either.
    Stopped,
    Ok,
    Degraded,
    Failing,
}

/// The codes of the info events that end a shim's run cleanly: the client stopped the server
/// ("server stopped (exit code 0)"), or a bridge ended its session with the remote.
const CLEAN_ENDS: [&str; 2] = ["stopped", "session-closed"];

/// What a journal row says about its server's health, if anything: an event's level, or any
/// message but an error reply (a server that talks is up). An error reply says nothing either
/// way: the shim answers requests itself when the server cannot (refused, sign-in required), and
/// the event it journals with that says what happened. A clean end says the server is stopped:
/// neither up nor failing.
pub(crate) fn health_of(row: &TrafficRow) -> Option<Health> {
    if row.dir != "event" {
        return (row.kind != "error").then_some(Health::Ok);
    }
    match row.level.as_deref() {
        Some("error") => Some(Health::Failing),
        Some("warn") => Some(Health::Degraded),
        Some("info") if row.code.as_deref().is_some_and(|c| CLEAN_ENDS.contains(&c)) => {
            Some(Health::Stopped)
        }
        Some("info") => Some(Health::Ok),
        _ => None,
    }
}

/// Which stream is the live one: older tailers see a newer number and stop.
#[derive(Default)]
pub(crate) struct TrafficStreams {
    live: Arc<AtomicU64>,
}

/// Follows every journal in `dir`, new ones included, and hands each poll's lines to `send` (in
/// time order, at most [`BATCH_ROWS`] a call). With `mask()` giving the known credentials at a
/// poll (`None`: secrets shown), the lines read then have their secrets hidden, those journaled
/// while redaction was off included, as an export has: the messages redacted, and the events'
/// free text (a server's stderr) masked as the Logs view masks it. Between
/// polls, `wait` blocks until the next one is due. Stops when `send` fails, `wait` says so, or
/// `live()` turns false.
fn follow(
    dir: &Path,
    mut send: impl FnMut(TrafficBatch) -> bool,
    live: impl Fn() -> bool,
    mask: impl Fn() -> Option<Vec<String>>,
    mut wait: impl FnMut() -> bool,
) {
    // By live file: rows carry their server, and a journal written before names were hashed
    // holds more than one server's.
    let mut tails: BTreeMap<PathBuf, Tail> = BTreeMap::new();
    let mut initial = true;
    while live() {
        for file in journal::journal_files(dir).unwrap_or_default() {
            tails
                .entry(file.clone())
                // History first: the live file from its start.
                .or_insert_with(|| Tail::open(file, true));
        }
        let mut rows: Vec<TrafficRow> = Vec::new();
        for tail in tails.values_mut() {
            match tail.poll() {
                Ok(entries) => rows.extend(entries.into_iter().map(TrafficRow::from)),
                Err(err) => eprintln!("mcp-tray-app: reading a journal failed: {err}"),
            }
        }
        if !rows.is_empty()
            && let Some(known) = mask()
        {
            for row in &mut rows {
                if let Some(msg) = &mut row.msg
                    && let std::borrow::Cow::Owned(masked) = redact::redact(msg.as_bytes())
                {
                    *msg = String::from_utf8_lossy(&masked).into_owned();
                }
                if let Some(text) = &mut row.text {
                    *text = redact::mask_free_text(text, &known);
                }
            }
        }
        // Fixed-width RFC 3339 UTC timestamps sort as text; the sort is stable within a server.
        rows.sort_by(|a, b| a.ts.cmp(&b.ts));
        // An empty first batch still tells the window the history is loaded.
        let empty_start = rows.is_empty() && initial;
        if empty_start
            && !send(TrafficBatch {
                rows: Vec::new(),
                initial,
            })
        {
            return;
        }
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<TrafficRow> = rows.by_ref().take(BATCH_ROWS).collect();
            if !send(TrafficBatch {
                rows: chunk,
                initial,
            }) {
                return;
            }
        }
        initial = false;
        if !wait() {
            return;
        }
    }
}

/// Streams every server's traffic to `channel`: first what the journals hold, then new lines as
/// they are written. A second call ends the first stream.
#[tauri::command]
#[specta::specta]
pub fn stream_traffic(
    streams: State<'_, TrafficStreams>,
    wake: State<'_, Wake>,
    channel: Channel<TrafficBatch>,
) {
    let counter = streams.live.clone();
    let mine = counter.fetch_add(1, Ordering::SeqCst) + 1;
    let dir = paths::journal_dir();
    let mut signal = wake.ui_signal();
    let spawned = std::thread::Builder::new()
        .name("traffic-tail".into())
        .spawn(move || {
            follow(
                &dir,
                |batch| channel.send(batch).is_ok(),
                || counter.load(Ordering::SeqCst) == mine,
                || {
                    mcp_tray_core::settings::load()
                        .redact
                        .then(crate::logs::known_secrets)
                },
                || {
                    let polled = Instant::now();
                    wake::wait_blocking(&mut signal, polled, MIN_GAP)
                },
            );
        });
    if let Err(err) = spawned {
        eprintln!("mcp-tray-app: cannot start the traffic tailer: {err}");
    }
}

/// Saves the rows the Traffic view shows (JSON lines, made by the view) as
/// `<data dir>/exports/traffic-<unix ms>.jsonl`; answers the file's path.
#[tauri::command]
#[specta::specta]
pub async fn export_traffic(lines: String) -> Result<String, CommandError> {
    off_main(move || {
        let settings = mcp_tray_core::settings::load();
        export_lines(&paths::data_dir(), lines, settings.redact).map(|p| p.display().to_string())
    })
    .await
}

/// Writes an export into `<data_dir>/exports`. With `redact`, lines recorded while redaction was
/// off are masked too (the journals are redacted as they are written).
fn export_lines(
    data_dir: &std::path::Path,
    lines: String,
    redact: bool,
) -> Result<std::path::PathBuf, CommandError> {
    let dir = data_dir.join("exports");
    let io_error = |path: &std::path::Path, e: std::io::Error| CommandError {
        code: "io-error".to_owned(),
        message: format!("{}: {e}", path.display()),
    };
    journal::create_private_dir(&dir).map_err(|e| io_error(&dir, e))?;
    let mut text = match redact {
        true => String::from_utf8_lossy(&redact::redact(lines.as_bytes())).into_owned(),
        false => lines,
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    // Named by when it was made (UTC, to the second: `traffic-2026-12-04T192210Z.jsonl`), and
    // never over another export of the same second.
    let now = journal::rfc3339_ms(std::time::SystemTime::now());
    let stamp = now.get(..19).unwrap_or(&now).replace(':', "");
    for n in 1.. {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let path = dir.join(format!("traffic-{stamp}Z{suffix}.jsonl"));
        match journal::private_file()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                use std::io::Write as _;
                file.write_all(text.as_bytes())
                    .map_err(|e| io_error(&path, e))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error(&path, e)),
        }
    }
    unreachable!("an export's name is found")
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Mutex;

    #[test]
    fn an_export_masks_secrets_unless_redaction_is_off() {
        let home = tempfile::tempdir().expect("tmp");
        let lines = r#"{"server":"s","msg":{"params":{"arguments":{"password":"hunter2"}}}}"#;
        let masked = export_lines(home.path(), lines.to_owned(), true).expect("export");
        let text = std::fs::read_to_string(&masked).expect("read");
        assert_eq!(
            text,
            "{\"server\":\"s\",\"msg\":{\"params\":{\"arguments\":{\"password\":\"[redacted]\"}}}}\n"
        );
        let raw = export_lines(home.path(), lines.to_owned(), false).expect("export");
        // Both in the same second: named by it, the second one not over the first.
        let names: Vec<String> = [&masked, &raw]
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        assert_ne!(names[0], names[1]);
        for name in &names {
            assert!(
                name.starts_with("traffic-20") && name.contains('T') && name.ends_with(".jsonl"),
                "{name}"
            );
        }
        assert!(
            std::fs::read_to_string(raw)
                .expect("read")
                .contains("hunter2")
        );
    }

    use super::*;

    fn line(ts: &str, server: &str, id: u32) -> String {
        format!(
            r#"{{"ts":"{ts}","server":"{server}","session":"0000abcd","pid":1,"dir":"c2s","kind":"request","method":"tools/list","id":{id},"bytes":40,"msg":{{"jsonrpc":"2.0","id":{id},"method":"tools/list"}}}}"#
        )
    }

    #[test]
    fn history_of_every_journal_arrives_in_time_order_then_new_lines_follow() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("b.jsonl"),
            format!("{}\n", line("2026-11-24T08:00:00.002Z", "b", 2)),
        )
        .expect("write b");
        std::fs::write(
            dir.path().join("a.jsonl"),
            format!("{}\n", line("2026-11-24T08:00:00.001Z", "a", 1)),
        )
        .expect("write a");

        let got: Arc<Mutex<Vec<TrafficBatch>>> = Arc::default();
        let polls = Arc::new(AtomicU64::new(0));
        let sink = got.clone();
        let counted = polls.clone();
        let path = dir.path().to_path_buf();
        let appended = std::thread::spawn(move || {
            follow(
                &path,
                |batch| {
                    sink.lock().expect("lock").push(batch);
                    true
                },
                || counted.fetch_add(1, Ordering::SeqCst) < 40,
                || None,
                || {
                    std::thread::sleep(Duration::from_millis(10));
                    true
                },
            );
        });
        std::thread::sleep(Duration::from_millis(100));
        let mut late = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("a.jsonl"))
            .expect("open a");
        writeln!(late, "{}", line("2026-11-24T08:00:01.000Z", "a", 3)).expect("append");
        appended.join().expect("tailer ends");

        let batches = got.lock().expect("lock");
        let first = &batches[0];
        assert!(first.initial);
        let order: Vec<(&str, Option<&str>)> = first
            .rows
            .iter()
            .map(|r| (r.server.as_str(), r.id.as_deref()))
            .collect();
        assert_eq!(order, [("a", Some("1")), ("b", Some("2"))]);
        let later: Vec<&TrafficRow> = batches[1..]
            .iter()
            .inspect(|b| assert!(!b.initial))
            .flat_map(|b| b.rows.iter())
            .collect();
        assert_eq!(later.len(), 1, "the appended line arrives once");
        assert_eq!(later[0].id.as_deref(), Some("3"));
        assert_eq!(
            later[0].msg.as_deref(),
            Some(r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#)
        );
    }

    #[test]
    fn an_error_event_makes_a_server_failing_until_it_talks_again() {
        let row = |dir: &str, level: Option<&str>| TrafficRow {
            ts: String::new(),
            server: "s".into(),
            session: String::new(),
            check: false,
            dir: dir.into(),
            kind: if dir == "event" { "event" } else { "request" }.into(),
            method: None,
            id: None,
            bytes: None,
            latency_ms: None,
            msg: None,
            truncated: false,
            code: None,
            level: level.map(str::to_owned),
            text: None,
            tool_error: false,
        };
        assert_eq!(
            health_of(&row("event", Some("error"))),
            Some(Health::Failing)
        );
        assert_eq!(
            health_of(&row("event", Some("warn"))),
            Some(Health::Degraded)
        );
        assert_eq!(health_of(&row("c2s", None)), Some(Health::Ok));
        assert_eq!(health_of(&row("event", None)), None);
        // An error reply may be the shim's own (refused, sign-in required): it says nothing.
        let answered_by_the_shim = TrafficRow {
            kind: "error".into(),
            ..row("s2c", None)
        };
        assert_eq!(health_of(&answered_by_the_shim), None);
        assert!(Health::Failing > Health::Degraded && Health::Degraded > Health::Ok);
        assert!(
            Health::Ok > Health::Stopped,
            "a stopped server does not colour the tray"
        );
    }

    #[test]
    fn a_tool_result_that_says_it_failed_is_a_tool_error_and_nothing_else_is() {
        let reply = |kind: &str, msg: &str| {
            let line = format!(
                r#"{{"ts":"2026-12-05T10:00:00.000Z","server":"s","session":"a","pid":1,"dir":"s2c","kind":"{kind}","id":7,"msg":{msg}}}"#
            );
            TrafficRow::from(serde_json::from_str::<Entry>(&line).expect("a journal line"))
        };
        let failed = reply(
            "response",
            r#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"Unknown tool: nope"}],"isError":true}}"#,
        );
        assert!(failed.tool_error);
        // Pretty-printed, as some servers write it.
        let spaced = reply(
            "response",
            r#"{"jsonrpc": "2.0", "id": 7, "result": {"isError" : true, "content": []}}"#,
        );
        assert!(spaced.tool_error);
        for fine in [
            r#"{"jsonrpc":"2.0","id":7,"result":{"content":[],"isError":false}}"#,
            r#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"\"isError\": true"}]}}"#,
            r#"{"jsonrpc":"2.0","id":7,"result":{"tools":[]}}"#,
        ] {
            assert!(!reply("response", fine).tool_error, "{fine}");
        }
        // A JSON-RPC error is an error of its own kind, not a tool's.
        let error = reply(
            "error",
            r#"{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"isError"}}"#,
        );
        assert!(!error.tool_error);
        // A tool that failed still answered: its server is up.
        assert_eq!(health_of(&failed), Some(Health::Ok));
    }

    #[test]
    fn a_clean_end_reads_as_stopped_not_connected_nor_failing() {
        let event = |code: &str, level: &str, text: &str| TrafficRow {
            ts: "2026-12-02T06:00:00.000Z".into(),
            server: "tiny".into(),
            session: "s".into(),
            check: false,
            dir: "event".into(),
            kind: "event".into(),
            method: None,
            id: None,
            bytes: None,
            latency_ms: None,
            msg: None,
            truncated: false,
            code: Some(code.into()),
            level: Some(level.into()),
            text: Some(text.into()),
            tool_error: false,
        };
        assert_eq!(
            health_of(&event("stopped", "info", "server stopped (exit code 0)")),
            Some(Health::Stopped)
        );
        assert_eq!(
            health_of(&event(
                "session-closed",
                "info",
                "session ended (DELETE answered 200)"
            )),
            Some(Health::Stopped)
        );
        // Other info events still say the server is up; an exit on its own is no clean end.
        assert_eq!(
            health_of(&event(
                "connected",
                "info",
                "connected to https://x.dev/mcp"
            )),
            Some(Health::Ok)
        );
        assert_eq!(
            health_of(&event("exited", "warn", "node exited (exit code 0)")),
            Some(Health::Degraded)
        );
    }

    #[test]
    fn a_closed_window_ends_the_tailer() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut sends = 0;
        follow(
            dir.path(),
            |_| {
                sends += 1;
                false
            },
            || true,
            || None,
            || true,
        );
        assert_eq!(sends, 1);
    }

    #[test]
    fn with_redaction_on_the_view_gets_masked_messages_even_from_lines_journaled_unmasked() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(
            dir.path().join("s.jsonl"),
            concat!(
                r#"{"ts":"2026-11-24T08:00:00.001Z","server":"s","session":"0000abcd","pid":1,"dir":"c2s","kind":"request","method":"tools/call","id":1,"bytes":90,"msg":{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"password":"hunter2"}}}}"#,
                "\n",
                // A server's stderr line, journaled with redaction off: a variable, and a key
                // known only as the value of the entry's env.
                r#"{"ts":"2026-11-24T08:00:00.002Z","server":"s","session":"0000abcd","pid":1,"dir":"event","kind":"event","code":"stderr","level":"info","text":"GITHUB_TOKEN=ghx81u2 rejected; Invalid API key: 4f8e2c91d7b3a6e5"}"#,
                "\n"
            ),
        )
        .expect("write");
        for mask in [true, false] {
            let mut got = Vec::new();
            follow(
                dir.path(),
                |batch| {
                    got.extend(batch.rows);
                    true
                },
                || true,
                || mask.then(|| vec!["4f8e2c91d7b3a6e5".to_owned()]),
                || false,
            );
            let msg = got[0].msg.as_deref().expect("a message");
            assert_eq!(msg.contains("[redacted]"), mask, "mask {mask}: {msg}");
            assert_eq!(msg.contains("hunter2"), !mask, "{msg}");
            let text = got[1].text.as_deref().expect("the event's text");
            for secret in ["ghx81u2", "4f8e2c91d7b3a6e5"] {
                assert_eq!(text.contains(secret), !mask, "mask {mask}: {text}");
            }
        }
    }

    #[test]
    fn the_tailer_ends_when_its_wait_says_so() {
        let dir = tempfile::tempdir().expect("tmp");
        let mut waits = 0;
        follow(
            dir.path(),
            |_| true,
            || true,
            || None,
            || {
                waits += 1;
                waits < 3
            },
        );
        assert_eq!(waits, 3);
    }
}
