//! `mcp-tray bridge URL …`: the stdio shim Claude Desktop starts for every remote server.
//!
//! Parses the flags, opens the server's journal and runs `mcp_tray_core::bridge` on a
//! single-threaded runtime over the process's stdin and stdout. All behaviour lives in core.
//! This module must never print to stdout: stdout belongs to JSON-RPC.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use mcp_tray_core::bridge::stdio::{ThreadedReader, ThreadedWriter};
use mcp_tray_core::bridge::{self, BridgeOptions, TransportChoice};
use mcp_tray_core::diagnose::{Diagnosis, Severity, codes};
use mcp_tray_core::journal::{Direction, Journal, Level};
use mcp_tray_core::tap::answer_until_eof;
use mcp_tray_core::{jsonrpc, paths, transport};

use crate::exit::{self, Failure};

#[derive(Debug, Subcommand)]
pub enum BridgeCommand {
    /// Bridge stdio to a remote MCP server (Streamable HTTP or legacy HTTP+SSE). Claude Desktop
    /// starts this; stdout carries only JSON-RPC, stderr short human lines.
    Bridge(BridgeArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TransportArg {
    /// Streamable HTTP first, legacy SSE when the server answers 400/404/405.
    Auto,
    /// Streamable HTTP only.
    Http,
    /// Legacy HTTP+SSE only.
    Sse,
}

#[derive(Debug, Args)]
pub struct BridgeArgs {
    /// The server's URL: https://…/mcp (Streamable HTTP) or https://…/sse (legacy).
    url: String,
    /// The server's name: names its journal and its stderr lines (default: the URL's host).
    /// Taken as it is, even when it starts with `-`.
    #[arg(long, allow_hyphen_values = true)]
    name: Option<String>,
    /// Which transport to use; `auto` probes with the client's own initialize.
    #[arg(long, value_enum, default_value = "auto")]
    transport: TransportArg,
    #[command(flatten)]
    remote: RemoteArgs,
    /// Seconds a request may wait for its reply before the bridge answers with an error. Each
    /// progress report the server sends for the request starts the wait again.
    #[arg(long, value_name = "SECS", default_value_t = 120.0)]
    timeout: f64,
    /// Seconds a request may take in all, however often it reports progress.
    #[arg(long, value_name = "SECS", default_value_t = 3600.0)]
    max_timeout: f64,
    /// Send the server a `ping` after this many seconds without a message from the client (and
    /// as long again after each ping), so that proxies and servers that drop idle sessions keep
    /// this one. 0: no pings (the default, unless --keep-alive).
    #[arg(long, value_name = "SECS")]
    ping_interval: Option<f64>,
    /// Ping every 30 s of silence (mcp-remote's flag); --ping-interval sets another period.
    #[arg(long)]
    keep_alive: bool,
    /// Hide tools whose name matches this glob, whatever the letter case (repeatable).
    #[arg(long = "ignore-tool", value_name = "GLOB")]
    ignore_tools: Vec<String>,
    /// Send this MCP-Protocol-Version header instead of the negotiated one.
    #[arg(long, value_name = "V")]
    protocol_version: Option<String>,
    /// Retries of a refused connection or a 5xx answer, with exponential backoff (about 7 s in
    /// all: a server may still be starting when Claude starts its bridge). Probes ask for one.
    #[arg(long, default_value_t = 6, hide = true, env = mcp_tray_core::probe::BRIDGE_RETRIES_ENV)]
    retries: u32,
    /// Keep no cookies. By default the bridge keeps the cookies the server sets, in memory for
    /// this run, and sends them back as a browser would: load balancers use them to keep a
    /// session on the server that holds it.
    #[arg(long)]
    no_cookies: bool,
    #[command(flatten)]
    oauth: crate::auth_cmd::OAuthArgs,
}

/// How a remote server is reached: the flags `bridge` and `probe --url` share (the messages about
/// TLS, plain HTTP and credentials name them).
#[derive(Debug, Clone, Default, Args)]
pub struct RemoteArgs {
    /// An HTTP header for every request, as 'Name: value'; `${VAR}` is read from the environment.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,
    /// Also trust the CA certificates in this PEM file (corporate proxies, private CAs).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Allow plain http:// to a host that is not loopback.
    #[arg(long)]
    pub allow_http: bool,
}

impl RemoteArgs {
    /// Whether any of these flags was given.
    pub fn given(&self) -> bool {
        !self.headers.is_empty() || self.ca_cert.is_some() || self.allow_http
    }

    /// What a bridge given these flags would refuse at its start (a header that is not
    /// `Name: value`, an unset `${VAR}`, a CA file it cannot read or that holds no certificate),
    /// said now.
    pub fn check(&self) -> anyhow::Result<()> {
        transport::parse_headers(&self.headers).map_err(anyhow::Error::msg)?;
        self.ca_cert_pem()?;
        Ok(())
    }

    /// The PEM of `--ca-cert`, read and checked now ([`read_ca_cert`]).
    pub fn ca_cert_pem(&self) -> Result<Option<Vec<u8>>, Failure> {
        self.ca_cert.as_deref().map(read_ca_cert).transpose()
    }

    /// These flags as arguments of `mcp-tray bridge` (a bridge started elsewhere: the CA file by
    /// its absolute path).
    pub fn bridge_args(&self) -> anyhow::Result<Vec<String>> {
        let mut args = Vec::new();
        for h in &self.headers {
            args.push("--header".to_owned());
            args.push(h.clone());
        }
        if let Some(path) = &self.ca_cert {
            let path = std::path::absolute(path)
                .with_context(|| format!("cannot resolve {}", path.display()))?;
            args.push("--ca-cert".to_owned());
            args.push(path.to_string_lossy().into_owned());
        }
        if self.allow_http {
            args.push("--allow-http".to_owned());
        }
        Ok(args)
    }
}

/// The journal of a shim (`bridge` or `wrap`) for server `name`, with the redaction and retention
/// of Settings (a missing or broken file gives the defaults). None, said on stderr, when it
/// cannot be opened; None too for a test of an entry not saved yet: that is not the saved
/// server's traffic.
/// `args`: the command line the shim's server is reached or started with, whose credentials (and
/// those of our environment) are masked wherever they show up in the journal
/// ([`mcp_tray_core::redact::known_secrets`]).
pub(crate) fn open_journal(shim: &str, name: &str, args: &[String]) -> Option<Arc<Journal>> {
    if mcp_tray_core::probe::journal_off() {
        return None;
    }
    let mut config = mcp_tray_core::settings::load().journal_config(paths::journal_dir());
    config.check = mcp_tray_core::probe::checking();
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    config.secrets = mcp_tray_core::journal::Secrets(mcp_tray_core::redact::known_secrets(
        args,
        env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ));
    match Journal::open(name, config) {
        Ok(j) => Some(Arc::new(j)),
        Err(e) => {
            mcp_tray_core::transport::say_on_stderr(&format!(
                "mcp-tray {shim} [{name}]: traffic will not be journaled: {e}\n"
            ));
            None
        }
    }
}

/// The bridge's own arguments (its `--header` values, `--oauth-client-secret`…).
fn own_args() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .filter_map(|a| a.into_string().ok())
        .collect()
}

/// Reads a `--ca-cert` file (given on the command line or in a config entry's bridge arguments)
/// and checks that it holds a certificate. A file that cannot be read or holds none is a bad
/// argument: exit code 1, as the README's table has it (2 is for the config file).
pub(crate) fn read_ca_cert(path: &Path) -> Result<Vec<u8>, Failure> {
    let pem = transport::read_ca_file(path)
        .with_context(|| format!("cannot read the CA certificate {}", path.display()))
        .map_err(|e| Failure::new(exit::USER, e))?;
    transport::ca_certificates(&pem)
        .map_err(|e| Failure::new(exit::USER, anyhow::anyhow!("{}: {e}", path.display())))?;
    Ok(pem)
}

/// A URL the bridge refuses (not a URL, WebSocket, plain HTTP to a remote host), as the user's
/// mistake: what is wrong, why, and the fix.
pub(crate) fn url_failure(d: mcp_tray_core::diagnose::Diagnosis) -> Failure {
    let mut text = d.summary;
    if !d.detail.is_empty() {
        text = format!("{text}\n{}", d.detail);
    }
    if let Some(fix) = d.fix {
        text = format!("{text}\nfix: {fix}");
    }
    Failure::new(exit::USER, anyhow::anyhow!(text))
}

/// The keys that end a terminal's input.
#[cfg(windows)]
pub(crate) const END_OF_INPUT: &str = "Ctrl-Z then Enter";
#[cfg(not(windows))]
pub(crate) const END_OF_INPUT: &str = "Ctrl-D";

pub fn run(cmd: BridgeCommand) -> anyhow::Result<ExitCode> {
    let BridgeCommand::Bridge(args) = cmd;
    // Its journal's name, also when the URL is refused: the app finds the server's news by it.
    let name = args
        .name
        .clone()
        .or_else(|| {
            url::Url::parse(&args.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
        })
        .unwrap_or_else(|| "remote".to_owned());
    let opts = match prepare(args, &name) {
        Ok(opts) => opts,
        Err((code, failure)) => return Err(refuse(&name, code, failure)),
    };
    let journal = open_journal("bridge", &name, &own_args());
    if std::io::stdin().is_terminal() {
        // Run by hand: it waits for JSON-RPC on stdin, which looks like a hang.
        eprintln!(
            "mcp-tray bridge [{name}]: reading JSON-RPC messages from this terminal, one per line (Claude Desktop starts this command itself); to check the server instead, run `mcp-tray probe --url URL`. {END_OF_INPUT} ends it."
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let stdin = ThreadedReader::spawn(std::io::stdin(), 64 * 1024)?;
        let stdin = tokio::io::BufReader::with_capacity(64 * 1024, stdin);
        let stdout = ThreadedWriter::spawn(std::io::stdout())?;
        anyhow::Ok(bridge::run(opts, stdin, stdout, journal.clone(), terminated()).await)
    })?;
    // Background tasks (the GET stream) end with the runtime.
    runtime.shutdown_timeout(Duration::from_millis(100));
    if let Some(journal) = journal.and_then(|j| Arc::try_unwrap(j).ok()) {
        journal.close(Duration::from_secs(1));
    }
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(Failure::new(exit::USER, anyhow::anyhow!(e.0)).into()),
    }
}

/// Why the bridge will not start (a diagnosis code), and the error to exit with.
type Refusal = (&'static str, anyhow::Error);

/// The bridge's options from its arguments, or why they cannot work.
fn prepare(args: BridgeArgs, name: &str) -> Result<BridgeOptions, Refusal> {
    let url = bridge::check_url(&args.url, args.remote.allow_http).map_err(|d| {
        let code = if d.code == codes::WEBSOCKET_URL {
            codes::WEBSOCKET_URL
        } else {
            codes::INVALID_ENTRY
        };
        (code, url_failure(*d).into())
    })?;
    let headers = transport::parse_headers(&args.remote.headers).map_err(|e| {
        let e = if e.contains("environment variable") {
            format!(
                "{e}\nfix: set it in the entry's \"env\" (Claude Desktop gives a server only the variables its entry sets)"
            )
        } else {
            e
        };
        (codes::INVALID_ENTRY, anyhow::Error::msg(e))
    })?;
    let ca_cert_pem = args
        .remote
        .ca_cert_pem()
        .map_err(|e| (codes::TLS_ERROR, e.into()))?;
    for (flag, secs) in [
        ("--timeout", args.timeout),
        ("--max-timeout", args.max_timeout),
    ] {
        // Past a year, a deadline could overflow the clock.
        if !(secs.is_finite() && secs > 0.0 && secs <= 31_536_000.0) {
            return Err((
                codes::INVALID_ENTRY,
                anyhow::anyhow!("{flag} must be a positive number of seconds, at most a year"),
            ));
        }
    }
    // As mcp-remote has them: --ping-interval alone turns pinging on, --keep-alive alone pings
    // every 30 s; an explicit 0 turns it off.
    let ping_interval = match (args.ping_interval, args.keep_alive) {
        // Pings closer than a second apart would flood the server (and the journal).
        (Some(secs), _)
            if !(secs.is_finite() && (secs == 0.0 || (1.0..=31_536_000.0).contains(&secs))) =>
        {
            return Err((
                codes::INVALID_ENTRY,
                anyhow::anyhow!(
                    "--ping-interval must be a number of seconds from 1 to a year (0 for no pings)"
                ),
            ));
        }
        (Some(secs), _) if secs > 0.0 => Some(Duration::from_secs_f64(secs)),
        (Some(_), _) | (None, false) => None,
        (None, true) => Some(bridge::DEFAULT_PING_INTERVAL),
    };
    // Sign in when the server asks; a running MCP Tray app takes a browser sign-in over. The
    // user's own Authorization header is never signed in over: a 401 says it was refused.
    let mut auth = args
        .oauth
        .options(&url, name, Duration::from_secs_f64(args.timeout))
        .map_err(|e| (codes::INVALID_ENTRY, e))?;
    auth.own_authorization = headers.contains_key("authorization");
    auth.own_credentials = headers
        .keys()
        .any(|k| mcp_tray_core::redact::is_secret_header(k.as_str()));
    auth.hand_off = !auth.own_authorization;
    // A sign-in handed to the app trusts the same CA (the app runs elsewhere: an absolute path).
    auth.ca_cert = match &args.remote.ca_cert {
        Some(path) => Some(
            std::path::absolute(path)
                .with_context(|| format!("cannot resolve {}", path.display()))
                .map_err(|e| (codes::TLS_ERROR, e))?,
        ),
        None => None,
    };
    let auth = Some(auth);
    Ok(BridgeOptions {
        url,
        name: name.to_owned(),
        transport: match args.transport {
            TransportArg::Auto => TransportChoice::Auto,
            TransportArg::Http => TransportChoice::Http,
            TransportArg::Sse => TransportChoice::Sse,
        },
        headers,
        timeout: Duration::from_secs_f64(args.timeout),
        // A maximum below the timeout would cut requests that report no progress at all.
        max_timeout: Duration::from_secs_f64(args.max_timeout.max(args.timeout)),
        ca_cert_pem,
        protocol_version: args.protocol_version,
        ignore_tools: args.ignore_tools,
        retries: args.retries,
        cookies: !args.no_cookies,
        auth,
        ping_interval,
    })
}

/// The bridge cannot start: said on stderr (by the caller, with the exit code), and to the app
/// through the journal; and when a client is at the other end (not a terminal), each request it
/// sends is answered with the reason, so Claude says why instead of "server disconnected".
fn refuse(name: &str, code: &str, error: anyhow::Error) -> anyhow::Error {
    // The whole reason, on one line (the journal's event and the JSON-RPC error's message).
    let said = sentences(&format!("{error:#}"));
    let journal = open_journal("bridge", name, &own_args());
    if let Some(j) = &journal {
        j.event(
            Level::Error,
            code,
            format!("the bridge did not start: {said}"),
        );
    }
    if !std::io::stdin().is_terminal() {
        let diagnosis = Diagnosis::new(code, Severity::Error, said).server(name);
        let mut stdout = std::io::stdout().lock();
        answer_until_eof(
            std::io::stdin().lock(),
            journal.as_deref(),
            &diagnosis,
            |reply, method| {
                if let (Some(j), Ok(env)) = (&journal, jsonrpc::inspect(reply)) {
                    j.message(Direction::ServerToClient, reply, Some(&env), method, None);
                }
                let _ = stdout
                    .write_all(reply)
                    .and_then(|()| stdout.write_all(b"\n"))
                    .and_then(|()| stdout.flush());
            },
        );
    }
    if let Some(journal) = journal.and_then(|j| Arc::try_unwrap(j).ok()) {
        journal.close(Duration::from_secs(1));
    }
    // Claude's log holds every server's stderr: which bridge it was (inside the exit code's
    // `Failure`, whose own error is what is printed).
    let context = format!("bridge [{name}] did not start");
    match error.downcast::<Failure>() {
        Ok(f) => Failure::new(f.code, f.error.context(context)).into(),
        Err(e) => e.context(context),
    }
}

/// A reason said over several lines (what is wrong, why, `fix: …`), on one line as sentences, as
/// the tap words its refusal (`… . Fix: …`): each line but the last ends with a full stop unless
/// it has its own punctuation, and the fix reads `Fix: …`.
fn sentences(text: &str) -> String {
    let mut said = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !said.is_empty() {
            if !said.ends_with(['.', '!', '?', ':', ';']) {
                said.push('.');
            }
            said.push(' ');
        }
        match line.strip_prefix("fix: ") {
            Some(fix) => {
                said.push_str("Fix: ");
                said.push_str(fix);
            }
            None => said.push_str(line),
        }
    }
    said
}

/// Resolves on SIGTERM, SIGHUP (the terminal it ran in was closed) or Ctrl-C (on Windows: Ctrl-C,
/// Ctrl-Break, the console closed, logoff, shutdown): the client (or the OS) wants the shim gone.
/// Never resolves when no handler can be installed.
pub(crate) async fn terminated() {
    StopSignals::listen().next().await;
}

/// The signals that stop a shim (SIGTERM, SIGHUP, Ctrl-C; on Windows the console's events),
/// listened to from the moment this is made: made before the server is started, no signal that
/// comes meanwhile is lost (the default action would end the shim at once, and leave its server
/// running, or on Windows its journal without its end). Made inside the runtime. Each signal
/// whose handler cannot be installed is left out, not the others.
pub(crate) struct StopSignals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(windows)]
    ctrl_c: Option<tokio::signal::windows::CtrlC>,
    #[cfg(windows)]
    ctrl_break: Option<tokio::signal::windows::CtrlBreak>,
    #[cfg(windows)]
    ctrl_close: Option<tokio::signal::windows::CtrlClose>,
    #[cfg(windows)]
    ctrl_logoff: Option<tokio::signal::windows::CtrlLogoff>,
    #[cfg(windows)]
    ctrl_shutdown: Option<tokio::signal::windows::CtrlShutdown>,
}

/// Waits for the next of one kind of signal (`Option<Signal>`, each kind its own type); never,
/// when it could not be listened to.
macro_rules! next_of {
    ($signal:expr) => {
        async move {
            if let Some(s) = $signal
                && s.recv().await.is_some()
            {
                return;
            }
            std::future::pending::<()>().await
        }
    };
}

impl StopSignals {
    pub(crate) fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            StopSignals {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(windows)]
        {
            use tokio::signal::windows as w;
            StopSignals {
                ctrl_c: w::ctrl_c().ok(),
                ctrl_break: w::ctrl_break().ok(),
                ctrl_close: w::ctrl_close().ok(),
                ctrl_logoff: w::ctrl_logoff().ok(),
                ctrl_shutdown: w::ctrl_shutdown().ok(),
            }
        }
        #[cfg(not(any(unix, windows)))]
        StopSignals {}
    }

    /// The next stop signal; never, when none can be listened to.
    pub(crate) async fn next(&mut self) {
        #[cfg(unix)]
        {
            let StopSignals { term, hup, int } = self;
            tokio::select! {
                () = next_of!(term) => {}
                () = next_of!(hup) => {}
                () = next_of!(int) => {}
            }
        }
        #[cfg(windows)]
        {
            let StopSignals {
                ctrl_c,
                ctrl_break,
                ctrl_close,
                ctrl_logoff,
                ctrl_shutdown,
            } = self;
            tokio::select! {
                () = next_of!(ctrl_c) => {}
                () = next_of!(ctrl_break) => {}
                () = next_of!(ctrl_close) => {}
                () = next_of!(ctrl_logoff) => {}
                () = next_of!(ctrl_shutdown) => {}
            }
        }
        #[cfg(not(any(unix, windows)))]
        std::future::pending::<()>().await;
    }

    /// Sends a message on `to` for every stop signal, as long as `to` is open: the first one
    /// stops a shim, a later one hurries its stop (see `tap::run`).
    pub(crate) async fn forward(mut self, to: tokio::sync::mpsc::UnboundedSender<()>) {
        loop {
            self.next().await;
            if to.send(()).is_err() {
                return;
            }
        }
    }
}
