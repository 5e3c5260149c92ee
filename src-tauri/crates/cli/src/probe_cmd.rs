//! `mcp-tray probe NAME | --url URL | -- CMD [ARGS…]`: start or connect to a server as a client
//! and report what it offers, step by step, or why it fails. An adapter over `core::probe`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use mcp_tray_core::clients;
use mcp_tray_core::config::ConfigFile;
use mcp_tray_core::diagnose::TAP_IN_A_TERMINAL;
use mcp_tray_core::paths;
use mcp_tray_core::probe::{self, ProbeReport, ProbeTarget};
use mcp_tray_core::supervise::{CommandResolver, LoginShellPath};

/// The exit code of a probe stopped by Ctrl-C or a signal (128 + SIGINT, as a shell says it).
pub(crate) const STOPPED: u8 = 130;

use crate::Context;
use crate::exit::{self, Failure};

#[derive(Debug, Subcommand)]
pub enum ProbeCommand {
    /// Start a server (or connect to a URL) as a client: initialize, list its tools, resources and
    /// prompts, time each step, and explain a failure.
    Probe(ProbeArgs),
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// A server of Claude Desktop's config, started exactly as Claude starts it, in the folder
    /// Claude's servers start in, not this one (a URL here is probed as with --url).
    #[arg(conflicts_with = "url")]
    name: Option<String>,
    /// A remote server's URL (through MCP Tray's bridge).
    #[arg(long)]
    url: Option<String>,
    /// For --url: the bridge's own flags.
    #[command(flatten)]
    remote: crate::bridge_cmd::RemoteArgs,
    /// Seconds each step may take (a first `npx` or `uvx` start downloads packages).
    #[arg(long, default_value_t = 60.0, value_name = "SECS", value_parser = crate::positive_secs)]
    timeout: f64,
    /// One JSON document instead of the table.
    #[arg(long)]
    json: bool,
    /// Sign in when a remote server asks for it (in the browser, or in MCP Tray's window when it
    /// runs). Without it, a server that needs a sign-in is reported as such, and nothing opens.
    #[arg(long)]
    sign_in: bool,
    /// A local command to probe, after `--`.
    #[arg(last = true, value_name = "CMD [ARGS]…")]
    command: Vec<String>,
}

pub fn run(cmd: ProbeCommand, ctx: &Context) -> anyhow::Result<ExitCode> {
    let ProbeCommand::Probe(mut args) = cmd;
    // A URL given where a name goes is probed as the URL it is (`--url` implied), unless a
    // server of the config is named so.
    if args.url.is_none()
        && let Some(name) = args.name.as_deref()
        && looks_like_url(name)
        && !names_a_server(ctx, name)
    {
        args.url = args.name.take();
    }
    if args.url.is_none() && args.remote.given() {
        return Err(Failure::new(
            exit::USER,
            anyhow::anyhow!(
                "--header, --ca-cert and --allow-http go with --url (a config entry has its own)"
            ),
        )
        .into());
    }
    let target = match (&args.name, &args.url, args.command.split_first()) {
        (Some(name), None, None) => {
            let location = clients::claude_config(ctx.config.as_deref());
            // Probing only reads the config: a byte-order mark is said, not refused.
            let file = ConfigFile::new(&location.path, paths::data_dir()).allow_bom(true);
            let doc = match crate::config_cmd::read_to_show(&file) {
                Ok(doc) => doc,
                Err(e) => return Err(Failure::new(exit::FILE, e).into()),
            };
            let entry = match doc.server(name) {
                Some(entry) => entry,
                None => return Err(crate::config_cmd::not_in_file(&file, name).into()),
            };
            ProbeTarget::entry(entry).ok_or_else(|| {
                Failure::new(
                    exit::USER,
                    anyhow::anyhow!(
                        "{} (see `mcp-tray show {name}`)",
                        mcp_tray_core::probe::not_startable(entry)
                    ),
                )
            })?
        }
        (None, Some(url), None) => {
            // What the bridge would refuse is said now, not as the bridge's early exit.
            let checked = mcp_tray_core::bridge::check_url(url, args.remote.allow_http)
                .map_err(|d| crate::bridge_cmd::url_failure(*d))?;
            args.remote.check()?;
            // Named by its host (and port): its messages and a sign-in it stores say which
            // server they are about.
            let name = mcp_tray_core::auth::name_for_url(&checked);
            let bridge_args = args.remote.bridge_args()?;
            // Journaled nowhere: a server that is not in the config would fill the Traffic and
            // Logs lists with names of no server (a probe of a NAME is journaled under it).
            ProbeTarget::url(&name, url, &bridge_args, &paths::mcp_tray_exe()).unjournaled()
        }
        (None, None, Some((command, rest))) => {
            let mut target = ProbeTarget::command("probe", command, rest).unjournaled();
            // In no config, so named by nothing but its command line (credentials masked, as
            // `list` shows them): "probe" is a placeholder, not a server's name.
            target.label = mcp_tray_core::supervise::shell_line(
                command,
                &mcp_tray_core::redact::mask_args(rest),
            );
            target
        }
        _ => anyhow::bail!("give one of: a server NAME, --url URL, or -- CMD [ARGS…]"),
    };
    let target = if args.sign_in {
        target.signing_in()
    } else {
        target
    };
    let resolver = CommandResolver::new(LoginShellPath::WhenNoTerminal);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    if !args.json {
        eprintln!("probing {} …", target.label);
    }
    // Ctrl-C (or a signal) stops the probe and the server with it: the server runs in a process
    // group of its own, which the terminal's Ctrl-C does not reach.
    let mut signals = {
        let _in_runtime = runtime.enter();
        crate::bridge_cmd::StopSignals::listen()
    };
    let report = runtime.block_on(probe::probe_until(
        &target,
        &resolver,
        Duration::from_secs_f64(args.timeout),
        |_| {},
        async move { signals.next().await },
    ));
    // A task still running (a refresh left waiting for another process's) holds no exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    let Some(mut report) = report else {
        eprintln!("mcp-tray: probe stopped; the server it started was stopped with it");
        return Ok(ExitCode::from(STOPPED));
    };
    let by_command = args.name.is_none() && args.url.is_none();
    // The commands a fix names act on this run's file when run as printed, as doctor's do.
    report.diagnosis = report.diagnosis.map(|d| {
        let mut d = if by_command {
            unnamed(d)
        } else {
            d.with_name_in_fix()
        };
        d.fix = d.fix.map(|fix| ctx.with_config(&fix));
        d.detail = ctx.with_config(&d.detail);
        d
    });
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FINDINGS)
    })
}

/// `scheme://…`: a URL, not a server name (unless a server is named so).
fn looks_like_url(name: &str) -> bool {
    name.split_once("://").is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Whether the config (read quietly: a file that cannot be read names nothing) holds a server
/// named `name`.
fn names_a_server(ctx: &Context, name: &str) -> bool {
    let location = clients::claude_config(ctx.config.as_deref());
    ConfigFile::new(&location.path, paths::data_dir())
        .allow_bom(true)
        .read()
        .is_ok_and(|doc| doc.server(name).is_some())
}

fn print_report(r: &ProbeReport) {
    let width = r.steps.iter().map(|s| s.step.len()).max().unwrap_or(0);
    for s in &r.steps {
        let mark = if s.ok { "ok  " } else { "FAIL" };
        outln!(
            "{mark}  {:<width$}  {:>8.1} ms  {}",
            s.step,
            s.ms,
            s.summary
        );
    }
    if let Some(t) = &r.transport {
        outln!("transport: {t}");
    }
    match &r.diagnosis {
        None => outln!("ready in {:.0} ms", r.total_ms),
        Some(d) => {
            outln!("failed: [{}] {}", d.code, d.summary);
            if !d.detail.is_empty() {
                for line in d.detail.lines() {
                    outln!("  {line}");
                }
            }
            if let Some(fix) = &d.fix {
                outln!("fix: {fix}");
            }
        }
    }
}

/// The diagnosis of a server given by its command (`probe -- CMD`), which is in no config: no
/// server name (the probe's placeholder is not one), and a fix that would tap it by name says
/// how to add it captured instead.
fn unnamed(mut d: mcp_tray_core::diagnose::Diagnosis) -> mcp_tray_core::diagnose::Diagnosis {
    d.server = None;
    d.fix = d.fix.map(|f| {
        f.replace(
            TAP_IN_A_TERMINAL,
            "; `mcp-tray add NAME --capture -- CMD…` in a terminal",
        )
    });
    d
}
