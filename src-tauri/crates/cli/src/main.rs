//! `mcp-tray`: MCP Tray's headless CLI.
//!
//! Two kinds of use share this binary: people run `mcp-tray list|add|doctor|traffic…`, and Claude
//! Desktop starts it as a stdio shim (`mcp-tray bridge URL …`, `mcp-tray wrap --name N -- CMD …`).
//! It links no GUI library and must start in milliseconds. Each group of subcommands lives in its
//! own module and is flattened into [`Command`]; this file only parses and dispatches.

/// `println!` for a command's own output on stdout when the process must not die of SIGPIPE (it
/// also writes to servers' pipes): a reader that closed the pipe (`| head`) ends it quietly with
/// SIGPIPE's status (141), as the other commands end, instead of a panic.
macro_rules! outln {
    () => {
        $crate::print_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::print_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` in the manner of [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::print_out(format_args!($($arg)*))
    };
}

mod auth_cmd;
mod bridge_cmd;
mod columns;
mod config_cmd;
mod doctor_cmd;
mod exit;
mod logs_cmd;
mod probe_cmd;
mod traffic_cmd;
mod wrap_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Manage the MCP servers Claude Desktop starts: edit its config safely, bridge remote servers,
/// watch their traffic and explain their failures.
#[derive(Debug, Parser)]
#[command(
    name = "mcp-tray",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    /// Claude Desktop config file to use (beats MCP_TRAY_CLAUDE_CONFIG and the detected path).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,

    /// `--keep-bom` written before the command (`mcp-tray --keep-bom add …`), as it once was:
    /// still taken, not shown. The commands that edit the config offer it themselves.
    #[arg(long, hide = true)]
    keep_bom: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Config(config_cmd::ConfigCommand),
    #[command(flatten)]
    Bridge(bridge_cmd::BridgeCommand),
    #[command(flatten)]
    Traffic(traffic_cmd::TrafficCommand),
    #[command(flatten)]
    Logs(logs_cmd::LogsCommand),
    #[command(flatten)]
    Wrap(wrap_cmd::WrapCommand),
    #[command(flatten)]
    Probe(probe_cmd::ProbeCommand),
    #[command(flatten)]
    Doctor(doctor_cmd::DoctorCommand),
    #[command(flatten)]
    Auth(auth_cmd::AuthCommand),
}

/// What every command may need from the global flags.
pub(crate) struct Context {
    /// `--config PATH`, when given.
    pub config: Option<PathBuf>,
    /// `--keep-bom`: a config file that starts with a UTF-8 byte-order mark may be edited.
    /// Commands that only read such a file read it anyway, and say Claude cannot.
    pub keep_bom: bool,
}

impl Context {
    /// `text` with the `--config PATH` of this run in each `mcp-tray …` command it names in
    /// backticks (`mcp-tray undo`, a fix's `mcp-tray remove NAME`), when the file was given by
    /// `--config`: run as printed, the command then acts on this file, not on the default one.
    /// (`MCP_TRAY_CLAUDE_CONFIG` is in the environment the command is run from too.) The command
    /// lines Claude Desktop runs (`mcp-tray bridge …`, `mcp-tray wrap …`) are left as they are.
    pub fn with_config(&self, text: &str) -> String {
        const COMMAND: &str = "`mcp-tray ";
        let Some(path) = &self.config else {
            return text.to_owned();
        };
        // Absolute: the command is run again from any folder (a relative path, as typed, would
        // name another file there).
        let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        let flag = mcp_tray_core::supervise::shell_line(
            "--config",
            &[path.to_string_lossy().into_owned()],
        );
        let mut out = String::with_capacity(text.len() + flag.len());
        let mut rest = text;
        while let Some(at) = rest.find(COMMAND) {
            let after = &rest[at + COMMAND.len()..];
            out.push_str(&rest[..at + COMMAND.len()]);
            // Those that read no config: the shims, and a probe of a URL.
            let shim = ["bridge ", "wrap ", "--config ", "probe --url "]
                .iter()
                .any(|w| after.starts_with(w));
            if !shim {
                out.push_str(&flag);
                out.push(' ');
            }
            rest = after;
        }
        out.push_str(rest);
        out
    }
}

impl Command {
    /// Whether the command's own `--keep-bom` was given (only the commands that edit the config
    /// have one).
    fn keep_bom(&self) -> bool {
        match self {
            Command::Config(cmd) => cmd.keep_bom(),
            Command::Doctor(cmd) => cmd.keep_bom(),
            _ => false,
        }
    }
}

fn main() -> ExitCode {
    // clap ends a usage error with 2, which is ours for file problems: bad arguments are a user
    // error (1), as the exit-code table says; help and version are not errors at all.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(usage) => {
            let _ = usage.print();
            return match usage.use_stderr() {
                true => ExitCode::from(exit::USER),
                false => ExitCode::SUCCESS,
            };
        }
    };
    // Only commands that write nothing but their own output to pipes: probe, doctor and the
    // shims write to servers' stdin, where a closed pipe is a finding, not the end.
    if matches!(
        cli.command,
        Command::Config(_) | Command::Traffic(_) | Command::Logs(_)
    ) {
        quiet_on_closed_pipe();
    }
    let ctx = Context {
        config: cli.config,
        keep_bom: cli.keep_bom || cli.command.keep_bom(),
    };
    // Every command that reads the config may name follow-up commands in its errors; the shims
    // read none.
    let hints = !matches!(cli.command, Command::Bridge(_) | Command::Wrap(_));
    let result = match cli.command {
        Command::Config(cmd) => config_cmd::run(cmd, &ctx),
        Command::Bridge(cmd) => bridge_cmd::run(cmd),
        Command::Traffic(cmd) => traffic_cmd::run(cmd, &ctx),
        Command::Logs(cmd) => logs_cmd::run(cmd, &ctx),
        Command::Wrap(cmd) => wrap_cmd::run(cmd),
        Command::Probe(cmd) => probe_cmd::run(cmd, &ctx),
        Command::Doctor(cmd) => doctor_cmd::run(cmd, &ctx),
        Command::Auth(cmd) => auth_cmd::run(cmd, &ctx),
    };
    // An error's text may name the command that helps (`mcp-tray undo --force`): it acts on
    // this file too.
    let result = result.map_err(|err| {
        if !hints {
            return err;
        }
        let text = format!("{err:#}");
        let shown = ctx.with_config(&text);
        if shown == text {
            return err;
        }
        let code = err
            .downcast_ref::<exit::Failure>()
            .map_or(exit::USER, |f| f.code);
        exit::Failure::new(code, anyhow::anyhow!(shown)).into()
    });
    exit::finish(result)
}

/// Past a year, a deadline could overflow the clock.
pub(crate) const MAX_SECS: f64 = 31_536_000.0;

/// Parses a number of seconds given to an option: finite, more than 0, at most a year.
pub(crate) fn positive_secs(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= MAX_SECS => Ok(secs),
        _ => Err("not a number of seconds more than 0 and at most a year (31536000)".to_owned()),
    }
}

/// [`positive_secs`], or 0.
pub(crate) fn secs_or_zero(text: &str) -> Result<f64, String> {
    if text.trim().parse::<f64>() == Ok(0.0) {
        return Ok(0.0);
    }
    positive_secs(text)
        .map_err(|_| "not a number of seconds from 0 to a year (31536000)".to_owned())
}

/// `mcp-tray traffic | head` should end quietly when `head` has read enough, like other Unix
/// tools: the default SIGPIPE action. Everything else keeps Rust's default (EPIPE as an error):
/// the shims close their session when the client goes away, and a probe reports a server that
/// closed its stdin.
/// Writes to stdout for [`outln!`] and [`out!`].
pub(crate) fn print_out(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(args) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(141),
        // Any other failure to print is what `println!` would say, without its panic.
        Err(e) => {
            eprintln!("mcp-tray: cannot write the output: {e}");
            std::process::exit(i32::from(exit::FILE));
        }
        Ok(()) => {}
    }
}

fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any other thread exists; SIG_DFL is always valid.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        );
    }
}
