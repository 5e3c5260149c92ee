//! `mcp-tray wrap --name NAME -- CMD [ARGS…]`: the stdio tap Claude Desktop starts instead of a
//! local server. An adapter over `mcp_tray_core::tap`; all behaviour lives there.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use mcp_tray_core::paths;
use mcp_tray_core::supervise::{CommandResolver, LoginShellPath, ServerCommand};
use mcp_tray_core::tap::{self, TapOptions};

#[derive(Debug, Subcommand)]
pub enum WrapCommand {
    /// Run a local stdio server through MCP Tray's tap, which records its traffic (what Claude
    /// Desktop starts for a "tapped" entry).
    Wrap(WrapArgs),
}

#[derive(Debug, Args)]
pub struct WrapArgs {
    /// The server's name in Claude Desktop's config (names its journal). Taken as it is, even
    /// when it starts with `-`: a server may be called `--help`.
    #[arg(long, allow_hyphen_values = true)]
    name: String,
    /// Forward every line the server prints on stdout, even what is not JSON-RPC.
    #[arg(long)]
    strict: bool,
    /// Seconds to wait at each shutdown step (close stdin, SIGTERM, SIGKILL).
    #[arg(long, default_value_t = 2.0, value_name = "SECS", value_parser = crate::secs_or_zero)]
    grace: f64,
    /// The server's command and its arguments (after `--`, or after the options).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "CMD [ARGS]…"
    )]
    command: Vec<String>,
}

pub fn run(cmd: WrapCommand) -> anyhow::Result<ExitCode> {
    let WrapCommand::Wrap(args) = cmd;
    let Some((program, rest)) = args.command.split_first() else {
        anyhow::bail!("give the server's command after `--`");
    };
    let name = args.name.clone();
    let opts = TapOptions {
        name: name.clone(),
        command: ServerCommand {
            name: name.clone(),
            command: program.clone(),
            args: rest.to_vec(),
            // The entry's env is already in ours: Claude started us with it.
            env: Default::default(),
            cwd: None,
        },
        strict: args.strict,
        grace: Duration::from_secs_f64(args.grace),
    };
    let journal = crate::bridge_cmd::open_journal("wrap", &name, &args.command);
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        use crate::bridge_cmd::END_OF_INPUT;
        // Run by hand: it waits for JSON-RPC on stdin, which looks like a hang.
        eprintln!(
            "mcp-tray wrap [{name}]: passing JSON-RPC messages from this terminal to the server, one per line (Claude Desktop starts this command itself); to check the server instead, run `mcp-tray probe -- COMMAND ARGS…`. {END_OF_INPUT} ends it."
        );
    }
    // Started by Claude or a launcher, PATH is bare: ask the login shell (cached in the data dir).
    let resolver = CommandResolver::new(LoginShellPath::WhenNoTerminal).with_cache_file(
        paths::data_dir().join("login-path.json"),
        Duration::from_secs(24 * 3600),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // The tap forwards on plain threads of its own; the runtime only waits for the server's exit
    // and for signals.
    // Listened to before the server starts: a signal that came before would end the tap at once
    // and leave its server running.
    let (stop, stops) = tokio::sync::mpsc::unbounded_channel();
    let signals = {
        let _in_runtime = runtime.enter();
        crate::bridge_cmd::StopSignals::listen()
    };
    runtime.spawn(signals.forward(stop));
    let outcome = runtime.block_on(tap::run(
        opts,
        &resolver,
        std::io::stdin(),
        std::io::stdout(),
        std::io::stderr(),
        journal.clone(),
        stops,
    ));
    runtime.shutdown_timeout(Duration::from_millis(100));
    // A forwarding thread may still hold the journal (one blocked reading our stdin when the
    // server exited or a signal came): then what was recorded is flushed, not the writer closed.
    match journal.map(Arc::try_unwrap) {
        Some(Ok(journal)) => journal.close(Duration::from_secs(1)),
        Some(Err(shared)) => {
            shared.flush(Duration::from_secs(1));
        }
        None => {}
    }
    Ok(ExitCode::from(
        u8::try_from(outcome.code.clamp(0, 255)).unwrap_or(1),
    ))
}
