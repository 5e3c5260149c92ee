//! `mcp-tray traffic [NAME] [--follow] [--json]`: reads the traffic journals the shims write.
//!
//! A human table by default (time, server, direction, method, id, latency, size), the journal
//! lines themselves with `--json`. Reading only: this module never writes or rotates a journal.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use mcp_tray_core::journal::{self, Entry, Tail};
use mcp_tray_core::paths;

use mcp_tray_core::clients;
use mcp_tray_core::config::{ConfigFile, EntryKind};

use crate::Context;
use crate::exit::{self, Failure};

#[derive(Debug, Subcommand)]
pub enum TrafficCommand {
    /// Show the JSON-RPC traffic of a server (or of all), requests paired with their latency.
    Traffic(TrafficArgs),
}

#[derive(Debug, Args)]
pub struct TrafficArgs {
    /// The server's name (as given to `bridge --name`); all servers when omitted.
    name: Option<String>,
    /// Keep printing new messages as they arrive.
    #[arg(long, short)]
    follow: bool,
    /// Print journal lines as JSON, one per line.
    #[arg(long)]
    json: bool,
    /// Show only the last N messages of the history (0 = all).
    #[arg(long, short = 'n', default_value_t = 50)]
    last: usize,
}

/// How entries are printed.
#[derive(Clone, Copy)]
enum Output {
    Table,
    /// Journal lines; with `redact`, lines journaled while redaction was off are masked too.
    Json {
        redact: bool,
    },
}

/// `traffic NAME` when no journal of NAME exists: why, by what the config says of NAME. A server
/// of the config that has not run through MCP Tray yet is no mistake (exit 0); a name nobody
/// knows is (exit 1).
fn nothing_recorded(name: &str, dir: &Path, ctx: &Context) -> anyhow::Result<ExitCode> {
    let location = clients::claude_config(ctx.config.as_deref());
    let file = ConfigFile::new(&location.path, paths::data_dir()).allow_bom(true);
    let looked = format!("looked in {}", dir.display());
    let read = file.read();
    let kind = read
        .as_ref()
        .ok()
        .and_then(|doc| doc.server(name).map(|s| s.kind.clone()));
    let disabled = || {
        file.disabled()
            .is_ok_and(|d| d.iter().any(|d| d.name == name))
    };
    // A server renamed through MCP Tray keeps its earlier traffic under the name it had.
    // (Not a rename undone since, nor a former name a server of the config has now.)
    let in_config = |n: &str| read.as_ref().is_ok_and(|doc| doc.server(n).is_some());
    let renamed_from = file.history().ok().and_then(|history| {
        history.iter().filter(|h| !h.undone).find_map(|h| {
            h.op.strip_prefix("rename ")
                .and_then(|r| r.split_once(" → "))
                .filter(|(from, to)| *to == name && !in_config(from))
                .map(|(from, _)| from.to_owned())
        })
    });
    let earlier = renamed_from
        .filter(|from| journal::journal_path(dir, from).exists())
        .map(|from| {
            format!(
                "; what it said before it was renamed is under its former name: `mcp-tray \
                 traffic {}`",
                crate::columns::printable(&from)
            )
        })
        .unwrap_or_default();
    let why = match kind {
        Some(EntryKind::Remote { .. } | EntryKind::Tapped { .. }) => format!(
            "no traffic recorded for `{name}` yet ({looked}): it is recorded from the next time \
             Claude Desktop starts it (restart Claude Desktop after adding or changing it){earlier}"
        ),
        Some(EntryKind::Local) => format!(
            "no traffic recorded for `{name}` ({looked}): Claude Desktop starts it directly, so \
             MCP Tray does not see its messages; `mcp-tray tap {name}` captures them from \
             Claude Desktop's next start"
        ),
        Some(EntryKind::McpRemote { .. }) => format!(
            "no traffic recorded for `{name}` ({looked}): it runs through `npx mcp-remote`, which \
             MCP Tray does not see; `mcp-tray doctor --fix {name}` moves it to MCP Tray's bridge, \
             which records it"
        ),
        Some(EntryKind::UrlEntry { .. } | EntryKind::Invalid { .. }) => format!(
            "no traffic recorded for `{name}` ({looked}): Claude Desktop cannot start this entry; \
             `mcp-tray doctor {name}` says why"
        ),
        None if disabled() => format!(
            "no traffic recorded for `{name}` ({looked}): it is disabled, so Claude Desktop does \
             not start it"
        ),
        None => match &read {
            // What the config holds is not known: no claim that the name is not in it.
            Err(e) => format!(
                "no traffic recorded for `{name}` ({looked}); whether the config holds a server \
                 of that name is not known, as it cannot be read: {}",
                e.to_string().lines().next().unwrap_or_default()
            ),
            Ok(_) => {
                return Err(Failure::new(
                    exit::USER,
                    anyhow::anyhow!(
                        "no traffic recorded for `{name}` ({looked}), and {} holds no server of \
                         that name (`mcp-tray list` shows them)",
                        location.path.display()
                    ),
                )
                .into());
            }
        },
    };
    eprintln!("{}", ctx.with_config(&why));
    Ok(ExitCode::SUCCESS)
}

pub fn run(cmd: TrafficCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let TrafficCommand::Traffic(args) = cmd;
    let dir = paths::journal_dir();
    let settings = mcp_tray_core::settings::load();
    let keep = settings.journal.files_kept as usize;
    let output = match args.json {
        true => Output::Json {
            redact: settings.redact,
        },
        false => Output::Table,
    };
    let mut history = Vec::new();
    match &args.name {
        // Only the lines this server wrote: a journal written before names were hashed may hold
        // another server's too.
        Some(name) => {
            history = journal::read_all(&dir, name, keep)
                .with_context(|| format!("cannot read the journal of {name}"))?;
            if history.is_empty() && !journal::journal_path(&dir, name).exists() && !args.follow {
                return nothing_recorded(name, &dir, ctx);
            }
        }
        None => {
            let files = match journal::journal_files(&dir) {
                Ok(list) => list,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(e) => {
                    return Err(Failure::new(exit::FILE, anyhow::Error::new(e)).into());
                }
            };
            for file in &files {
                history.extend(
                    journal::read_journal(file, keep)
                        .with_context(|| format!("cannot read {}", file.display()))?,
                );
            }
            if files.is_empty() && !args.follow {
                let none = format!(
                    "no traffic recorded yet (looked in {}): it is recorded for servers Claude \
                     starts through MCP Tray, remote ones (`mcp-tray add NAME --url URL`) and \
                     tapped local ones (`mcp-tray tap NAME`), once Claude Desktop has restarted",
                    dir.display()
                );
                eprintln!("{}", ctx.with_config(&none));
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    history.sort_by(|a, b| a.ts.cmp(&b.ts));
    if args.last > 0 && history.len() > args.last {
        history.drain(..history.len() - args.last);
    }
    let mut out = std::io::stdout().lock();
    let show_server = args.name.is_none();
    if !args.json {
        writeln!(out, "{}", header(show_server))?;
    }
    for entry in &history {
        print_entry(&mut out, entry, output, show_server)?;
    }
    out.flush()?;
    if args.follow {
        follow(&dir, args.name.as_deref(), output, show_server)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn follow(dir: &Path, name: Option<&str>, output: Output, show_server: bool) -> anyhow::Result<()> {
    let mut tails: BTreeMap<PathBuf, Tail> = BTreeMap::new();
    let mut first = true;
    loop {
        let files = match name {
            Some(n) => journal::journal_paths(dir, n),
            None => journal::journal_files(dir).unwrap_or_default(),
        };
        for path in files {
            // Journals that exist now were printed from history; new ones start at their beginning.
            let from_start = !first || !path.exists();
            tails
                .entry(path.clone())
                .or_insert_with(|| Tail::open(path, from_start));
        }
        first = false;
        let mut batch = Vec::new();
        for tail in tails.values_mut() {
            batch.extend(tail.poll().unwrap_or_default());
        }
        if let Some(n) = name {
            batch.retain(|e| e.server == n);
        }
        batch.sort_by(|a, b| a.ts.cmp(&b.ts));
        let mut out = std::io::stdout().lock();
        for entry in &batch {
            print_entry(&mut out, entry, output, show_server)?;
        }
        out.flush()?;
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn header(show_server: bool) -> String {
    let server = if show_server {
        format!("{:<16} ", "SERVER")
    } else {
        String::new()
    };
    format!(
        "{:<12} {server}{:<3} {:<12} {:<34} {:<10} {:>10} {:>9}",
        "TIME", "DIR", "KIND", "METHOD", "ID", "LATENCY", "SIZE"
    )
}

fn print_entry(
    out: &mut impl Write,
    e: &Entry,
    output: Output,
    show_server: bool,
) -> std::io::Result<()> {
    if let Output::Json { redact } = output {
        let line = serde_json::to_vec(e).map_err(std::io::Error::other)?;
        let line = match redact {
            true => mcp_tray_core::redact::redact(&line),
            false => std::borrow::Cow::Borrowed(line.as_slice()),
        };
        out.write_all(&line)?;
        return writeln!(out);
    }
    let time = e.ts.get(11..23).unwrap_or(&e.ts);
    let server = if show_server {
        format!("{:<16} ", clip(&e.server, 16))
    } else {
        String::new()
    };
    let dir = match e.dir.as_str() {
        "c2s" => "→",
        "s2c" => "←",
        _ => "•",
    };
    if e.kind == "event" {
        let level = e.level.as_deref().unwrap_or("info");
        let code = e.code.as_deref().unwrap_or("");
        let text = e.text.as_deref().unwrap_or("");
        let head = format!("{time:<12} {server}{dir:<3} {level:<12} ");
        // A text over several lines ("…\ntechnical detail: …") goes on under itself, indented,
        // not back at the table's first column.
        let indent = " ".repeat(crate::columns::width(&head));
        let mut lines = text.lines();
        let check = if e.check {
            format!("{CHECK_MARK} ")
        } else {
            String::new()
        };
        writeln!(out, "{head}{check}{code}: {}", lines.next().unwrap_or(""))?;
        for line in lines {
            writeln!(out, "{indent}{line}")?;
        }
        return Ok(());
    }
    let latency = e
        .latency_ms
        .map(|l| format!("{l:.1} ms"))
        .unwrap_or_default();
    let size = e.bytes.map(human_size).unwrap_or_default();
    let id =
        e.id.as_ref()
            .map(|i| i.get().to_owned())
            .unwrap_or_default();
    let check = if e.check {
        format!(" {CHECK_MARK}")
    } else {
        String::new()
    };
    writeln!(
        out,
        "{time:<12} {server}{dir:<3} {:<12} {:<34} {:<10} {latency:>10} {size:>9}{check}",
        e.kind,
        clip(e.method.as_deref().unwrap_or(""), 34),
        clip(&id, 10),
    )
}

/// What marks the lines of a session one of MCP Tray's checks ran (`mcp-tray probe`, doctor, the
/// app's Test), not Claude Desktop: at the end of a message's row, before an event's code.
const CHECK_MARK: &str = "[test]";

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut c: String = s.chars().take(width - 1).collect();
        c.push('…');
        c
    }
}

fn human_size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_over_several_lines_goes_on_under_its_text_not_at_the_first_column() {
        let entry: Entry = serde_json::from_str(
            r#"{"ts":"2026-12-05T10:02:51.011Z","server":"km","session":"s","pid":4,"dir":"event","kind":"event","code":"http-error","level":"error","text":"remote server answered HTTP 500\ntechnical detail: eof"}"#,
        )
        .expect("a journal line");
        let mut out = Vec::new();
        print_entry(&mut out, &entry, Output::Table, false).expect("printed");
        let out = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines[0].ends_with("http-error: remote server answered HTTP 500"),
            "{out}"
        );
        let text_at = lines[0][..lines[0].find("http-error").expect("the code")]
            .chars()
            .count();
        assert_eq!(lines[1].trim_start(), "technical detail: eof", "{out}");
        assert_eq!(
            lines[1].len() - lines[1].trim_start().len(),
            text_at,
            "{out}"
        );
    }
}
