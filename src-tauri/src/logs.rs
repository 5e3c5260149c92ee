//! Live logs for the Logs view: Claude Desktop's MCP logs (`MCP_TRAY_CLAUDE_LOGS`) and our
//! journals' events, merged by time (`mcp_tray_core::claude_logs::follow_with_journals`), sent to
//! the window in batches over a [`tauri::ipc::Channel`]. The files are read only after they changed
//! while the window is shown ([`crate::wake`]): hidden, the stream sleeps.
//!
//! Parsing and diagnosing log lines is core's; this module only shapes events for the UI and
//! batches them, hiding the secrets of what Claude logged while the `redact` setting ("Hide
//! secrets") says so, as the Traffic view does. It must never read log files itself (it only
//! looks at their sizes, to tell the view which ones it sees only the end of), and never keep more
//! than one follower alive: a new stream (the window reloaded) cancels the previous one.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use mcp_tray_core::claude_logs::{
    Followed, LogEvent, Pace, StartAt, follow_with_journals, is_claude_log,
};
use mcp_tray_core::diagnose::Audience;
use mcp_tray_core::{clients, paths};
use serde::Serialize;
use specta::Type;
use tauri::State;
use tauri::ipc::Channel;
use tokio_util::sync::CancellationToken;

use crate::add_server::DiagnosisView;
use crate::wake::Wake;

/// The files are read after they change while the window is shown, at most this often.
const MIN_GAP: Duration = Duration::from_millis(250);
/// How long a batch gathers the rest of a poll's events once the first arrived.
const GATHER: Duration = Duration::from_millis(20);
/// How much of each existing log file, Claude's and our journals alike, is read at start (its
/// recent end): after a restart the view opens on what happened lately, then follows.
const RECENT_BYTES: u32 = 256 * 1024;

/// One log event as the Logs view shows it.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LogRow {
    pub ts: String,
    /// `claude-log` or `journal`.
    pub source: String,
    pub server: Option<String>,
    /// `debug`, `info`, `warn` or `error`.
    pub level: String,
    pub text: String,
    /// The request the record was about, as its context names it (`tools/list`): records with
    /// the same words in one millisecond often differ only there. Never the whole context.
    pub context: Option<String>,
    pub diagnosis: Option<DiagnosisView>,
    pub failure: bool,
    /// Set on the rows of a Claude log file that was longer than what is read of it at start:
    /// its older lines are not shown. Absent on the others.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_in_part: Option<ReadInPart>,
}

/// A Claude log file of which only the end was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReadInPart {
    /// Its name (`mcp.log`).
    pub file: String,
    /// How much of its end was read, in bytes.
    pub read_bytes: u32,
}

/// The Claude log files in `dir` longer than what is read of them at start, by name. Only their
/// sizes are looked at; files that appear later are read whole.
fn read_in_part(dir: &Path) -> HashMap<String, ReadInPart> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HashMap::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.metadata()
                .is_ok_and(|m| m.len() > u64::from(RECENT_BYTES))
        })
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|name| is_claude_log(name))
        .map(|file| {
            let part = ReadInPart {
                file: file.clone(),
                read_bytes: RECENT_BYTES,
            };
            (file, part)
        })
        .collect()
}

fn word(value: impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The rows of one batch, the secrets of what Claude logged hidden when `hide_secrets`
/// ([`LogEvent::hide_secrets`]); the rows of a file in `cut` say it was read only in part.
/// The credentials the config's servers are started with are masked wherever they stand (`known`,
/// [`mcp_tray_core::config::ConfigDocument::known_secrets`]).
fn rows(
    events: Vec<LogEvent>,
    hide_secrets: bool,
    known: &[String],
    cut: &HashMap<String, ReadInPart>,
) -> Vec<LogRow> {
    events
        .into_iter()
        .map(|e| {
            let part = e.file.as_ref().and_then(|file| cut.get(file)).cloned();
            LogRow {
                read_in_part: part,
                ..e.secrets_hidden_with(hide_secrets, known).into()
            }
        })
        .collect()
}

/// The credentials the servers of the config in use are started with (none when it cannot be
/// read).
pub(crate) fn known_secrets() -> Vec<String> {
    crate::in_use::config_file()
        .read()
        .map(|doc| doc.known_secrets())
        .unwrap_or_default()
}

impl From<LogEvent> for LogRow {
    fn from(e: LogEvent) -> Self {
        LogRow {
            failure: e.is_failure(),
            context: e.context_name(),
            ts: e.ts,
            source: word(e.source),
            server: e.server,
            level: e.level.as_str().to_owned(),
            text: e.text,
            // Away from the servers' rows: a fix names where their buttons are.
            diagnosis: e
                .diagnosis
                .as_ref()
                .map(|d| DiagnosisView::shown_in(Audience::AppLogs, d)),
            read_in_part: None,
        }
    }
}

/// The live follower, cancelled when a new one starts.
#[derive(Default)]
pub(crate) struct LogStreams(Mutex<Option<CancellationToken>>);

/// Streams Claude's logs and our journals' events to `channel`: the recent end of what exists
/// (once it is all read, a batch goes even when empty, so the view knows it was read), then new
/// events as they are written.
#[tauri::command]
#[specta::specta]
pub fn stream_logs(
    streams: State<'_, LogStreams>,
    wake: State<'_, Wake>,
    channel: Channel<Vec<LogRow>>,
) {
    let token = CancellationToken::new();
    if let Some(previous) = streams
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .replace(token.clone())
    {
        previous.cancel();
    }
    let claude_dir = clients::claude_logs_dir();
    let journal_dir = paths::journal_dir();
    let signal = wake.ui_signal();
    tauri::async_runtime::spawn(async move {
        // Looked at before the follower's first read, which starts at the end of these files.
        let cut = read_in_part(&claude_dir);
        let Followed {
            mut events,
            mut caught_up,
        } = follow_with_journals(
            claude_dir,
            journal_dir,
            StartAt::Recent(u64::from(RECENT_BYTES)),
            Pace::OnSignal(signal, MIN_GAP),
            token.clone(),
        );
        let mut read = false;
        loop {
            let first = tokio::select! {
                () = token.cancelled() => break,
                // The history is read: what it holds goes now, and a batch goes even when it
                // holds nothing, so that the view stops saying it is reading.
                _ = &mut caught_up, if !read => {
                    read = true;
                    None
                }
                event = events.recv() => match event {
                    Some(event) => Some(event),
                    None => break,
                },
            };
            let mut batch = Vec::new();
            if let Some(first) = first {
                // One poll's events arrive together: let the rest of them in, then send them as
                // one batch (this timer runs only while events flow).
                tokio::time::sleep(GATHER).await;
                batch.push(first);
            }
            while let Ok(event) = events.try_recv() {
                batch.push(event);
            }
            // Read at each batch: turning "Hide secrets" on applies to what comes next.
            let hide_secrets = mcp_tray_core::settings::load().redact;
            let known = if hide_secrets {
                known_secrets()
            } else {
                Vec::new()
            };
            if channel
                .send(rows(batch, hide_secrets, &known, &cut))
                .is_err()
            {
                token.cancel();
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use mcp_tray_core::claude_logs;

    use super::*;

    #[test]
    fn a_credential_a_server_is_started_with_is_hidden_wherever_claude_logged_it() {
        use mcp_tray_core::config::ConfigDocument;
        let doc = ConfigDocument::parse(
            std::path::Path::new("c.json"),
            br#"{"mcpServers": {"keyed": {"command": "npx", "args": ["-y", "keyed-server", "--api-key", "sk-ARG-SECRET987"], "env": {"API_TOKEN": "tok-ENV-SECRET-555"}}}}"#,
            false,
        )
        .expect("parses");
        let known = doc.known_secrets();
        // The server's stderr, which Claude copies into its log as it is.
        let log = concat!(
            "2026-11-24T10:00:00.000Z [keyed] [info] started with token tok-ENV-SECRET-555\n",
            "2026-11-24T10:00:01.000Z [keyed] [error] key sk-ARG-SECRET987 refused\n",
        );
        let events = claude_logs::parse_bytes("mcp-server-keyed.log", log.as_bytes());
        let hidden = rows(events.clone(), true, &known, &HashMap::new());
        assert_eq!(hidden[0].text, "started with token [redacted]");
        assert_eq!(hidden[1].text, "key [redacted] refused");
        // Hiding off: as Claude wrote it.
        let shown = rows(events, false, &known, &HashMap::new());
        assert!(shown[1].text.contains("sk-ARG-SECRET987"));
    }

    #[test]
    fn the_view_gets_claudes_log_with_its_secrets_hidden_unless_hiding_is_off() {
        let log = concat!(
            "2026-11-24T10:00:00.000Z [gh] [error] Error: HTTP 401 Unauthorized (sent Authorization: Bearer tok-1)\n",
            "2026-11-24T10:00:01.000Z [gh] [info] Using MCP server command: npx -y mcp-remote https://x/sse --header X-API-Key: k-2\n",
        );
        let events = claude_logs::parse_bytes("mcp-server-gh.log", log.as_bytes());
        let hidden = rows(events.clone(), true, &[], &HashMap::new());
        assert_eq!(
            hidden[0].text,
            "Error: HTTP 401 Unauthorized (sent Authorization: ••••••)"
        );
        let diagnosis = hidden[0].diagnosis.as_ref().expect("still diagnosed");
        assert!(hidden[0].failure && !diagnosis.detail.contains("tok-1"));
        assert_eq!(
            hidden[1].text,
            "Using MCP server command: npx -y mcp-remote https://x/sse --header X-API-Key: ••••••"
        );
        let shown = rows(events, false, &[], &HashMap::new());
        assert!(
            shown[0].text.ends_with("Bearer tok-1)"),
            "{}",
            shown[0].text
        );
        assert!(
            shown[1].text.ends_with("X-API-Key: k-2"),
            "{}",
            shown[1].text
        );
    }

    /// A bridge's journal event, as the Logs view gets it.
    fn journal_row(code: &str, text: &str) -> LogRow {
        let line = serde_json::json!({
            "ts": "2026-12-05T14:02:00.000Z", "server": "linear", "session": "s", "pid": 4,
            "dir": "event", "kind": "event", "code": code, "level": "error", "text": text,
        });
        let entry = serde_json::from_value(line).expect("a journal line");
        let event = claude_logs::journal_event(&entry).expect("an event");
        rows(vec![event], false, &[], &HashMap::new()).remove(0)
    }

    #[test]
    fn a_sign_in_asked_for_in_the_logs_view_says_where_its_button_is() {
        // The Logs view has no Sign in button: the fix names the row that has one.
        for text in [
            "sign-in required for linear: open MCP Tray or run mcp-tray auth login linear",
            "sign-in to linear failed: the sign-in was denied (access_denied); run mcp-tray auth login linear",
            "the server answered 401",
        ] {
            let row = journal_row("auth-required", text);
            let fix = row.diagnosis.and_then(|d| d.fix).expect("a fix");
            assert!(
                fix.contains("row in the Servers view"),
                "{text}: the fix names where the button is: {fix}"
            );
            assert!(!fix.contains("mcp-tray "), "{text}: {fix}");
        }
    }

    #[test]
    fn the_rows_of_a_log_file_read_only_in_part_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let big = "2026-11-24T10:00:00.000Z [gh] [info] Message from server: ok\n"
            .repeat(RECENT_BYTES as usize / 50);
        std::fs::write(dir.path().join("mcp-server-gh.log"), &big).unwrap();
        std::fs::write(dir.path().join("mcp.log"), &big[..1000]).unwrap();
        std::fs::write(dir.path().join("other.txt"), &big).unwrap();
        let cut = read_in_part(dir.path());
        assert_eq!(
            cut.keys().collect::<Vec<_>>(),
            ["mcp-server-gh.log"],
            "only a Claude log longer than what is read"
        );

        let mut gh = claude_logs::parse_bytes("mcp-server-gh.log", &big.as_bytes()[..200]);
        gh.extend(claude_logs::parse_bytes("mcp.log", &big.as_bytes()[..200]));
        let shown = rows(gh, false, &[], &cut);
        assert_eq!(
            shown[0].read_in_part,
            Some(ReadInPart {
                file: "mcp-server-gh.log".into(),
                read_bytes: RECENT_BYTES
            })
        );
        assert_eq!(shown.last().unwrap().read_in_part, None);
    }
}
