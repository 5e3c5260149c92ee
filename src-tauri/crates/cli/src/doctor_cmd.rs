//! `mcp-tray doctor [NAME] [--json] [--fix]`: every check of the setup, each finding with its fix.
//! An adapter over `core::doctor`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use mcp_tray_core::clients;
use mcp_tray_core::config::ConfigFile;
use mcp_tray_core::diagnose::{Diagnosis, Severity};
use mcp_tray_core::doctor::{self, DoctorOptions, DoctorReport};
use mcp_tray_core::paths;
use mcp_tray_core::supervise::{CommandResolver, LoginShellPath};

use crate::Context;
use crate::exit::{self, Failure};

#[derive(Debug, Subcommand)]
pub enum DoctorCommand {
    /// Check the config file, every server in it, Node.js, and Claude's recent logs and MCP Tray's
    /// journals about those servers; probe each server; say what is wrong and how to fix it.
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Check only this server.
    name: Option<String>,
    /// Make the fixes that are config edits (undo with `mcp-tray undo`).
    #[arg(long)]
    fix: bool,
    /// With --fix: edit a config file that starts with a UTF-8 byte-order mark (the mark is kept).
    #[arg(long)]
    keep_bom: bool,
    /// Skip starting the servers (a quick check of the config alone).
    #[arg(long)]
    no_probe: bool,
    /// Seconds each probe step may take.
    #[arg(long, default_value_t = 30.0, value_name = "SECS", value_parser = crate::positive_secs)]
    timeout: f64,
    /// Claude Desktop's log folder (default: where Claude keeps it, or MCP_TRAY_CLAUDE_LOGS).
    #[arg(long, value_name = "DIR")]
    claude_logs: Option<std::path::PathBuf>,
    /// One JSON document instead of the list.
    #[arg(long)]
    json: bool,
}

impl DoctorCommand {
    /// `--keep-bom`.
    pub fn keep_bom(&self) -> bool {
        let DoctorCommand::Doctor(args) = self;
        args.keep_bom
    }
}

pub fn run(cmd: DoctorCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let DoctorCommand::Doctor(args) = cmd;
    let location = clients::claude_config(ctx.config.as_deref());
    let file = ConfigFile::new(&location.path, paths::data_dir()).allow_bom(ctx.keep_bom);
    let logs = args
        .claude_logs
        .clone()
        .unwrap_or_else(clients::claude_logs_dir);
    // Ctrl-C (or a signal) stops the servers the probes started (each in a process group of its
    // own, which the terminal's Ctrl-C does not reach) before the doctor exits.
    let stop = tokio_util::sync::CancellationToken::new();
    let opts = DoctorOptions {
        only: args.name.clone(),
        probe: !args.no_probe,
        probe_timeout: Duration::from_secs_f64(args.timeout),
        logs_dir: logs.is_dir().then_some(logs),
        journal_dir: Some(paths::journal_dir()),
        exe: paths::mcp_tray_exe(),
        stop: Some(stop.clone()),
        // On a terminal, a line as each probe ends: probing takes a while (up to the timeout per
        // server, a few at a time), and the report waits for the last. Piped, stderr keeps to the
        // one line below.
        on_probed: (!args.json && std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .then(|| doctor::ProbeProgress(std::sync::Arc::new(say_probed))),
    };
    // A name that is not in the file is the user's slip, not "no problems in 0 servers". (A file
    // that cannot be read is doctor's own finding.)
    if let Some(name) = &args.name
        && let Ok(doc) = file.read()
        && doc.exists
        && doc.server(name).is_none()
    {
        return Err(crate::config_cmd::not_in_file(&file, name).into());
    }
    // The fixes made before the examination, each its own undoable write, as the file does not
    // read until they are made: Windows paths typed with single backslashes are written twice;
    // a byte-order mark is removed (unless --keep-bom says to keep it); a file saved as UTF-16 is
    // converted to UTF-8.
    let mut readable = Vec::new();
    if args.fix && file.fails_at_a_backslash() {
        readable.push(
            file.double_backslashes()
                .map_err(|e| Failure::new(exit::FILE, e))?,
        );
    }
    if args.fix && !ctx.keep_bom && starts_with_bom(&location.path) {
        readable.push(file.remove_bom().map_err(|e| Failure::new(exit::FILE, e))?);
    } else if args.fix && is_utf16(&location.path) {
        readable.push(
            file.convert_to_utf8()
                .map_err(|e| Failure::new(exit::FILE, e))?,
        );
    }
    let resolver = CommandResolver::new(LoginShellPath::WhenNoTerminal);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    if !args.json && opts.probe {
        // Many servers take a while: a few at a time, each within its own timeout.
        let servers = match (&args.name, file.read()) {
            (None, Ok(doc)) => doc.servers.len(),
            _ => 1,
        };
        let pace = if servers > doctor::PROBES_AT_ONCE {
            format!(", {} at a time", doctor::PROBES_AT_ONCE)
        } else {
            String::new()
        };
        eprintln!(
            "checking {} (starting each server to probe it{pace}) …",
            location.path.display()
        );
    }
    let mut signals = {
        let _in_runtime = runtime.enter();
        crate::bridge_cmd::StopSignals::listen()
    };
    let stopping = stop.clone();
    runtime.spawn(async move {
        signals.next().await;
        stopping.cancel();
    });
    let mut report = runtime.block_on(doctor::examine(&location, &file, &resolver, &opts));
    // A task still running (a probe's refresh left waiting for another process's) holds no exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    if stop.is_cancelled() {
        eprintln!("mcp-tray: doctor stopped; the servers it started were stopped with it");
        return Ok(ExitCode::from(crate::probe_cmd::STOPPED));
    }
    // The commands a fix names act on this run's file when run as printed.
    let for_here = |d: Diagnosis| {
        let mut d = d.with_name_in_fix();
        d.fix = d.fix.map(|fix| ctx.with_config(&fix));
        d.detail = ctx.with_config(&d.detail);
        d
    };
    for f in &mut report.findings {
        f.diagnosis = for_here(f.diagnosis.clone());
    }
    for p in &mut report.probes {
        p.diagnosis = p.diagnosis.take().map(for_here);
    }
    // With --fix the fixes are made first, so that the list says which findings are gone.
    let fixed = if args.fix {
        match doctor::apply_fixes(&file, &report.findings) {
            Ok(outcome) => outcome,
            Err(e) => {
                if !args.json {
                    print_report(&report, None);
                }
                return Err(Failure::new(exit::FILE, e).into());
            }
        }
    } else {
        None
    };
    if args.json {
        let mut value = serde_json::to_value(&report)?;
        // With --fix, each finding says whether it was fixed, and the writes made are listed
        // (those made before the examination too), as the text says them.
        if args.fix {
            if let Some(findings) = value["findings"].as_array_mut() {
                for (i, shown) in findings.iter_mut().enumerate() {
                    shown["fixed"] = serde_json::json!(was_fixed(fixed.as_ref(), i));
                }
            }
            value["written"] = readable
                .iter()
                .chain(fixed.as_ref().map(|f| &f.outcome))
                .map(|out| serde_json::json!({"edit": out.description, "file": out.written}))
                .collect();
        }
        outln!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_report(&report, fixed.as_ref());
    }
    let wrote = |out: &mcp_tray_core::config::EditOutcome| {
        eprintln!(
            "\n{}: wrote {}. {}",
            out.description,
            out.written.display(),
            ctx.with_config("Undo with `mcp-tray undo`.")
        )
    };
    for out in &readable {
        wrote(out);
    }
    match &fixed {
        Some(done) => {
            wrote(&done.outcome);
            // Two fixes of one server: the second is made from the entry the first wrote.
            let left = report
                .findings
                .iter()
                .enumerate()
                .any(|(i, f)| f.edit.is_some() && !done.applied[i]);
            if left {
                eprintln!(
                    "{}",
                    ctx.with_config(
                        "A server had two fixes, and one was made: run `mcp-tray doctor --fix` again for the other."
                    )
                );
            }
        }
        None if args.fix && readable.is_empty() => eprintln!("\nnothing to fix automatically"),
        None if args.fix => {}
        None if report.findings.iter().any(|f| f.fixable) && !args.json => eprintln!(
            "\n{}",
            ctx.with_config(
                "`mcp-tray doctor --fix` makes the fixes marked (fixable); `mcp-tray undo` takes them back."
            )
        ),
        None => {}
    }
    // Errors left after the run (all of them without --fix; with it, the ones it cannot fix).
    let errors_left = report
        .findings
        .iter()
        .enumerate()
        .any(|(i, f)| f.diagnosis.severity == Severity::Error && !was_fixed(fixed.as_ref(), i));
    Ok(if errors_left {
        ExitCode::from(exit::FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

/// `1 tool`, `3 tools`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Whether `--fix` fixed the finding at `index` of the report.
fn was_fixed(fixed: Option<&doctor::Fixed>, index: usize) -> bool {
    fixed.is_some_and(|f| f.applied.get(index).copied().unwrap_or(false))
}

/// The report as a list; `fixed`: what `--fix` just fixed.
fn print_report(r: &DoctorReport, fixed: Option<&doctor::Fixed>) {
    outln!("config: {}", r.config.display());
    // The status first, in a column as wide as the longest status (a few words), then the target:
    // a long URL or command line never pushes the statuses far to the right.
    let statuses: Vec<String> = r
        .probes
        .iter()
        .map(|p| match &p.diagnosis {
            None => format!("ok, {}, {:.0} ms", count(p.tools.len(), "tool"), p.total_ms),
            Some(d) => format!("failed [{}]", d.code),
        })
        .collect();
    let width = statuses
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0);
    for (p, status) in r.probes.iter().zip(&statuses) {
        outln!("probe: {status:<width$}  {}", p.target);
    }
    if r.findings.is_empty() {
        outln!(
            "no problems found in {}",
            count(r.servers_checked, "server")
        );
        return;
    }
    outln!();
    // (code, detail, fix, the server it was said of) of each finding printed in full.
    let mut earlier: Vec<(String, String, Option<String>, String)> = Vec::new();
    for (i, f) in r.findings.iter().enumerate() {
        let d = &f.diagnosis;
        let mark = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warn ",
            Severity::Info => "info ",
        };
        let done = was_fixed(fixed, i);
        let (mark, fixable) = match (done, f.fixable) {
            (true, _) => ("fixed", ""),
            (false, true) => (mark, " (fixable)"),
            (false, false) => (mark, ""),
        };
        let label = if done { "done" } else { "fix" };
        // A detail and fix said already (the PATH searched for `uvx`, for each server run by
        // `uvx`) are not said again: a thousand servers would print the same lines a thousand times.
        let said = earlier.iter().find(|(code, detail, fix, _)| {
            *code == d.code && *detail == d.detail && *fix == d.fix && !d.detail.is_empty()
        });
        match said {
            Some((_, _, _, first)) => {
                let mut short = d.clone();
                short.detail = format!("(as for {first} above)");
                short.fix = None;
                out!("{}", finding_text(mark, &short, fixable, label));
            }
            None => {
                earlier.push((
                    d.code.clone(),
                    d.detail.clone(),
                    d.fix.clone(),
                    d.server.clone().unwrap_or_else(|| "the finding".to_owned()),
                ));
                out!("{}", finding_text(mark, d, fixable, label));
            }
        }
    }
}

/// `error [code] server: summary`, then the detail (12 lines at most) and `fix: …` indented: a
/// finding as the doctor lists it, and as other commands warn of one. `suffix` follows the
/// summary; `fix_label` names the fix.
pub(crate) fn finding_text(mark: &str, d: &Diagnosis, suffix: &str, fix_label: &str) -> String {
    let server = d
        .server
        .as_deref()
        .map(|s| format!("{}: ", crate::columns::printable(s)))
        .unwrap_or_default();
    let mut text = format!(
        "{mark} [{}] {server}{}{suffix}\n",
        d.code,
        crate::columns::printable(&d.summary)
    );
    for line in d.detail.lines().filter(|l| !l.trim().is_empty()).take(12) {
        text.push_str(&format!("        {}\n", crate::columns::printable(line)));
    }
    if let Some(fix) = &d.fix {
        let fix = crate::columns::printable(fix);
        text.push_str(&format!("        {fix_label}: {fix}\n"));
    }
    text
}

/// Whether the file at `path` is saved as UTF-16 (its first bytes say).
fn is_utf16(path: &std::path::Path) -> bool {
    let mut head = Vec::with_capacity(8);
    std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 8), &mut head))
        .is_ok_and(|_| mcp_tray_core::config::encoding::is_utf16(&head))
}

/// Whether the file at `path` starts with a UTF-8 byte-order mark.
fn starts_with_bom(path: &std::path::Path) -> bool {
    let mut head = [0u8; 3];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| head == [0xEF, 0xBB, 0xBF])
}

/// One plain line on stderr for a probe that ended (doctor's progress on a terminal).
fn say_probed(
    target: &mcp_tray_core::probe::ProbeTarget,
    report: Option<&mcp_tray_core::probe::ProbeReport>,
    done: usize,
    total: usize,
) {
    let Some(report) = report else { return };
    let secs = report.total_ms / 1000.0;
    let outcome = match &report.diagnosis {
        None if report.ok => "answered".to_owned(),
        Some(d) => format!("failed [{}]", d.code),
        None => "failed".to_owned(),
    };
    eprintln!(
        "  {done}/{total} {}: {outcome} in {secs:.1} s",
        target.command.name
    );
}
