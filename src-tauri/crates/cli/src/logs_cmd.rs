//! `mcp-tray logs [NAME] [--claude-logs DIR] [--errors] [--follow] [--json]`: Claude Desktop's
//! MCP logs as one time-ordered view, each failure with its diagnosis.
//!
//! An adapter over `mcp_tray_core::claude_logs`: aligned human lines by default, one JSON event
//! per line with `--json`. The events our shims wrote to their journals (connections, 401s,
//! refused connections) are merged in by time. Reading only: never writes to Claude's folder or
//! to a journal.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use mcp_tray_core::claude_logs::{self, EventKind, JournalEventTail, LogEvent, LogTail, StartAt};
use mcp_tray_core::config::ConfigFile;
use mcp_tray_core::diagnose::codes;
use mcp_tray_core::{clients, paths};

use crate::Context;
use crate::exit::{self, Failure};

#[derive(Debug, Subcommand)]
pub enum LogsCommand {
    /// Show Claude Desktop's MCP logs (mcp.log, mcp-server-NAME.log), failures explained.
    Logs(LogsArgs),
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Only this server's events; all servers when omitted.
    name: Option<String>,
    /// Claude's log folder (beats MCP_TRAY_CLAUDE_LOGS and the detected folder).
    #[arg(long, value_name = "DIR")]
    claude_logs: Option<PathBuf>,
    /// Only failures: errors, diagnosed failures, and every failure MCP Tray's shims reported
    /// (not MCP Tray's notes about itself, such as messages left out of a journal).
    #[arg(long)]
    errors: bool,
    /// Keep printing new events as Claude writes them.
    #[arg(long, short)]
    follow: bool,
    /// Print events as JSON, one per line.
    #[arg(long)]
    json: bool,
    /// Show only the last N events of the history (0 = all).
    #[arg(long, short = 'n', default_value_t = 100)]
    last: usize,
}

/// Whether `--errors` shows an event: an error or a diagnosed failure, and each warning a shim
/// journaled about its server (a line moved off stdout, a retried connection, a lost session…):
/// the log view diagnoses only the first of a code in a session, and the others, that said
/// something else, are failures still (doctor counts them, and points here to show each). Not
/// the journal's warnings about MCP Tray itself (`journal-dropped`: messages the disk could not
/// take), whose code is no failure's: the whole view shows those.
fn is_failure(e: &LogEvent) -> bool {
    e.is_failure()
        || (e.kind == EventKind::Journal
            && e.level >= claude_logs::Level::Warn
            && e.code.as_deref().is_some_and(|c| codes::ALL.contains(&c)))
}

/// Bytes read from the end of each log file when only the last events are shown.
const RECENT_BYTES: u64 = 8 * 1024 * 1024;
/// How often `--follow` looks for new lines.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);
/// Widest server column.
const SERVER_WIDTH: usize = 24;
/// Messages longer than this are cut in human output (`--json` has them whole).
const MESSAGE_WIDTH: usize = 160;

pub fn run(cmd: LogsCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let LogsCommand::Logs(args) = cmd;
    let dir = args
        .claude_logs
        .clone()
        .unwrap_or_else(clients::claude_logs_dir);
    let wanted = |e: &LogEvent| {
        args.name
            .as_deref()
            .is_none_or(|n| e.server.as_deref() == Some(n))
            && (!args.errors || is_failure(e))
    };
    let settings = mcp_tray_core::settings::load();
    // What Claude logged is shown with secrets hidden as the journals are (`redact`), read once.
    let hide_secrets = settings.redact;
    // And the credentials the config's servers are started with, wherever they stand.
    let file = ConfigFile::new(
        &clients::claude_config(ctx.config.as_deref()).path,
        mcp_tray_core::paths::data_dir(),
    );
    let doc = file.read().ok();
    let known = doc.as_ref().map(|d| d.known_secrets()).unwrap_or_default();
    // The servers a fix's command can name: the config's, enabled or disabled (unknown when the
    // config cannot be read).
    let listed: Option<BTreeSet<String>> = doc.map(|doc| {
        let disabled = file.disabled().unwrap_or_default();
        doc.servers
            .into_iter()
            .map(|s| s.name)
            .chain(disabled.into_iter().map(|d| d.name))
            .collect()
    });
    let shown = Shown {
        hide_secrets,
        known: &known,
        listed: listed.as_ref(),
        ctx,
    };
    let mut out = std::io::stdout().lock();
    if args.follow {
        // As without --follow: Claude's folder missing is said once, and what can be followed
        // (our journals, and Claude's folder once it appears) is.
        match std::fs::metadata(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.claude_logs.is_none() => {
                no_claude_folder(&dir);
            }
            _ => {}
        }
        let start = match args.last {
            0 => StartAt::Beginning,
            _ => StartAt::Recent(RECENT_BYTES),
        };
        let mut tail = LogTail::new(&dir, start);
        let mut journals = JournalEventTail::new(paths::journal_dir(), true);
        let mut poll = || {
            let mut batch: Vec<LogEvent> = tail.poll().into_iter().chain(journals.poll()).collect();
            batch.sort_by_key(|e| e.ts_ms);
            batch
        };
        let (mut history, other): (Vec<LogEvent>, Vec<LogEvent>) =
            poll().into_iter().partition(|e| wanted(e));
        if history.is_empty() {
            check_known(args.name.as_deref(), &servers_of(&other), ctx)?;
        }
        drop(other);
        keep_last(&mut history, args.last);
        let mut width = server_width(&history);
        print_all(&mut out, history, args.json, width, &shown)?;
        loop {
            std::thread::sleep(FOLLOW_EVERY);
            let batch: Vec<LogEvent> = poll().into_iter().filter(|e| wanted(e)).collect();
            width = width.max(server_width(&batch));
            print_all(&mut out, batch, args.json, width, &shown)?;
        }
    }
    // As many rotated files as the retention setting keeps (what `traffic` reads too).
    let kept = settings.journal.files_kept as usize;
    let read = |budget: Option<u64>| -> anyhow::Result<Vec<LogEvent>> {
        let events = match claude_logs::read_dir_recent(&dir, budget) {
            Ok(events) => events,
            // Where Claude Desktop has not written a log yet (or is not installed, as on Linux),
            // MCP Tray's own events still are worth showing. A folder given with --claude-logs
            // must exist: a typo there is said at once.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.claude_logs.is_none() => {
                no_claude_folder(&dir);
                Vec::new()
            }
            Err(e) => {
                return Err(Failure::new(
                    exit::FILE,
                    anyhow::anyhow!(
                        "cannot read Claude Desktop's log folder {}: {e}\n(give it with --claude-logs DIR or MCP_TRAY_CLAUDE_LOGS)",
                        dir.display()
                    ),
                )
                .into());
            }
        };
        Ok(events)
    };
    // The servers the logs read name, for a NAME with no events: is it known at all?
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let keep_wanted = |events: Vec<LogEvent>, seen: &mut BTreeSet<String>| -> Vec<LogEvent> {
        let (kept, other): (Vec<LogEvent>, Vec<LogEvent>) =
            events.into_iter().partition(|e| wanted(e));
        seen.extend(servers_of(&other));
        kept
    };
    // Read whole, once: as many files as the retention keeps.
    let journal = keep_wanted(
        claude_logs::read_journal_events(&paths::journal_dir(), kept),
        &mut seen,
    );
    // `-n 100` needs the recent part of each file only; a year of history can be 100s of MB.
    let budget = (args.last > 0).then_some(RECENT_BYTES);
    let mut events = keep_wanted(read(budget)?, &mut seen);
    // Fewer than asked for (a server or --errors picks few): the older part of a long log may
    // hold the rest, so it is read too rather than silently left out.
    if events.len() + journal.len() < args.last {
        let skipped = skipped_bytes(&dir, RECENT_BYTES);
        if skipped > 0 {
            eprintln!(
                "reading the older {:.0} MiB of Claude Desktop's logs for more events …",
                skipped as f64 / (1024.0 * 1024.0)
            );
            events = keep_wanted(read(None)?, &mut seen);
        }
    }
    events.extend(journal);
    // Stable: each source's own order is kept among equal stamps.
    events.sort_by_key(|e| e.ts_ms);
    keep_last(&mut events, args.last);
    if events.is_empty() {
        check_known(args.name.as_deref(), &seen, ctx)?;
    }
    if events.is_empty() && !args.json {
        eprintln!(
            "no {}events{} in Claude Desktop's logs ({}) or MCP Tray's journals ({})",
            if args.errors { "failure " } else { "" },
            args.name
                .as_deref()
                .map(|n| format!(" for `{n}`"))
                .unwrap_or_default(),
            dir.display(),
            paths::journal_dir().display()
        );
    }
    let width = server_width(&events);
    print_all(&mut out, events, args.json, width, &shown)?;
    Ok(ExitCode::SUCCESS)
}

/// The note for Claude Desktop's log folder missing where it was looked for (not given with
/// `--claude-logs`): MCP Tray's own events are still worth showing.
fn no_claude_folder(dir: &std::path::Path) {
    eprintln!(
        "note: Claude Desktop's log folder {} does not exist (yet); showing MCP Tray's own events only",
        dir.display()
    );
}

/// For a `name` none of the events read is about: an error (a user error, as for an unknown
/// server elsewhere) when no server of that name is known at all, neither in the config (enabled
/// or disabled) nor among the servers of `seen` (Claude's logs and MCP Tray's journals), naming
/// the known ones or the near one meant. A known server with no events is no mistake, nor is any
/// name when the config cannot be read (what it holds is not known): that is said as a note, with
/// the near name the logs and journals know, if any.
fn check_known(name: Option<&str>, seen: &BTreeSet<String>, ctx: &Context) -> anyhow::Result<()> {
    let Some(name) = name else { return Ok(()) };
    let location = clients::claude_config(ctx.config.as_deref());
    let file = ConfigFile::new(&location.path, paths::data_dir()).allow_bom(true);
    let (doc, disabled) = match (file.read(), file.disabled()) {
        (Ok(doc), Ok(disabled)) => (doc, disabled),
        (Err(e), _) | (_, Err(e)) => {
            if !seen.contains(name) {
                let seen: BTreeSet<&str> = seen.iter().map(String::as_str).collect();
                let near = near(name, &seen)
                    .map(|n| format!("\ndid you mean \"{n}\", which the logs name?"))
                    .unwrap_or_default();
                eprintln!(
                    "note: whether the config holds a server named \"{name}\" is not known, as it cannot be read: {}{near}",
                    e.to_string().lines().next().unwrap_or_default()
                );
            }
            return Ok(());
        }
    };
    let known: BTreeSet<&str> = doc
        .servers
        .iter()
        .map(|s| s.name.as_str())
        .chain(disabled.iter().map(|d| d.name.as_str()))
        .chain(seen.iter().map(String::as_str))
        .collect();
    if known.contains(name) {
        return Ok(());
    }
    let listed = {
        let shown: Vec<&str> = known.iter().copied().take(KNOWN_SHOWN).collect();
        match known.len().saturating_sub(KNOWN_SHOWN) {
            0 => shown.join(", "),
            more => format!("{} (+{more})", shown.join(", ")),
        }
    };
    let hint = match near(name, &known) {
        Some(near) => format!("did you mean \"{near}\"? Known servers: {listed}"),
        None if known.is_empty() => {
            "no server is known yet: the config holds none, and no log or journal names one"
                .to_owned()
        }
        None => format!("known servers: {listed}"),
    };
    Err(Failure::new(
        exit::USER,
        anyhow::anyhow!(
            "no server named \"{name}\" in {}, Claude Desktop's logs or MCP Tray's journals\n{hint}",
            location.path.display()
        ),
    )
    .into())
}

/// The servers `events` are about.
fn servers_of(events: &[LogEvent]) -> BTreeSet<String> {
    events.iter().filter_map(|e| e.server.clone()).collect()
}

/// Known server names listed at most in the error for an unknown one.
const KNOWN_SHOWN: usize = 20;

/// The known name `name` is closest to, when it is close: the same but for case, or a few letters
/// apart (a third of the name's length, at least one).
fn near<'a>(name: &str, known: &BTreeSet<&'a str>) -> Option<&'a str> {
    let name: Vec<char> = name.to_lowercase().chars().collect();
    known
        .iter()
        .map(|k| {
            let lower: Vec<char> = k.to_lowercase().chars().collect();
            (edit_distance(&name, &lower), lower.len(), *k)
        })
        .filter(|(d, len, _)| *d <= (len / 3).max(1))
        .min_by_key(|(d, _, _)| *d)
        .map(|(_, _, k)| k)
}

/// Levenshtein distance between `a` and `b`.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Bytes of Claude's log files in `dir` before their last `recent` bytes: what a read of the
/// recent part of each skips.
fn skipped_bytes(dir: &std::path::Path, recent: u64) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(claude_logs::is_claude_log)
        })
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len().saturating_sub(recent))
        .sum()
}

fn keep_last(events: &mut Vec<LogEvent>, last: usize) {
    if last > 0 && events.len() > last {
        events.drain(..events.len() - last);
    }
}

fn server_width(events: &[LogEvent]) -> usize {
    events
        .iter()
        .map(|e| e.server.as_deref().map_or(1, crate::columns::width))
        .max()
        .unwrap_or(0)
        .clamp(6, SERVER_WIDTH)
}

/// How events are shown: with their secrets hidden when `hide_secrets` (text and JSON alike), the
/// `known` ones ([`mcp_tray_core::config::ConfigDocument::known_secrets`]) wherever they stand;
/// the commands a diagnosis names carry this run's `--config`, and name a server of `listed`.
struct Shown<'a> {
    hide_secrets: bool,
    known: &'a [String],
    /// The config's servers, when it could be read.
    listed: Option<&'a BTreeSet<String>>,
    ctx: &'a Context,
}

/// Prints `events` as [`Shown`] says.
fn print_all(
    out: &mut impl Write,
    events: Vec<LogEvent>,
    json: bool,
    width: usize,
    shown: &Shown<'_>,
) -> anyhow::Result<()> {
    let ctx = shown.ctx;
    for event in events {
        let mut event = event.secrets_hidden_with(shown.hide_secrets, shown.known);
        event.diagnosis = event.diagnosis.map(|d| {
            // A fix whose command names a server the config no longer holds (removed, renamed)
            // would fail as it stands: said first.
            let gone = match (&d.server, &d.fix, shown.listed) {
                (Some(server), Some(fix), Some(listed)) => {
                    fix.contains(mcp_tray_core::diagnose::NAME) && !listed.contains(server)
                }
                _ => false,
            };
            let mut d = d.with_name_in_fix();
            if gone && let (Some(server), Some(fix)) = (&d.server, &d.fix) {
                d.fix = Some(format!(
                    "{server} is not in the config now (removed or renamed?); were it put back: {fix}"
                ));
            }
            d.fix = d.fix.map(|fix| ctx.with_config(&fix));
            d.detail = ctx.with_config(&d.detail);
            d
        });
        if json {
            writeln!(out, "{}", serde_json::to_string(&event)?)?;
        } else {
            write!(out, "{}", human(&event, width))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `2025-03-04 10:08:20.078  error  sentry  spawn uvx ENOENT (context: connection)`, then the
/// diagnosis, indented. Of the context, only its name (records with the same words often differ
/// only there); `--json` has all of it.
fn human(e: &LogEvent, width: usize) -> String {
    let ts = e.ts.replacen('T', " ", 1);
    let ts = ts.trim_end_matches('Z');
    let level = match e.kind {
        EventKind::ServerOutput => "out",
        EventKind::Journal if e.level < claude_logs::Level::Warn => "tray",
        _ => e.level.as_str(),
    };
    let server = crate::columns::pad(
        &crate::columns::clip(&shown(e.server.as_deref().unwrap_or("-")), width),
        width,
    );
    let indent = " ".repeat(ts.chars().count() + 2 + 5 + 2 + width + 2);
    let mut text = e.text.clone();
    if let Some(message) = &e.message {
        let raw = message.get();
        let cut: String = raw.chars().take(MESSAGE_WIDTH).collect();
        let more = if cut.len() < raw.len() { "…" } else { "" };
        text = format!("{text}: {cut}{more}");
    }
    if e.truncated {
        text.push_str(" [line cut]");
    }
    let mut lines = text.lines().map(shown);
    let about = e
        .context_name()
        .map(|c| format!(" (context: {})", shown(&c)))
        .unwrap_or_default();
    let mut s = format!(
        "{ts}  {level:<5}  {server}  {}{about}\n",
        lines.next().unwrap_or_default()
    );
    for line in lines {
        s.push_str(&indent);
        s.push_str(&line);
        s.push('\n');
    }
    if let Some(d) = &e.diagnosis {
        if d.summary == e.text {
            s.push_str(&format!("{indent}✗ {}\n", shown(&d.code)));
        } else {
            s.push_str(&format!(
                "{indent}✗ {}: {}\n",
                shown(&d.code),
                shown(&d.summary)
            ));
        }
        if let Some(fix) = &d.fix {
            s.push_str(&format!("{indent}  fix: {}\n", shown(fix)));
        }
    }
    s
}

/// One line of a log as the terminal shows it: the colour codes a server's stderr carried into
/// the log (whole `ESC [ … m` sequences, and the cursor moves written the same way) dropped, a
/// tab made spaces, and every other control character written out (`\r`, `\u{1b}`, `\u{7}`):
/// printed as they are, they would restyle the terminal, move its cursor or overwrite the line.
/// No text is dropped with them.
fn shown(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find("\u{1b}[") {
        plain.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        // Parameters and intermediates (0x20-0x3F), then one final byte (0x40-0x7E).
        let params = after
            .bytes()
            .take_while(|b| (0x20..=0x3f).contains(b))
            .count();
        match after.as_bytes().get(params) {
            Some(0x40..=0x7e) => rest = &after[params + 1..],
            // Not a whole sequence: kept, its ESC written out below.
            _ => {
                plain.push_str("\u{1b}[");
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    crate::columns::printable(&plain.replace('\t', "    ")).into_owned()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn no_config() -> Context {
        Context {
            config: None,
            keep_bom: false,
        }
    }

    /// Secrets hidden, no config read.
    fn plain(ctx: &Context) -> Shown<'_> {
        Shown {
            hide_secrets: true,
            known: &[],
            listed: None,
            ctx,
        }
    }

    fn fixture(dir: &str) -> Vec<LogEvent> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../tests/fixtures/claude-logs")
            .join(dir);
        claude_logs::read_dir(&dir).expect("fixtures readable")
    }

    #[test]
    fn human_lines_align_the_text_column_and_explain_failures() {
        let events = fixture("macos-2025");
        let width = server_width(&events);
        let mut out = Vec::new();
        print_all(&mut out, events, false, width, &plain(&no_config())).expect("printed");
        let text = String::from_utf8(out).expect("utf-8");
        let column = |line: &str| line.find("  Initializing").or_else(|| line.find("  spawn"));
        let columns: Vec<usize> = text.lines().filter_map(column).collect();
        assert!(columns.len() >= 4, "{text}");
        assert!(columns.windows(2).all(|w| w[0] == w[1]), "{text}");
        assert!(
            text.contains("✗ command-not-found: Claude Desktop could not find the command `uvx`"),
            "{text}"
        );
        assert!(text.contains("fix: Install uv"), "{text}");
        assert!(text.contains("✗ timeout:"), "{text}");
    }

    /// A server's coloured stderr, copied into Claude's log, and a line that tries to move the
    /// cursor or retitle the terminal: printed as text, never as escape sequences.
    #[test]
    fn a_servers_escape_sequences_reach_the_terminal_as_text() {
        let log = "2026-07-25T06:57:48.741Z [z] [info] Initializing server...\n\
                   \u{1b}[31mError:\u{1b}[0m bad key\n\
                   \u{1b}]0;owned\u{7}title\rover\n\
                   \tat Main.run\n";
        let events = claude_logs::parse_bytes("mcp-server-z.log", log.as_bytes());
        let mut out = Vec::new();
        print_all(&mut out, events, false, 2, &plain(&no_config())).expect("printed");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
        assert!(text.contains("Error: bad key"), "{text}");
        // An escape sequence that is not a colour is shown, written out, with the text after it.
        assert!(text.contains("\\u{1b}]0;owned\\u{7}title\\rover"), "{text}");
        assert!(text.contains("    at Main.run"), "{text}");
    }

    #[test]
    fn failures_that_differ_only_in_their_context_read_differently() {
        let log: String = ["tools/list", "resources/list", "prompts/list"]
            .iter()
            .map(|req| {
                format!(
                    "2026-07-25T06:57:48.741Z [hang] [error] MCP error -32001: Request timed out {{ metadata: {{ context: '{req}', stack: 'McpError: MCP error -32001: Request timed out\\n    at x' }} }}\n"
                )
            })
            .collect();
        let events = claude_logs::parse_bytes("mcp-server-hang.log", log.as_bytes());
        let mut out = Vec::new();
        print_all(&mut out, events, false, 6, &plain(&no_config())).expect("printed");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().filter(|l| l.contains("timed out")).collect();
        assert_eq!(lines.len(), 3, "{text}");
        for (line, req) in lines
            .iter()
            .zip(["tools/list", "resources/list", "prompts/list"])
        {
            assert!(
                line.ends_with(&format!(
                    "MCP error -32001: Request timed out (context: {req})"
                )),
                "{text}"
            );
        }
        assert!(
            !text.contains("McpError") && !text.contains("at x"),
            "{text}"
        );
    }

    #[test]
    fn json_output_is_one_event_per_line() {
        let events = fixture("bridges");
        let count = events.len();
        let mut out = Vec::new();
        print_all(&mut out, events, true, 0, &plain(&no_config())).expect("printed");
        let text = String::from_utf8(out).expect("utf-8");
        let parsed: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect();
        assert_eq!(parsed.len(), count);
        assert!(
            parsed
                .iter()
                .any(|v| v["diagnosis"]["code"] == "auth-required" && v["server"] == "linear")
        );
    }
}
