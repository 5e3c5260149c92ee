//! The bridge: Claude Desktop's stdio on one side, a remote MCP server (Streamable HTTP or legacy
//! HTTP+SSE) on the other.
//!
//! It owns the forwarding loop: reading newline-delimited JSON-RPC from the client, choosing the
//! transport (auto-detection per the spec), pairing every request with exactly one reply (the
//! server's, or an error of our own when the server fails, times out or answers garbage), and
//! journaling both directions. Stdin and stdout are injected so tests and the app can drive it.
//!
//! It must never write anything but JSON-RPC to its output, never re-serialise a forwarded message
//! (the exceptions, when `--ignore-tool` is given: `tools/list` replies, and a batch holding calls
//! to ignored tools, which loses those members), and never answer a message from the client that
//! is itself a reply. A server message with bytes that are not UTF-8 reaches the client with each
//! replaced by U+FFFD, as the client's own JSON parser would read it (the transports do that).

mod keepalive;
pub mod stdio;

pub use keepalive::{DEFAULT_PING_INTERVAL, PING_ID_PREFIX};

use std::collections::HashMap;
use std::io;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use reqwest::Url;
use reqwest::header::HeaderMap;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::diagnose::{Diagnosis, Severity, codes};
use crate::journal::{Direction, Journal, Level};
use crate::jsonrpc::{self, Invalid, Kind};
use crate::transport::http::{Outgoing, StreamableHttp};
use crate::transport::sse::{LegacySse, SseConnection};
use crate::transport::{
    self, Fault, MAX_CLIENT_MESSAGE_BYTES, MAX_CLIENT_MESSAGE_SHOWN, Remote, Reporter,
};

/// Requests sent to the server at the same time; more wait their turn.
const MAX_IN_FLIGHT: usize = 16;

/// After the server failed the first message (`initialize`) with a fault worth retrying (a 5xx, a
/// refused connection), other messages are not sent for this long: each would only fail the same
/// way, after the same retries. The client's next `initialize` tries at once.
const RETRY_START_AFTER: Duration = Duration::from_secs(30);

/// How long a request may stay open that is meant to stay open: a `subscriptions/listen` of the
/// stateless revision (2026-07-28), whose stream carries the server's notifications until the
/// server ends it (its only reply) or the client cancels it. No `--timeout` applies to it.
const LONG_LIVED: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// The server's requests to the client (sampling, elicitation, roots, ping) remembered for the
/// journal while the client has not answered them: a client that never answers cannot make the
/// table grow past this (the oldest is forgotten; its answer, if it still comes, is journaled
/// without a method and a latency).
const MAX_SERVER_REQUESTS: usize = 1024;

/// The most the bridge waits for the server to take a notification or a reply of the client's
/// (or `--timeout`, if shorter). They are sent in order, one at a time, so the next line of the
/// client's waits for it: a server takes one at once (`202 Accepted`).
const DELIVERY_WAIT: Duration = Duration::from_secs(10);

/// Whether a request stays open by design ([`LONG_LIVED`]).
fn is_long_lived(method: Option<&str>) -> bool {
    method == Some("subscriptions/listen")
}

/// Which transport to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportChoice {
    /// POST the client's `initialize`; fall back to legacy SSE on 400/404/405.
    Auto,
    /// Streamable HTTP only.
    Http,
    /// Legacy HTTP+SSE only.
    Sse,
}

/// Everything `mcp-tray bridge` was told.
#[derive(Debug, Clone)]
pub struct BridgeOptions {
    pub url: Url,
    pub name: String,
    pub transport: TransportChoice,
    /// `--header` values, already expanded; never logged.
    pub headers: HeaderMap,
    /// How long a request may wait for its reply, or for its next progress report: a
    /// `notifications/progress` for the request's `progressToken` starts the wait again.
    pub timeout: Duration,
    /// How long a request may run in all, however often it reports progress (the spec's
    /// maximum timeout). Never shorter than `timeout`.
    pub max_timeout: Duration,
    /// Extra trusted CA certificates (PEM).
    pub ca_cert_pem: Option<Vec<u8>>,
    /// Sent as `MCP-Protocol-Version` instead of the negotiated one.
    pub protocol_version: Option<String>,
    /// Tools hidden from `tools/list` and refused in `tools/call`.
    pub ignore_tools: Vec<String>,
    /// Retries of a refused connection or a 5xx.
    pub retries: u32,
    /// Keep the cookies the server sets and send them back (`--no-cookies` turns it off).
    pub cookies: bool,
    /// OAuth sign-in for servers that answer 401 (`None`: send no token, e.g. with `--header`).
    pub auth: Option<crate::auth::AuthOptions>,
    /// Send the server a `ping` of the bridge's own after this long without a message from the
    /// client, once `initialize` was answered (`None`: never); the `keepalive` module says how.
    pub ping_interval: Option<Duration>,
}

/// How a plain `http://` URL to another host is allowed, in the command line's words
/// ([`crate::diagnose::message_in`] names the app's Allow unencrypted HTTP instead).
pub const ALLOW_HTTP_ADVICE: &str = "or pass --allow-http if you really mean it";

/// Checks a bridge URL: no WebSocket, HTTPS unless loopback or allowed. The error is a
/// [`Diagnosis`] that says what to do.
pub fn check_url(raw: &str, allow_http: bool) -> Result<Url, Box<Diagnosis>> {
    let url = Url::parse(raw.trim()).map_err(|e| {
        Box::new(
            Diagnosis::new(
                codes::HTTP_ERROR,
                Severity::Error,
                // Quoted without its credentials (`?token=…`, a password), and cut.
                format!(
                    "`{}` is not a URL: {e}",
                    transport::snippet(crate::redact::mask_text(raw.trim()).as_bytes())
                ),
            )
            .fix("Give the server's full URL, like https://example.com/mcp"),
        )
    })?;
    if url.port() == Some(0) && matches!(url.scheme(), "https" | "http") {
        return Err(Box::new(
            Diagnosis::new(
                codes::HTTP_ERROR,
                Severity::Error,
                format!(
                    "{} names port 0, which no server listens on",
                    transport::display_url(&url)
                ),
            )
            .fix("Give the port the server listens on, or none for the scheme's own (443 for https://)"),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_http || is_loopback(&url) => Ok(url),
        "http" => Err(Box::new(Diagnosis::new(
            codes::HTTP_ERROR,
            Severity::Error,
            format!("{} is plain HTTP on a remote host; traffic and tokens would travel unencrypted", transport::display_url(&url)),
        )
        .fix(format!("Use the https:// URL, {ALLOW_HTTP_ADVICE}")))),
        "ws" | "wss" => Err(Box::new(Diagnosis::new(
            codes::WEBSOCKET_URL,
            Severity::Error,
            format!("{} is a WebSocket URL, but MCP has no WebSocket transport", transport::display_url(&url)),
        )
        .detail("MCP servers are reached over Streamable HTTP (usually a URL ending in /mcp) or the older HTTP+SSE (ending in /sse).")
        .fix(crate::diagnose::WEBSOCKET_FIX))),
        other => Err(Box::new(Diagnosis::new(
            codes::HTTP_ERROR,
            Severity::Error,
            format!("`{other}:` URLs are not supported; use https://"),
        ))),
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The server's side once chosen.
#[derive(Clone)]
enum Link {
    Http(Arc<StreamableHttp>),
    Sse(Arc<SseConnection>),
}

impl Link {
    async fn send(&self, msg: &Outgoing) -> Result<(), Fault> {
        match self {
            Link::Http(h) => h.send(msg).await,
            Link::Sse(s) => s.send(msg).await,
        }
    }

    async fn close(&self) {
        match self {
            Link::Http(h) => h.close(Duration::from_secs(2)).await,
            Link::Sse(s) => s.close(),
        }
    }
}

/// What the stdin side tells the router.
enum Control {
    /// A request, or the requests of a batch, passed through: each is owed exactly one reply.
    /// `stop` is fired once none of them needs the POST that carries them any more (all answered,
    /// or cancelled by the client), so the worker sending it lets it go.
    Register {
        requests: Vec<Asked>,
        stop: Option<oneshot::Sender<Stop>>,
    },
    /// A keep-alive ping of the bridge's own went out under this id: its reply is journaled,
    /// never written, and it is never answered with an error ([`keepalive`]).
    Ping { id: Box<str> },
    /// Answer this request with an error, unless it was answered already (a ping is only
    /// forgotten). `detail`: what the HTTP client said ([`Fault::technical`]), for the journal's
    /// event, not the client's message.
    Fail {
        id: String,
        message: String,
        code: &'static str,
        detail: Option<String>,
    },
    /// The bridge is ending the session (`signalled`: its client stopped it with a signal; else
    /// it closed its input): what still waits for the server is not answered by it, through no
    /// fault of its own.
    Closing { signalled: bool },
    /// The client cancelled this request: it no longer expects a reply, so none is made up
    /// (the server's, if it still comes, is passed on), and its send is let go at once.
    Cancelled { id: String },
    /// A reply of the bridge's own to a line that was not JSON-RPC.
    Local(Vec<u8>),
    /// Tell me when no request is waiting any more.
    Drain(oneshot::Sender<()>),
    /// The session is closed: what still waits for an answer gets the bridge's "stopped" error
    /// (on legacy SSE no stream of its own ends to say so), and the router ends.
    Finish,
}

/// A request from the client, as the router pairs it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Asked {
    /// The id's JSON text.
    id: Box<str>,
    method: Option<Box<str>>,
    /// The JSON text of its `params._meta.progressToken`, if it asked for progress.
    progress: Option<Box<str>>,
}

/// The server's requests passed to the client and not yet answered: id text → (method, when it
/// was written to the client). The router, which writes them, adds them; the session, which
/// reads the client's answers, takes them out, so the journal records each answer with the
/// request's method and the time the client took (as the tap does). For the journal only:
/// nothing forwarded depends on it.
#[derive(Default)]
struct ServerRequests {
    waiting: HashMap<Box<str>, (Option<Box<str>>, Instant)>,
}

impl ServerRequests {
    /// Request `id` of the server's is written to the client `at`. When [`MAX_SERVER_REQUESTS`]
    /// wait already, the oldest is forgotten.
    fn forwarded(&mut self, id: &str, method: Option<&str>, at: Instant) {
        if self.waiting.len() >= MAX_SERVER_REQUESTS
            && !self.waiting.contains_key(id)
            && let Some(oldest) = self
                .waiting
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(id, _)| id.clone())
        {
            self.waiting.remove(&oldest);
        }
        self.waiting.insert(id.into(), (method.map(Into::into), at));
    }

    /// The client answered request `id` of the server's: its method, and how long the client
    /// took (`None`: no such request waits).
    fn answered(&mut self, id: &str) -> Option<(Option<Box<str>>, Duration)> {
        let (method, at) = self.waiting.remove(id)?;
        Some((method, at.elapsed()))
    }
}

/// [`ServerRequests`], shared by the router and the session.
type SharedServerRequests = Arc<std::sync::Mutex<ServerRequests>>;

fn lock(requests: &SharedServerRequests) -> std::sync::MutexGuard<'_, ServerRequests> {
    requests
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A request waiting for its reply. A client may send thousands at once, and each waits here:
/// its texts are boxed (no spare capacity) and its flight's number has a niche, so an entry of
/// the table takes 112 bytes, not 144.
struct Pending {
    method: Option<Box<str>>,
    since: Instant,
    deadline: Instant,
    /// Progress reports may move `deadline` up to here, no further.
    cap: Instant,
    progress: Option<Box<str>>,
    /// A progress report moved its deadline at least once.
    progressed: bool,
    cancelled: bool,
    /// A keep-alive ping of the bridge's own, not the client's ([`keepalive`]).
    ours: bool,
    /// The send (POST) that carries it, while that still waits for it.
    flight: Option<NonZeroU64>,
}

/// What a worker is told when none of the requests of its send needs it any more: the ids of
/// those that timed out (the server is told to stop working on them), none when all were
/// answered or cancelled by the client.
type Stop = Vec<String>;

/// One send in a worker: the requests it still waits for, and how to let it go.
struct Flight {
    open: usize,
    stop: oneshot::Sender<Stop>,
    timed_out: Vec<String>,
}

/// Owns the output: pairs replies with requests (exactly one each), answers timeouts, journals.
struct Router<W> {
    out: W,
    pending: HashMap<Box<str>, Pending>,
    /// No deadline in `pending` is earlier (`None`: none is waiting). Kept as a bound rather than
    /// the exact minimum, so a reply costs no scan of the table: deadlines only move later, and
    /// a bound left by a request already answered wakes the router once, to find the next.
    earliest: Option<Instant>,
    timeout: Duration,
    max_timeout: Duration,
    journal: Option<Arc<Journal>>,
    reporter: Reporter,
    ignore: Option<GlobSet>,
    drain: Vec<oneshot::Sender<()>>,
    flights: HashMap<NonZeroU64, Flight>,
    next_flight: u64,
    /// The sign-in, if any: while one runs, a request waits up to its wait plus `timeout`.
    auth: Option<Arc<crate::auth::Auth>>,
    /// The bridge is ending the session ([`Control::Closing`]).
    closing: bool,
    /// The server's requests written to the client, with a journal ([`ServerRequests`]).
    server_requests: SharedServerRequests,
}

/// How the HTTP client's own words about a failure start, on the line after the failure in plain
/// words (the journal's event, stderr): the doctor shows that line as the diagnosis's detail.
const TECHNICAL: &str = "technical detail: ";

impl<W: AsyncWrite + Unpin> Router<W> {
    async fn run(
        mut self,
        mut control: mpsc::UnboundedReceiver<Control>,
        mut server: transport::Inbox,
    ) -> io::Result<()> {
        loop {
            if self.pending.is_empty() {
                self.earliest = None;
            }
            let deadline = self.earliest;
            tokio::select! {
                biased;
                c = control.recv() => match c {
                    Some(Control::Finish) => {
                        while let Some(m) = server.try_recv() {
                            self.on_server(m).await?;
                        }
                        let waiting: Vec<Box<str>> = self.pending.keys().cloned().collect();
                        for id in waiting {
                            if let Some(p) = self.pending.remove(&id) {
                                self.answer_stopped(&id, p).await?;
                            }
                        }
                        return self.out.flush().await;
                    }
                    Some(c) => {
                        if matches!(c, Control::Fail { .. }) {
                            // A send that failed may have passed some replies on first (a batch);
                            // they go out before the failure is answered, so none is lost.
                            while let Some(m) = server.try_recv() {
                                self.on_server(m).await?;
                            }
                        }
                        self.on_control(c).await?
                    }
                    None => return self.out.flush().await,
                },
                m = server.recv() => match m {
                    Some(m) => self.on_server(m).await?,
                    None => return self.out.flush().await,
                },
                _ = sleep_until_opt(deadline) => self.expire().await?,
            }
            if control.is_empty() && server.is_empty() {
                self.out.flush().await?;
            }
            // A request meant to stay open (a listen) is not waited for: nobody reads it now.
            if self
                .pending
                .values()
                .all(|p| p.cancelled || p.ours || is_long_lived(p.method.as_deref()))
            {
                for waiter in self.drain.drain(..) {
                    let _ = waiter.send(());
                }
            }
        }
    }

    /// Answers `p` (request `id`, no longer pending) with the bridge's "stopped before the server
    /// answered" error, unless nobody waits for it (cancelled, or the bridge's own ping).
    async fn answer_stopped(&mut self, id: &str, mut p: Pending) -> io::Result<()> {
        self.settle(p.flight.take(), None);
        if p.cancelled || p.ours {
            return Ok(());
        }
        let reply = jsonrpc::error_reply(
            Some(id),
            jsonrpc::INTERNAL_ERROR,
            "mcp-tray bridge stopped before the server answered",
            Some(transport::BRIDGE_STOPPED),
        );
        self.journal(
            Direction::ServerToClient,
            &reply,
            p.method.as_deref(),
            Some(p.since.elapsed()),
        );
        self.write(&reply).await
    }

    async fn write(&mut self, line: &[u8]) -> io::Result<()> {
        if memchr::memchr2(b'\n', b'\r', line).is_some() {
            // A pretty-printed reply body: on stdio a message is one line. A raw line break in
            // JSON can only be whitespace between tokens (inside strings it is escaped), so a
            // space in its place changes nothing else.
            let flat: Vec<u8> = line
                .iter()
                .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
                .collect();
            self.out.write_all(&flat).await?;
        } else {
            self.out.write_all(line).await?;
        }
        self.out.write_all(b"\n").await
    }

    fn journal(&self, dir: Direction, raw: &[u8], method: Option<&str>, latency: Option<Duration>) {
        if let Some(j) = &self.journal {
            let env = jsonrpc::inspect(raw).ok();
            j.message(dir, raw, env.as_ref(), method, latency);
        }
    }

    async fn on_control(&mut self, c: Control) -> io::Result<()> {
        match c {
            Control::Register { requests, stop } => {
                let now = Instant::now();
                let flight = stop.map(|stop| {
                    self.next_flight += 1;
                    let n = NonZeroU64::new(self.next_flight).unwrap_or(NonZeroU64::MIN);
                    self.flights.insert(
                        n,
                        Flight {
                            open: 0,
                            stop,
                            timed_out: Vec::new(),
                        },
                    );
                    n
                });
                for Asked {
                    id,
                    method,
                    progress,
                } in requests
                {
                    let (deadline, cap) = if is_long_lived(method.as_deref()) {
                        (now + LONG_LIVED, now + LONG_LIVED)
                    } else {
                        (now + self.timeout, now + self.max_timeout.max(self.timeout))
                    };
                    self.earliest = Some(self.earliest.map_or(deadline, |e| e.min(deadline)));
                    let replaced = self.pending.insert(
                        id,
                        Pending {
                            method,
                            since: now,
                            deadline,
                            cap,
                            progress,
                            progressed: false,
                            cancelled: false,
                            ours: false,
                            flight,
                        },
                    );
                    if let Some(f) = flight.and_then(|n| self.flights.get_mut(&n)) {
                        f.open += 1;
                    }
                    // An id sent again while still waiting: the earlier send stops waiting for it.
                    if let Some(mut old) = replaced {
                        self.settle(old.flight.take(), None);
                    }
                }
            }
            Control::Ping { id } => {
                let now = Instant::now();
                let deadline = now + self.timeout;
                self.earliest = Some(self.earliest.map_or(deadline, |e| e.min(deadline)));
                self.pending.insert(
                    id,
                    Pending {
                        method: Some("ping".into()),
                        since: now,
                        deadline,
                        cap: deadline,
                        progress: None,
                        progressed: false,
                        cancelled: false,
                        ours: true,
                        flight: None,
                    },
                );
            }
            Control::Fail {
                id,
                message,
                code,
                detail,
            } => {
                if let Some(mut p) = self.pending.remove(id.as_str()) {
                    self.settle(p.flight.take(), None);
                    if p.cancelled || p.ours {
                        // Nobody waits for its answer.
                    } else if self.closing {
                        // Its stream ended with the session the bridge ended: said once, at
                        // `Closing`, and not as the server's failure.
                        self.answer_stopped(&id, p).await?;
                    } else {
                        let said = match detail {
                            Some(detail) => format!("{message}\n{TECHNICAL}{detail}"),
                            None => message.clone(),
                        };
                        self.answer_locally(&id, p, &message, &said, code).await?;
                    }
                }
            }
            Control::Closing { signalled } => {
                self.closing = true;
                let mut unanswered: Vec<&str> = self
                    .pending
                    .values()
                    .filter(|p| !p.cancelled && !p.ours)
                    .map(|p| p.method.as_deref().unwrap_or("a request"))
                    .collect();
                if !unanswered.is_empty() {
                    let n = unanswered.len();
                    unanswered.sort_unstable();
                    unanswered.dedup();
                    let how = if signalled {
                        "as its client asked"
                    } else {
                        "after its client closed its input"
                    };
                    let requests = if n == 1 { "request" } else { "requests" };
                    self.reporter.report(
                        Level::Info,
                        transport::BRIDGE_STOPPED,
                        &format!(
                            "the bridge stopped, {how}, with {n} {requests} unanswered ({})",
                            unanswered.join(", ")
                        ),
                    );
                }
            }
            Control::Cancelled { id } => {
                let flight = self.pending.get_mut(id.as_str()).and_then(|p| {
                    p.cancelled = true;
                    p.flight.take()
                });
                self.settle(flight, None);
            }
            Control::Local(line) => {
                self.journal(Direction::ServerToClient, &line, None, None);
                self.write(&line).await?;
            }
            Control::Drain(tx) => self.drain.push(tx),
            // Taken by `run`, which ends with it.
            Control::Finish => {}
        }
        Ok(())
    }

    /// One request of `flight` needs it no more (`timed_out`: it was not answered in time). When
    /// none does, the worker sending it is told to let it go, and which requests to cancel at
    /// the server.
    fn settle(&mut self, flight: Option<NonZeroU64>, timed_out: Option<&str>) {
        let Some(n) = flight else { return };
        let Some(f) = self.flights.get_mut(&n) else {
            return;
        };
        f.open = f.open.saturating_sub(1);
        if let Some(id) = timed_out {
            f.timed_out.push(id.to_owned());
        }
        if f.open == 0
            && let Some(f) = self.flights.remove(&n)
        {
            let _ = f.stop.send(f.timed_out);
        }
    }

    /// A `notifications/progress` from the server: the request it reports on waits `timeout`
    /// again from now, up to its cap.
    fn on_progress(&mut self, line: &[u8]) {
        let Some(token) = progress_token(line, false) else {
            return;
        };
        let now = Instant::now();
        let timeout = self.timeout;
        if let Some(p) = self
            .pending
            .values_mut()
            .find(|p| p.progress.as_deref() == Some(token.as_str()))
        {
            p.deadline = (now + timeout).min(p.cap).max(p.deadline);
            p.progressed = true;
        }
    }

    /// Answers request `id` with an error of the bridge's own: `message` to the client, `said`
    /// (the message, and what more it is worth knowing) to stderr and the journal.
    async fn answer_locally(
        &mut self,
        id: &str,
        p: Pending,
        message: &str,
        said: &str,
        code: &'static str,
    ) -> io::Result<()> {
        let number = match code {
            codes::TIMEOUT => jsonrpc::REQUEST_TIMEOUT,
            _ => jsonrpc::INTERNAL_ERROR,
        };
        let reply = jsonrpc::error_reply(Some(id), number, message, Some(code));
        let level = match code {
            codes::TIMEOUT => Level::Warn,
            // A client asking in the newest revision first, then falling back: nothing failed.
            // A bridge that stops: nobody failed.
            transport::HANDSHAKE_ONLY | transport::BRIDGE_STOPPED => Level::Info,
            _ => Level::Error,
        };
        self.reporter.report(level, code, said);
        self.journal(
            Direction::ServerToClient,
            &reply,
            p.method.as_deref(),
            Some(p.since.elapsed()),
        );
        self.write(&reply).await
    }

    async fn on_server(&mut self, line: Vec<u8>) -> io::Result<()> {
        let Ok(env) = jsonrpc::inspect(&line) else {
            return Ok(()); // transports drop garbage already
        };
        if env.kind == Kind::Batch
            && let Some(items) = batch_items(&line)
        {
            // The replies to a batch, in one array: each is paired on its own (and passed on as
            // a line of its own, its bytes unchanged), so each request still gets exactly one.
            for item in items {
                self.on_server_message(item).await?;
            }
            return Ok(());
        }
        self.on_server_message(line).await
    }

    async fn on_server_message(&mut self, line: Vec<u8>) -> io::Result<()> {
        let Ok(env) = jsonrpc::inspect(&line) else {
            return Ok(());
        };
        if !env.kind.is_reply() {
            match (env.kind, env.method.as_deref()) {
                (Kind::Notification, Some("notifications/progress")) => self.on_progress(&line),
                // Remembered before the client can see it, so its answer finds it.
                (Kind::Request, method) if self.journal.is_some() => {
                    if let Some(id) = env.id_key() {
                        lock(&self.server_requests).forwarded(id, method, Instant::now());
                    }
                }
                // The server gave up on a request of its own: no answer is expected.
                (Kind::Notification, Some("notifications/cancelled")) => {
                    if let Some(id) = jsonrpc::cancelled_request_id(&line) {
                        lock(&self.server_requests).answered(&id);
                    }
                }
                _ => {}
            }
            self.journal(Direction::ServerToClient, &line, None, None);
            return self.write(&line).await;
        }
        let key = env.id_key().map(str::to_owned);
        let Some(mut p) = key.as_deref().and_then(|k| self.pending.remove(k)) else {
            if key.as_deref().is_some_and(keepalive::is_ping_id) {
                return Ok(()); // a keep-alive ping's late reply: its timeout was said already
            }
            let text = match key {
                Some(k) => format!(
                    "dropped a reply to id {k}, which is not waiting for one (late or duplicate)"
                ),
                None => format!(
                    "dropped an error without an id: {}",
                    transport::snippet(&line)
                ),
            };
            self.reporter
                .report(Level::Warn, codes::PROTOCOL_ERROR, &text);
            return Ok(());
        };
        self.settle(p.flight.take(), None);
        // A keep-alive ping's reply, or one to a request the client cancelled (on a legacy
        // event stream the server's answer still comes; the client no longer knows the id, and
        // the TypeScript SDK logs such a reply as an error): journaled as the traffic it is,
        // never passed on.
        if p.ours || p.cancelled {
            self.journal(
                Direction::ServerToClient,
                &line,
                p.method.as_deref(),
                Some(p.since.elapsed()),
            );
            return Ok(());
        }
        let line = match (&self.ignore, p.method.as_deref()) {
            (Some(ignore), Some("tools/list")) => filter_tools(&line, ignore).unwrap_or(line),
            _ => line,
        };
        self.journal(
            Direction::ServerToClient,
            &line,
            p.method.as_deref(),
            Some(p.since.elapsed()),
        );
        self.write(&line).await
    }

    async fn expire(&mut self) -> io::Result<()> {
        let now = Instant::now();
        let expired: Vec<Box<str>> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        // A browser sign-in often takes longer than a request may: while one runs, a request
        // waits for it (`--oauth-wait`), then `timeout` for the server's answer.
        let sign_in_wait = self.auth.as_ref().and_then(|a| a.sign_in_wait());
        for id in expired {
            if let (Some(wait), Some(p)) = (sign_in_wait, self.pending.get_mut(&id)) {
                let held = (p.since + wait + self.timeout).min(p.cap);
                if held > now {
                    p.deadline = held;
                    continue;
                }
            }
            let Some(mut p) = self.pending.remove(&id) else {
                continue;
            };
            // The worker lets the send go and tells the server to stop working on it.
            self.settle(p.flight.take(), Some(&id));
            if !p.cancelled && !p.ours {
                let method = p.method.as_deref().unwrap_or("the request");
                let message = if p.deadline >= p.cap && p.progressed {
                    format!(
                        "remote server was still working on {method} after {} s, the most a request may take (--max-timeout), although it kept reporting progress",
                        p.cap.duration_since(p.since).as_secs_f64()
                    )
                } else if p.progressed {
                    format!(
                        "remote server did not answer {method}, nor report progress on it, for {} s",
                        self.timeout.as_secs_f64()
                    )
                } else {
                    format!(
                        "remote server did not answer {method} within {} s",
                        self.timeout.as_secs_f64()
                    )
                };
                self.answer_locally(&id, p, &message, &message, codes::TIMEOUT)
                    .await?;
            }
        }
        // The exact next deadline, now that those expired are held or gone.
        self.earliest = self.pending.values().map(|p| p.deadline).min();
        Ok(())
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Removes ignored tools from a `tools/list` reply (the one place the bridge re-serialises).
fn filter_tools(line: &[u8], ignore: &GlobSet) -> Option<Vec<u8>> {
    let mut v: serde_json::Value = serde_json::from_slice(line).ok()?;
    let tools = v.get_mut("result")?.get_mut("tools")?.as_array_mut()?;
    tools.retain(|t| {
        t.get("name")
            .and_then(|n| n.as_str())
            .is_none_or(|n| !ignore.is_match(n))
    });
    serde_json::to_vec(&v).ok()
}

/// The members of a JSON array, each as the bytes it was written as.
fn batch_items(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_slice(line).ok()?;
    Some(items.iter().map(|i| i.get().as_bytes().to_vec()).collect())
}

/// The requests inside a batch.
fn batch_requests(line: &[u8]) -> Vec<Asked> {
    batch_items(line)
        .unwrap_or_default()
        .iter()
        .filter_map(|item| asked(item, &jsonrpc::inspect(item).ok()?))
        .collect()
}

/// What the router needs of a request (`None` for any other message).
fn asked(line: &[u8], env: &jsonrpc::Envelope<'_>) -> Option<Asked> {
    let id = env.id_key().filter(|_| env.kind == Kind::Request)?;
    Some(Asked {
        id: id.into(),
        method: env.method.as_deref().map(Into::into),
        progress: progress_token(line, true).map(String::into_boxed_str),
    })
}

/// The JSON text of a progress token: a request's `params._meta.progressToken` (`in_meta`), or a
/// `notifications/progress`'s `params.progressToken`. Most messages hold none, and are not parsed.
fn progress_token(line: &[u8], in_meta: bool) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Message<'a> {
        #[serde(borrow)]
        params: Option<Params<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Params<'a> {
        #[serde(borrow, rename = "_meta")]
        meta: Option<Token<'a>>,
        #[serde(borrow, rename = "progressToken")]
        token: Option<&'a serde_json::value::RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct Token<'a> {
        #[serde(borrow, rename = "progressToken")]
        token: Option<&'a serde_json::value::RawValue>,
    }
    memchr::memmem::find(line, b"progressToken")?;
    let params = serde_json::from_slice::<Message<'_>>(line).ok()?.params?;
    let token = if in_meta {
        params.meta?.token
    } else {
        params.token
    };
    token.map(|t| t.get().to_owned()).filter(|t| t != "null")
}

/// The calls to ignored tools in a client message, refused by the bridge itself.
struct Refused {
    /// Each refused call's id text and tool.
    calls: Vec<(String, String)>,
    /// What is still to be sent: the batch without the refused calls (`None`: nothing).
    rest: Option<Vec<u8>>,
}

/// The calls in `line` (a request, or the requests of a batch) to tools `ignore` matches; `None`
/// when there are none, the common case.
fn refuse_ignored(line: &[u8], env: &jsonrpc::Envelope<'_>, ignore: &GlobSet) -> Option<Refused> {
    memchr::memmem::find(line, b"tools/call")?;
    let ignored = |item: &[u8], env: &jsonrpc::Envelope<'_>| -> Option<(String, String)> {
        let id = env.id_key().filter(|_| env.kind == Kind::Request)?;
        if env.method.as_deref() != Some("tools/call") {
            return None;
        }
        let tool = called_tool(item).filter(|t| ignore.is_match(t))?;
        Some((id.to_owned(), tool))
    };
    if env.kind != Kind::Batch {
        let call = ignored(line, env)?;
        return Some(Refused {
            calls: vec![call],
            rest: None,
        });
    }
    let mut calls = Vec::new();
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for item in batch_items(line)? {
        match jsonrpc::inspect(&item)
            .ok()
            .and_then(|e| ignored(&item, &e))
        {
            Some(call) => calls.push(call),
            None => kept.push(item),
        }
    }
    if calls.is_empty() {
        return None;
    }
    // The other members keep their bytes; only the array around them is written anew.
    let rest = (!kept.is_empty()).then(|| {
        let mut rest = b"[".to_vec();
        rest.extend_from_slice(&kept.join(&b","[..]));
        rest.push(b']');
        rest
    });
    Some(Refused { calls, rest })
}

/// The tool a `tools/call` names.
fn called_tool(line: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Call {
        params: Option<Params>,
    }
    #[derive(serde::Deserialize)]
    struct Params {
        name: Option<String>,
    }
    serde_json::from_slice::<Call>(line).ok()?.params?.name
}

fn ignore_set(globs: &[String]) -> Result<Option<GlobSet>, String> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        // Letter case aside, as mcp-remote's --ignore-tool: a tool hidden there stays hidden here.
        let glob = GlobBuilder::new(g)
            .case_insensitive(true)
            .build()
            .map_err(|e| format!("--ignore-tool `{g}`: {e}"))?;
        builder.add(glob);
    }
    builder.build().map(Some).map_err(|e| e.to_string())
}

/// One line from the client.
pub(crate) enum LineRead {
    Line,
    /// Over [`MAX_CLIENT_MESSAGE_BYTES`], skipped; the id read from its two ends, when they show it
    /// ([`crate::tap::cut_message_id`]), so that a request is answered by its id.
    TooLong {
        id: Option<String>,
    },
    Eof,
}

/// Room of the buffer a client's lines are read into, and the most it keeps after a big line.
const LINE_BUF: usize = 64 * 1024;
const LINE_BUF_KEPT: usize = 1024 * 1024;

/// Reads one `\n`-terminated line into `buf` (without the terminator), refusing lines past
/// [`MAX_CLIENT_MESSAGE_BYTES`] without holding them in memory.
pub(crate) async fn read_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> io::Result<LineRead> {
    buf.clear();
    if buf.capacity() > LINE_BUF_KEPT {
        // A big line has passed (or one too long, read up to the limit before it was refused):
        // its memory goes back instead of staying with the bridge for the rest of its life.
        buf.shrink_to(LINE_BUF);
    }
    let n = (&mut *r)
        .take(MAX_CLIENT_MESSAGE_BYTES as u64 + 1)
        .read_until(b'\n', buf)
        .await?;
    if n == 0 {
        return Ok(LineRead::Eof);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        return Ok(LineRead::Line);
    }
    if buf.len() <= MAX_CLIENT_MESSAGE_BYTES {
        return Ok(LineRead::Line); // last line without a newline
    }
    // Too long: skip to the end of the line, keeping its first and last bytes for its id.
    let head = buf[..crate::tap::CUT_KEPT].to_vec();
    let mut tail = buf[buf.len() - crate::tap::CUT_KEPT..].to_vec();
    buf.clear();
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            break;
        }
        let (upto, end) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        tail.extend_from_slice(&chunk[..upto]);
        let over = tail.len().saturating_sub(crate::tap::CUT_KEPT);
        tail.drain(..over);
        r.consume(if end { upto + 1 } else { upto });
        if end {
            break;
        }
    }
    if tail.last() == Some(&b'\r') {
        tail.pop();
    }
    Ok(LineRead::TooLong {
        id: crate::tap::cut_message_id(&head, &tail),
    })
}

/// Why the bridge could not start.
#[derive(Debug)]
pub struct StartError(pub String);

/// Runs the bridge until the client closes its input (then the session is deleted).
/// `shutdown` ends it at once (a signal): no waiting for pending replies, but the session is
/// still deleted.
pub async fn run<R, W, S>(
    opts: BridgeOptions,
    input: R,
    output: W,
    journal: Option<Arc<Journal>>,
    shutdown: S,
) -> Result<(), StartError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
    S: std::future::Future<Output = ()>,
{
    let client =
        transport::build_client(opts.ca_cert_pem.as_deref(), opts.cookies).map_err(StartError)?;
    let ignore = ignore_set(&opts.ignore_tools).map_err(StartError)?;
    let reporter = Reporter::new(&opts.name, journal.clone());
    let remote = Remote {
        client: client.clone(),
        url: opts.url.clone(),
        headers: opts.headers.clone(),
        reporter: reporter.clone(),
        retries: opts.retries,
        auth: opts.auth.clone().map(|a| {
            let auth = crate::auth::Auth::new(a, client.clone());
            auth.report_to(reporter.clone());
            auth
        }),
        max_timeout: opts.max_timeout.max(opts.timeout),
        last_failure: Arc::default(),
        outage: Arc::default(),
    };
    // A token refresh still under way when the bridge ends is waited for (see below).
    let auth_at_exit = remote.auth.clone();
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let (server_tx, server_rx) = transport::outbox();
    let server_requests = SharedServerRequests::default();
    let router = Router {
        out: output,
        pending: HashMap::new(),
        earliest: None,
        timeout: opts.timeout,
        max_timeout: opts.max_timeout,
        journal: journal.clone(),
        reporter: reporter.clone(),
        ignore: ignore.clone(),
        drain: Vec::new(),
        flights: HashMap::new(),
        next_flight: 0,
        auth: remote.auth.clone(),
        closing: false,
        server_requests: server_requests.clone(),
    };
    let mut router_task = tokio::spawn(router.run(control_rx, server_rx));
    let mut session = Session {
        opts: &opts,
        remote,
        outbox: server_tx,
        control: control_tx.clone(),
        link: None,
        ignore,
        workers: None,
        failed_start: None,
        activity: opts
            .ping_interval
            .map(|_| Arc::new(keepalive::Activity::new())),
        keepalive: None,
        server_requests,
    };

    let mut input = input;
    let mut buf = Vec::with_capacity(LINE_BUF);
    let mut shutdown = std::pin::pin!(shutdown);
    let mut signalled = false;
    // The client closed our stdout (it crashed, or closes that end first): nobody reads a reply
    // any more, but the server's session still ends as it should (below).
    let mut client_gone = false;
    loop {
        let read = tokio::select! {
            read = read_line(&mut input, &mut buf) => read,
            _ = &mut router_task => {
                client_gone = true;
                break;
            }
            _ = &mut shutdown => {
                signalled = true;
                break;
            }
        };
        match read {
            Ok(LineRead::Eof) | Err(_) => break,
            Ok(LineRead::TooLong { id }) => {
                let reply = jsonrpc::error_reply(
                    id.as_deref(),
                    jsonrpc::INVALID_REQUEST,
                    &format!(
                        "message larger than {MAX_CLIENT_MESSAGE_SHOWN} refused by mcp-tray bridge"
                    ),
                    Some(codes::MESSAGE_TOO_LARGE),
                );
                let _ = control_tx.send(Control::Local(reply));
            }
            Ok(LineRead::Line) => {
                // A line may wait for the server (the first one chooses the transport): a signal
                // still ends the bridge meanwhile.
                tokio::select! {
                    () = session.on_client_line(&buf, &journal) => {}
                    _ = &mut shutdown => {
                        signalled = true;
                        break;
                    }
                }
            }
        }
    }
    // The client is gone (or going): no more pings.
    session.stop_keepalive();

    if !signalled && !client_gone {
        // Stdin closed: let waiting requests get their replies (each is bounded by the timeout),
        // unless a signal says to stop now (a client closes stdin, then signals after a grace).
        let (tx, rx) = oneshot::channel();
        let _ = control_tx.send(Control::Drain(tx));
        let longest = opts.max_timeout.max(opts.timeout);
        tokio::select! {
            _ = tokio::time::timeout(longest + Duration::from_secs(1), rx) => {}
            _ = &mut shutdown => signalled = true,
        }
    }
    if let Some(link) = &session.link {
        // Before the session ends: the replies it ends are not the server's failures.
        let _ = control_tx.send(Control::Closing { signalled });
        link.close().await;
        let _ = control_tx.send(Control::Finish);
    }
    drop(session);
    drop(control_tx);
    if !client_gone {
        let _ = tokio::time::timeout(Duration::from_secs(1), router_task).await;
    }
    // A refresh a request started and was dropped from (its deadline, the client's cancel) runs
    // on: cut by the end of the process, the token the server rotated in it would be lost.
    if let Some(auth) = &auth_at_exit {
        auth.settle(Duration::from_secs(10)).await;
    }
    Ok(())
}

/// `notifications/cancelled` for a request id (its JSON text, verbatim).
fn cancel_notification(id: &str) -> Vec<u8> {
    format!(
        r#"{{"jsonrpc":"2.0","method":"notifications/cancelled","params":{{"requestId":{id},"reason":"mcp-tray bridge: no reply before the timeout"}}}}"#
    )
    .into_bytes()
}

/// Tells the server to stop working on requests the client got a timeout error for (dropping the
/// stream is not a cancel). `initialize` is never cancelled; the caller makes sure of that.
async fn cancel_at_server(link: &Link, ids: &[String]) {
    for id in ids {
        let cancel = Outgoing {
            bytes: Bytes::from(cancel_notification(id)),
            kind: Kind::Notification,
            id: None,
            method: Some("notifications/cancelled".into()),
            retry: true,
            interactive: true,
        };
        let _ = tokio::time::timeout(Duration::from_secs(5), link.send(&cancel)).await;
    }
}

/// A request (or a batch holding requests) waiting for a worker.
struct Queued {
    msg: Outgoing,
    /// The ids of the requests it carries.
    ids: Vec<String>,
    /// When the router gives up on them at the latest (progress reports cannot move it).
    deadline: Instant,
    /// Fired by the router when none of them needs this send any more.
    stop: oneshot::Receiver<Stop>,
}

/// Starts [`MAX_IN_FLIGHT`] workers that send queued requests and report failures. A request
/// whose deadline passed, or that the client cancelled, is not sent any more. A send is let go
/// when the router needs nothing more from it (every request it carries answered, timed out or
/// cancelled by the client; the server is told to stop working on those that timed out), and cut
/// at the latest deadline, so a server that never finishes a reply cannot hold a worker.
fn start_workers(
    link: &Link,
    control: &mpsc::UnboundedSender<Control>,
) -> mpsc::UnboundedSender<Queued> {
    let (tx, rx) = mpsc::unbounded_channel::<Queued>();
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    for _ in 0..MAX_IN_FLIGHT {
        let (rx, link, control) = (rx.clone(), link.clone(), control.clone());
        tokio::spawn(async move {
            loop {
                let next = rx.lock().await.recv().await;
                let Some(Queued {
                    msg,
                    ids,
                    deadline,
                    mut stop,
                }) = next
                else {
                    return;
                };
                if Instant::now() >= deadline || stop.try_recv().is_ok() {
                    continue;
                }
                // A dropped sender (the router went away) is not a stop.
                let stopped = async {
                    match stop.await {
                        Ok(timed_out) => timed_out,
                        Err(_) => std::future::pending().await,
                    }
                };
                let sent = tokio::select! {
                    biased;
                    sent = tokio::time::timeout_at(deadline, link.send(&msg)) => sent,
                    timed_out = stopped => {
                        if msg.method.as_deref() != Some("initialize") {
                            cancel_at_server(&link, &timed_out).await;
                        }
                        continue;
                    }
                };
                match sent {
                    Ok(Ok(())) => {}
                    Ok(Err(fault)) => {
                        let message = transport::failure_message(&msg, &fault);
                        for id in ids {
                            let _ = control.send(Control::Fail {
                                id,
                                message: message.clone(),
                                code: fault.code(),
                                detail: fault.technical().map(str::to_owned),
                            });
                        }
                    }
                    // The latest deadline passed (the router has answered the client).
                    Err(_) if msg.method.as_deref() != Some("initialize") => {
                        cancel_at_server(&link, &ids).await;
                    }
                    Err(_) => {}
                }
            }
        });
    }
    tx
}

/// The stdin side: validates lines, registers requests, picks and drives the transport.
struct Session<'a> {
    opts: &'a BridgeOptions,
    remote: Remote,
    outbox: transport::Outbox,
    control: mpsc::UnboundedSender<Control>,
    link: Option<Link>,
    ignore: Option<GlobSet>,
    /// Queue of requests for the workers, once the transport is chosen.
    workers: Option<mpsc::UnboundedSender<Queued>>,
    /// How the last try to reach the server failed, while no transport is chosen.
    failed_start: Option<FailedStart>,
    /// When the client last sent a message, with `--ping-interval`.
    activity: Option<Arc<keepalive::Activity>>,
    /// The keep-alive pinging, once `initialize` was answered.
    keepalive: Option<tokio::task::JoinHandle<()>>,
    /// The server's requests the client has yet to answer ([`ServerRequests`]).
    server_requests: SharedServerRequests,
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        self.stop_keepalive();
    }
}

/// The server failed the message that was to choose the transport.
struct FailedStart {
    fault: Fault,
    /// That message's method.
    method: Option<String>,
    at: Instant,
}

impl Session<'_> {
    async fn on_client_line(&mut self, line: &[u8], journal: &Option<Arc<Journal>>) {
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        if let Some(activity) = &self.activity {
            activity.touch();
        }
        let env = match jsonrpc::inspect(line) {
            Ok(env) => env,
            Err(invalid) => {
                if let Some(j) = journal {
                    j.message(Direction::ClientToServer, line, None, None, None);
                }
                let (code, message) = match invalid {
                    Invalid::NotJson(e) => (
                        jsonrpc::PARSE_ERROR,
                        format!("mcp-tray bridge received a line that is not JSON: {e}"),
                    ),
                    Invalid::NotJsonRpc => (
                        jsonrpc::INVALID_REQUEST,
                        "mcp-tray bridge received JSON that is not a JSON-RPC message".to_owned(),
                    ),
                };
                let reply = jsonrpc::error_reply(None, code, &message, Some(codes::PROTOCOL_ERROR));
                let _ = self.control.send(Control::Local(reply));
                return;
            }
        };
        // The client's answer to a request of the server's: journaled with the request's method
        // and the time the client took.
        let answered = env
            .id_key()
            .filter(|_| env.kind.is_reply())
            .and_then(|id| lock(&self.server_requests).answered(id));
        if let Some(j) = journal {
            let (method, latency) = answered.map_or((None, None), |(m, took)| (m, Some(took)));
            j.message(
                Direction::ClientToServer,
                line,
                Some(&env),
                method.as_deref(),
                latency,
            );
        }
        if env.kind == Kind::Notification
            && env.method.as_deref() == Some("notifications/cancelled")
            && let Some(id) = jsonrpc::cancelled_request_id(line)
        {
            let _ = self.control.send(Control::Cancelled { id });
        }
        let mut msg = Outgoing::new(Bytes::copy_from_slice(line), &env);
        if self.link.is_none()
            && is_long_lived(msg.method.as_deref())
            && self.opts.transport != TransportChoice::Sse
            && transport::is_stateless(&msg.bytes)
        {
            // A first message that stays open cannot be the one that connects (the connection
            // waits for its reply): the stateless revision has Streamable HTTP only, and nothing
            // to set up first.
            self.link = Some(self.stateless_link());
        }
        // The requests it carries: itself, or those inside a batch (2025-03-26), each owed one
        // reply.
        let requests = match env.kind {
            Kind::Request => asked(line, &env).into_iter().collect(),
            Kind::Batch => batch_requests(line),
            _ => Vec::new(),
        };
        let mut ids: Vec<String> = requests.iter().map(|r| r.id.to_string()).collect();
        let (stop_tx, stop_rx) = oneshot::channel();
        if !requests.is_empty() {
            let _ = self.control.send(Control::Register {
                requests,
                stop: self.link.is_some().then_some(stop_tx),
            });
            // Calls to ignored tools, alone or inside a batch, are refused here and never sent.
            if let Some(ignore) = &self.ignore
                && let Some(refused) = refuse_ignored(line, &env, ignore)
            {
                for (id, tool) in refused.calls {
                    ids.retain(|i| *i != id);
                    let _ = self.control.send(Control::Fail {
                        id,
                        message: format!("tool {tool} is disabled for this server (--ignore-tool)"),
                        code: codes::PROTOCOL_ERROR,
                        detail: None,
                    });
                }
                match refused.rest {
                    Some(rest) => msg.bytes = Bytes::from(rest),
                    None => return,
                }
            }
        }
        let link = match &self.link {
            Some(link) => link.clone(),
            None => {
                let initialize =
                    msg.kind == Kind::Request && msg.method.as_deref() == Some("initialize");
                if let Some(failed) = &self.failed_start
                    && !initialize
                    && failed.at.elapsed() < RETRY_START_AFTER
                {
                    self.refuse_before_start(ids, failed, &msg);
                    return;
                }
                // The first message (normally `initialize`) chooses the transport. It gets no
                // longer than the router gives a request before it answers the client itself (a
                // request's timeout, held back while a sign-in runs): a server that takes the
                // connection and never answers must not hold this loop, which reads the client's
                // next lines.
                let connected = self.connect_within_timeout(&msg).await;
                match connected {
                    Ok(link) => {
                        if initialize {
                            // Its reply is in: the session is open.
                            self.start_keepalive(&link, journal);
                        }
                        self.link = Some(link);
                        self.failed_start = None;
                    }
                    Err(fault) => {
                        self.fail(ids, &fault, &msg);
                        // Whatever failed it, the client's next messages (the notification
                        // that follows initialize) are not a new start, which would say
                        // "connected" to a server that answered none of it.
                        self.failed_start = Some(FailedStart {
                            fault,
                            method: msg.method.clone(),
                            at: Instant::now(),
                        });
                    }
                }
                return;
            }
        };
        if !ids.is_empty() {
            // Requests (and batches holding some) run concurrently on a fixed set of workers
            // (each send in flight holds a connection and a large future; a queued one only its
            // bytes), so this loop never waits on one. Replies may come in any order. The
            // client's own replies to server requests never queue behind them.
            let queue = self
                .workers
                .get_or_insert_with(|| start_workers(&link, &self.control));
            let longest = if is_long_lived(msg.method.as_deref()) {
                LONG_LIVED
            } else {
                self.opts.max_timeout.max(self.opts.timeout)
            };
            let _ = queue.send(Queued {
                msg,
                ids,
                deadline: Instant::now() + longest,
                stop: stop_rx,
            });
        } else {
            // Notifications and replies keep their order, so this loop waits for each to be
            // taken; but not for long: a server that holds one (a stalled proxy, a handler that
            // never returns its 202) would hold every later line of the client's with it. A
            // failure cannot be answered.
            if let Err(fault) = self.deliver(&link, &msg).await {
                self.fail(Vec::new(), &fault, &msg);
            }
        }
    }

    /// Sends a notification or a reply of the client's, waiting at most [`DELIVERY_WAIT`] (or
    /// `--timeout`) for the server to take it; while a sign-in it started runs, its wait too, as
    /// a request's, never past the most a request may take. A send waited out is not dropped but
    /// left to finish on its own (bounded by the most a request may take): cut, it could lose a
    /// token refresh halfway (the new refresh token, rotated at the authorization server and not
    /// yet stored), or the event stream `notifications/initialized` opens once it is taken.
    async fn deliver(&self, link: &Link, msg: &Outgoing) -> Result<(), Fault> {
        let wait = self.opts.timeout.min(DELIVERY_WAIT);
        let longest = self.opts.max_timeout.max(self.opts.timeout);
        let (link, owned) = (link.clone(), msg.clone());
        let url = transport::display_url(&self.opts.url);
        let what = msg
            .method
            .clone()
            .unwrap_or_else(|| "the client's reply to its request".into());
        let (gave_up, stopped) = (what.clone(), url.clone());
        let send = tokio::spawn(async move {
            tokio::time::timeout(longest, link.send(&owned))
                .await
                .unwrap_or(Err(Fault::NoAnswer {
                    url,
                    method: gave_up,
                    after: longest,
                }))
        });
        let sent = async {
            send.await.unwrap_or_else(|e| {
                Err(Fault::Protocol {
                    url: stopped,
                    detail: format!("sending it stopped: {e}"),
                })
            })
        };
        self.within_wait(sent, wait, what).await
    }

    /// Waits for `work` as the router waits for a request: `wait`, held back while a sign-in
    /// runs (its wait, then `wait` again), never past the most a request may take; then says
    /// why it was given up, as the last attempt failed or as no answer to `what`.
    async fn within_wait<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, Fault>>,
        wait: Duration,
        what: String,
    ) -> Result<T, Fault> {
        let started = Instant::now();
        let cap = started + self.opts.max_timeout.max(self.opts.timeout);
        let mut deadline = started + wait;
        tokio::pin!(work);
        loop {
            if let Ok(result) = tokio::time::timeout_at(deadline, &mut work).await {
                return result;
            }
            match self
                .remote
                .held_for_sign_in(started, wait)
                .map(|held| held.min(cap))
            {
                Some(held) if held > Instant::now() => deadline = held,
                // The attempts failed (refused, a 5xx…) while the retries went on: that is why,
                // not a server that took the message and kept quiet.
                _ => {
                    return Err(match self.remote.last_failure() {
                        Some(last) => Fault::Unreachable {
                            last: Box::new(last),
                            tried_for: deadline - started,
                        },
                        None => Fault::NoAnswer {
                            url: transport::display_url(&self.opts.url),
                            method: what,
                            after: deadline - started,
                        },
                    });
                }
            }
        }
    }

    /// Starts pinging the server when the client is quiet, if asked to ([`keepalive`]).
    fn start_keepalive(&mut self, link: &Link, journal: &Option<Arc<Journal>>) {
        let (Some(interval), Some(activity), None) =
            (self.opts.ping_interval, &self.activity, &self.keepalive)
        else {
            return;
        };
        self.remote.reporter.report(
            Level::Info,
            "keep-alive",
            &format!(
                "keep-alive on: a ping to the server after {} s without a message from the client",
                interval.as_secs_f64()
            ),
        );
        let pinging = keepalive::KeepAlive {
            link: link.clone(),
            control: self.control.clone(),
            journal: journal.clone(),
            reporter: self.remote.reporter.clone(),
            interval,
            timeout: self.opts.timeout,
            activity: activity.clone(),
        };
        self.keepalive = Some(pinging.spawn());
    }

    fn stop_keepalive(&mut self) {
        if let Some(pinging) = self.keepalive.take() {
            pinging.abort();
        }
    }

    /// Answers each of `ids` at once after the server failed the first message: the same fault,
    /// without the server's answer again (the first error said it).
    fn refuse_before_start(&self, ids: Vec<String>, failed: &FailedStart, msg: &Outgoing) {
        let message = format!(
            "{} to {}, so {} was not sent; the bridge tries the server again when the client sends initialize, or {} s after the failure",
            failed.fault.headline(),
            failed.method.as_deref().unwrap_or("the first request"),
            msg.method.as_deref().unwrap_or("this request"),
            RETRY_START_AFTER.as_secs()
        );
        // Notifications and replies need no answer, and the failure was reported already.
        for id in ids {
            let _ = self.control.send(Control::Fail {
                id,
                message: message.clone(),
                code: failed.fault.code(),
                detail: None,
            });
        }
    }

    /// Answers each of `ids` with `fault`; with none, reports it.
    fn fail(&self, ids: Vec<String>, fault: &Fault, msg: &Outgoing) {
        if !ids.is_empty() {
            let message = transport::failure_message(msg, fault);
            for id in ids {
                let _ = self.control.send(Control::Fail {
                    id,
                    message: message.clone(),
                    code: fault.code(),
                    detail: fault.technical().map(str::to_owned),
                });
            }
            return;
        }
        let technical = fault
            .technical()
            .map(|t| format!("\n{TECHNICAL}{t}"))
            .unwrap_or_default();
        self.remote.reporter.report(
            Level::Error,
            fault.code(),
            &format!(
                "could not deliver {}{}: {}{technical}",
                msg.kind.as_str(),
                msg.method
                    .as_deref()
                    .map(|m| format!(" {m}"))
                    .unwrap_or_default(),
                fault.describe()
            ),
        );
    }

    /// [`Session::connect_with`], given up as the router gives up on a request: after
    /// `timeout`, or while a sign-in runs, its wait (`--oauth-wait`) and then `timeout`, never
    /// past the most a request may take.
    async fn connect_within_timeout(&self, first: &Outgoing) -> Result<Link, Fault> {
        let what = first
            .method
            .clone()
            .unwrap_or_else(|| "the first message".into());
        self.within_wait(self.connect_with(first), self.opts.timeout, what)
            .await
    }

    /// A Streamable HTTP transport to the server, not yet used.
    fn streamable_http(&self) -> Arc<StreamableHttp> {
        StreamableHttp::new(
            self.remote.clone(),
            self.outbox.clone(),
            self.opts.protocol_version.clone(),
        )
    }

    /// The link of a client that opens with a long-lived request of the stateless revision.
    fn stateless_link(&self) -> Link {
        let http = self.streamable_http();
        self.remote.reporter.report(
            Level::Info,
            "connected",
            &format!(
                "talking to {} (Streamable HTTP, MCP 2026-07-28)",
                transport::display_url(&self.opts.url)
            ),
        );
        Link::Http(http)
    }

    async fn connect_with(&self, first: &Outgoing) -> Result<Link, Fault> {
        let shown = transport::display_url(&self.opts.url);
        let reporter = &self.remote.reporter;
        let remote = self.remote.clone();
        match self.opts.transport {
            TransportChoice::Sse => {
                let sse = LegacySse::connect(remote, self.outbox.clone())
                    .await
                    .map_err(|f| forced_transport(f, TransportChoice::Sse))?;
                sse.send(first)
                    .await
                    .map_err(|f| forced_transport(f, TransportChoice::Sse))?;
                reporter.report(
                    Level::Info,
                    "connected",
                    &format!("connected to {shown} (legacy HTTP+SSE)"),
                );
                Ok(Link::Sse(sse))
            }
            TransportChoice::Http | TransportChoice::Auto => {
                let http = self.streamable_http();
                match http.send(first).await {
                    Ok(()) => {
                        let revision = if transport::is_stateless(&first.bytes) {
                            ", MCP 2026-07-28"
                        } else {
                            ""
                        };
                        reporter.report(
                            Level::Info,
                            "connected",
                            &format!("connected to {shown} (Streamable HTTP{revision})"),
                        );
                        Ok(Link::Http(http))
                    }
                    Err(Fault::Http { status, .. })
                        if self.opts.transport == TransportChoice::Auto
                            && matches!(status, 400 | 404 | 405) =>
                    {
                        reporter.report(
                            Level::Info,
                            "transport-fallback",
                            &format!("{shown} answered HTTP {status} to a Streamable HTTP POST; trying legacy HTTP+SSE"),
                        );
                        let sse = LegacySse::connect(remote, self.outbox.clone()).await?;
                        sse.send(first).await?;
                        reporter.report(
                            Level::Info,
                            "connected",
                            &format!("connected to {shown} (legacy HTTP+SSE)"),
                        );
                        Ok(Link::Sse(sse))
                    }
                    Err(fault) if self.opts.transport == TransportChoice::Http => {
                        Err(forced_transport(fault, TransportChoice::Http))
                    }
                    Err(fault) => Err(fault),
                }
            }
        }
    }
}

/// A refusal of the one transport the bridge was told to use (`--transport http` or `sse`), of the
/// kind a server of the other transport answers (400, 404, 405, 406): said with the way out,
/// which `auto`, trying both, would have taken.
fn forced_transport(fault: Fault, forced: TransportChoice) -> Fault {
    match fault {
        Fault::Http {
            status, url, body, ..
        } if matches!(status, 400 | 404 | 405 | 406) => {
            let (forced, spoken, other) = if forced == TransportChoice::Sse {
                ("sse", "the legacy HTTP+SSE transport", "Streamable HTTP")
            } else {
                ("http", "Streamable HTTP", "the legacy HTTP+SSE transport")
            };
            let hint = format!(
                "with --transport {forced} the bridge speaks only {spoken}, and the server may speak {other}: leave --transport out (auto tries both)"
            );
            Fault::Http {
                status,
                url,
                body: if body.is_empty() {
                    hint
                } else {
                    format!("{body}; {hint}")
                },
                declined: false,
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_of_a_forced_transport_says_auto_tries_both() {
        let refused = forced_transport(
            Fault::Http {
                status: 405,
                url: "http://x/sse".into(),
                body: "Method Not Allowed".into(),
                declined: false,
            },
            TransportChoice::Http,
        );
        let said = refused.describe();
        assert!(
            said.contains(
                "Method Not Allowed; with --transport http the bridge speaks only Streamable HTTP"
            ) && said.contains("leave --transport out"),
            "{said}"
        );
        let other = forced_transport(
            Fault::Http {
                status: 500,
                url: "http://x/mcp".into(),
                body: "boom".into(),
                declined: false,
            },
            TransportChoice::Sse,
        );
        assert!(!other.describe().contains("--transport"));
    }

    #[test]
    fn a_url_that_does_not_parse_is_quoted_without_its_credentials() {
        let d = check_url("https://me:hunter2@exa mple.com/mcp?token=tok-3141", false)
            .expect_err("not a URL");
        assert!(d.summary.contains("is not a URL"), "{}", d.summary);
        assert!(
            !d.summary.contains("hunter2") && !d.summary.contains("tok-3141"),
            "{}",
            d.summary
        );
        assert!(d.summary.contains("exa mple.com/mcp"), "{}", d.summary);
    }

    #[test]
    fn websocket_urls_are_refused_with_an_explanation() {
        let d = check_url("wss://example.com/ws", false).expect_err("ws");
        assert_eq!(d.code, codes::WEBSOCKET_URL);
        assert!(d.summary.contains("no WebSocket transport"));
        assert!(d.fix.as_deref().is_some_and(|f| f.contains("/mcp")));
    }

    #[test]
    fn plain_http_is_allowed_only_for_loopback_or_when_asked() {
        assert!(check_url("http://127.0.0.1:3000/mcp", false).is_ok());
        assert!(check_url("http://localhost:3000/mcp", false).is_ok());
        assert!(check_url("http://[::1]:3000/mcp", false).is_ok());
        assert!(check_url("http://example.com/mcp", false).is_err());
        assert!(check_url("http://example.com/mcp", true).is_ok());
        assert!(check_url("https://example.com/mcp", false).is_ok());
    }

    #[test]
    fn port_0_is_refused_before_anything_connects_to_it() {
        let d = check_url("http://127.0.0.1:0/mcp", false).expect_err("port 0");
        assert!(d.summary.contains("port 0"), "{}", d.summary);
        assert!(check_url("https://example.com:0/mcp", false).is_err());
    }

    #[test]
    fn ignored_tools_disappear_from_tools_list() {
        let set = ignore_set(&["delete_*".into()])
            .expect("glob")
            .expect("set");
        let line = br#"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"delete_all"},{"name":"add"}]}}"#;
        let filtered = filter_tools(line, &set).expect("filtered");
        let v: serde_json::Value = serde_json::from_slice(&filtered).expect("json");
        assert_eq!(v["result"]["tools"].as_array().map(Vec::len), Some(1));
        assert_eq!(v["result"]["tools"][0]["name"], "add");
    }

    #[tokio::test]
    async fn batch_replies_are_paired_one_by_one_and_let_their_send_go() {
        let (out, mut read) = tokio::io::duplex(64 * 1024);
        let router = router_to(out, Duration::from_secs(30), Duration::from_secs(30), None);
        let (control, control_rx) = mpsc::unbounded_channel();
        let (server, server_rx) = transport::outbox();
        let task = tokio::spawn(router.run(control_rx, server_rx));
        let batch = br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":"b","method":"tools/list"}]"#;
        let requests = batch_requests(batch);
        assert_eq!(requests.len(), 2);
        let (stop, mut stopped) = oneshot::channel();
        let _ = control.send(Control::Register {
            requests,
            stop: Some(stop),
        });
        let (stop, cancelled) = oneshot::channel();
        let _ = control.send(Control::Register {
            requests: vec![Asked {
                id: "3".into(),
                method: Some("tools/call".into()),
                progress: None,
            }],
            stop: Some(stop),
        });
        let _ = server.send(br#"[{"jsonrpc":"2.0","id":1,"result":{}}]"#.to_vec());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(stopped.try_recv().is_err(), "one request still waits");
        // The second reply, and a duplicate of the first, which is dropped.
        let _ = server.send(
            br#"[{"jsonrpc":"2.0","id":"b","result":{"tools":[]}}, {"jsonrpc":"2.0","id":1,"result":{}}]"#
                .to_vec(),
        );
        assert!(stopped.await.is_ok(), "all answered: the send is let go");
        let _ = control.send(Control::Cancelled { id: "3".into() });
        assert!(cancelled.await.is_ok(), "cancelled: the send is let go");
        drop((control, server));
        task.await.expect("router").expect("output");
        let mut written = String::new();
        read.read_to_string(&mut written).await.expect("read");
        assert_eq!(
            written,
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"result\":{\"tools\":[]}}\n"
        );
    }

    fn router(timeout: u64, max_timeout: u64, ignore: Option<GlobSet>) -> Router<Vec<u8>> {
        router_to(
            Vec::new(),
            Duration::from_secs(timeout),
            Duration::from_secs(max_timeout),
            ignore,
        )
    }

    fn router_to<W>(
        out: W,
        timeout: Duration,
        max_timeout: Duration,
        ignore: Option<GlobSet>,
    ) -> Router<W> {
        Router {
            out,
            pending: HashMap::new(),
            earliest: None,
            timeout,
            max_timeout,
            journal: None,
            reporter: Reporter::new("unit", None),
            ignore,
            drain: Vec::new(),
            flights: HashMap::new(),
            next_flight: 0,
            auth: None,
            closing: false,
            server_requests: SharedServerRequests::default(),
        }
    }

    #[tokio::test]
    async fn a_request_answered_first_leaves_the_next_to_time_out_at_its_own_deadline() {
        // The router keeps a bound on the earliest deadline, not the exact one: the first
        // request's deadline, left behind by its reply, must neither cut the second short nor
        // leave it waiting for ever.
        let (out, read) = tokio::io::duplex(64 * 1024);
        let router = router_to(
            out,
            Duration::from_millis(400),
            Duration::from_millis(400),
            None,
        );
        let (control, control_rx) = mpsc::unbounded_channel();
        let (server, server_rx) = transport::outbox();
        let task = tokio::spawn(router.run(control_rx, server_rx));
        let ask = |id: &str| Control::Register {
            requests: vec![Asked {
                id: id.into(),
                method: Some("tools/call".into()),
                progress: None,
            }],
            stop: None,
        };
        let _ = control.send(ask("1"));
        tokio::time::sleep(Duration::from_millis(200)).await;
        let second = Instant::now();
        let _ = control.send(ask("2"));
        let _ = server.send(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#.to_vec());
        let mut lines = tokio::io::BufReader::new(read).lines();
        let answered = lines.next_line().await.expect("read").expect("a line");
        assert!(answered.contains(r#""id":1,"result""#), "{answered}");
        let timed_out = tokio::time::timeout(Duration::from_secs(5), lines.next_line())
            .await
            .expect("the second request times out")
            .expect("read")
            .expect("a line");
        let waited = second.elapsed();
        assert!(timed_out.contains(r#""id":2"#), "{timed_out}");
        assert!(timed_out.contains("timeout"), "{timed_out}");
        assert!(
            waited >= Duration::from_millis(400),
            "timed out after {waited:?}, before its deadline"
        );
        drop((control, server));
        task.await.expect("router").expect("output");
    }

    #[tokio::test]
    async fn progress_moves_a_deadline_up_to_its_cap_and_only_its_own() {
        let mut r = router(10, 25, None);
        let call = br#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x","_meta":{"progressToken":"tok"}}}"#;
        let plain = br#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"x"}}"#;
        let requests: Vec<Asked> = [&call[..], &plain[..]]
            .iter()
            .filter_map(|l| asked(l, &jsonrpc::inspect(l).ok()?))
            .collect();
        assert_eq!(requests[0].progress.as_deref(), Some(r#""tok""#));
        assert_eq!(requests[1].progress, None);
        r.on_control(Control::Register {
            requests,
            stop: None,
        })
        .await
        .expect("register");
        let deadline = |r: &Router<Vec<u8>>, id: &str| r.pending[id].deadline;
        let (first, other) = (deadline(&r, "7"), deadline(&r, "8"));
        tokio::time::sleep(Duration::from_millis(20)).await;
        let progress = br#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"tok","progress":1}}"#;
        let before = Instant::now();
        r.on_server(progress.to_vec()).await.expect("progress");
        assert!(deadline(&r, "7") >= before + Duration::from_secs(10));
        assert!(deadline(&r, "7") > first);
        assert!(r.pending["7"].progressed);
        assert_eq!(deadline(&r, "8"), other, "another request's deadline stays");
        // Never past the cap, however late the report.
        let cap = Instant::now() + Duration::from_secs(3);
        if let Some(p) = r.pending.get_mut("7") {
            (p.deadline, p.cap) = (Instant::now(), cap);
        }
        r.on_server(progress.to_vec()).await.expect("progress");
        assert_eq!(deadline(&r, "7"), cap);
        // A token no request waiting has given moves nothing.
        let stray =
            br#"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":8}}"#;
        r.on_server(stray.to_vec()).await.expect("progress");
        assert_eq!(deadline(&r, "8"), other);
        // The notification itself is passed on.
        assert_eq!(String::from_utf8_lossy(&r.out).lines().count(), 3);
    }

    #[tokio::test]
    async fn ignored_tools_leave_batches_both_ways() {
        let ignore = ignore_set(&["delete_*".into()]).expect("glob");
        let batch = br#"[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_all"}},{"jsonrpc":"2.0","method":"notifications/x"}, {"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add"}}]"#;
        let set = ignore.clone().expect("set");
        let env = jsonrpc::inspect(batch).expect("batch");
        let refused = refuse_ignored(batch, &env, &set).expect("one refused");
        assert_eq!(
            refused.calls,
            vec![("2".to_owned(), "delete_all".to_owned())]
        );
        assert_eq!(
            String::from_utf8(refused.rest.expect("the rest")).expect("utf-8"),
            r#"[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add"}}]"#
        );
        let only =
            br#"[{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_all"}}]"#;
        let env = jsonrpc::inspect(only).expect("batch");
        assert!(
            refuse_ignored(only, &env, &set)
                .expect("refused")
                .rest
                .is_none()
        );
        let fine = br#"[{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add"}}]"#;
        let env = jsonrpc::inspect(fine).expect("batch");
        assert!(refuse_ignored(fine, &env, &set).is_none());

        // The server's replies to a batch, in one array: a tools/list among them is filtered.
        let mut r = router(30, 30, ignore);
        r.on_control(Control::Register {
            requests: batch_requests(batch),
            stop: None,
        })
        .await
        .expect("register");
        let replies = br#"[{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"delete_all"},{"name":"add"}]}},{"jsonrpc":"2.0","id":3,"result":{}}]"#;
        r.on_server(replies.to_vec()).await.expect("replies");
        let out = String::from_utf8(r.out).expect("utf-8");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            !lines[0].contains("delete_all") && lines[0].contains("add"),
            "{out}"
        );
    }

    #[test]
    fn server_requests_the_client_never_answers_are_forgotten_oldest_first() {
        let mut waiting = ServerRequests::default();
        let start = Instant::now();
        for n in 0..MAX_SERVER_REQUESTS + 10 {
            let at = start + Duration::from_millis(n as u64);
            waiting.forwarded(&n.to_string(), Some("roots/list"), at);
        }
        assert_eq!(waiting.waiting.len(), MAX_SERVER_REQUESTS);
        for forgotten in 0..10 {
            assert!(waiting.answered(&forgotten.to_string()).is_none());
        }
        // The same id again replaces the one waiting, and takes no one else's place.
        waiting.forwarded("10", Some("ping"), start);
        assert_eq!(waiting.waiting.len(), MAX_SERVER_REQUESTS);
        let (method, _) = waiting.answered("10").expect("10 waits");
        assert_eq!(method.as_deref(), Some("ping"));
        // Forwarded 11 ms after `start`: the client took that much less than all since.
        let since_start = start.elapsed();
        let (method, took) = waiting.answered("11").expect("11 waits");
        assert_eq!(method.as_deref(), Some("roots/list"));
        assert!(took >= since_start.saturating_sub(Duration::from_millis(11)));
        assert!(waiting.answered("11").is_none(), "answered once");
    }

    #[tokio::test]
    async fn a_server_request_is_remembered_for_its_answer_until_the_server_cancels_it() {
        let tmp = tempfile::tempdir().expect("tmp");
        let journal =
            Journal::open("unit", crate::journal::JournalConfig::in_dir(tmp.path())).expect("open");
        let mut r = router(30, 30, None);
        let ask = br#"{"jsonrpc":"2.0","id":"s-1","method":"sampling/createMessage","params":{}}"#;
        // Without a journal nothing is remembered: nobody would read it.
        r.on_server(ask.to_vec()).await.expect("request");
        assert!(lock(&r.server_requests).waiting.is_empty());
        r.journal = Some(Arc::new(journal));
        let batch = br#"[{"jsonrpc":"2.0","id":"s-1","method":"sampling/createMessage","params":{}},{"jsonrpc":"2.0","id":2,"method":"ping"}]"#;
        r.on_server(batch.to_vec()).await.expect("requests");
        let cancel =
            br#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2}}"#;
        r.on_server(cancel.to_vec()).await.expect("cancel");
        let mut waiting = lock(&r.server_requests);
        let (method, _) = waiting.answered(r#""s-1""#).expect("s-1 waits");
        assert_eq!(method.as_deref(), Some("sampling/createMessage"));
        assert!(waiting.answered("2").is_none(), "cancelled: not waited for");
        drop(waiting);
        // Every message still reached the client.
        assert_eq!(String::from_utf8_lossy(&r.out).lines().count(), 4);
    }

    #[tokio::test]
    async fn overlong_lines_are_skipped_not_buffered() {
        let mut data = vec![b'x'; MAX_CLIENT_MESSAGE_BYTES + 10];
        data.extend_from_slice(b"\n{\"a\":1}\n");
        let mut r = tokio::io::BufReader::new(&data[..]);
        let mut buf = Vec::new();
        assert!(matches!(
            read_line(&mut r, &mut buf).await,
            Ok(LineRead::TooLong { id: None })
        ));
        assert!(matches!(
            read_line(&mut r, &mut buf).await,
            Ok(LineRead::Line)
        ));
        assert_eq!(buf, b"{\"a\":1}");
        assert!(matches!(
            read_line(&mut r, &mut buf).await,
            Ok(LineRead::Eof)
        ));
    }

    #[tokio::test]
    async fn the_room_of_a_big_line_or_one_refused_is_given_back_at_the_next_line() {
        let big = format!("{{\"d\":\"{}\"}}\n", "x".repeat(4 * LINE_BUF_KEPT));
        let overlong = "y".repeat(MAX_CLIENT_MESSAGE_BYTES + 10);
        let data = format!("{big}{{\"a\":1}}\n{overlong}\n{{\"b\":2}}\n");
        let mut r = tokio::io::BufReader::new(data.as_bytes());
        let mut buf = Vec::with_capacity(LINE_BUF);
        for expected in [&b"{\"a\":1}"[..], b"{\"b\":2}"] {
            read_line(&mut r, &mut buf).await.expect("the big line");
            assert!(buf.capacity() > LINE_BUF_KEPT, "it took room");
            assert!(matches!(
                read_line(&mut r, &mut buf).await,
                Ok(LineRead::Line)
            ));
            assert_eq!(buf, expected);
            assert!(
                buf.capacity() <= LINE_BUF_KEPT,
                "room kept: {}",
                buf.capacity()
            );
        }
    }

    #[tokio::test]
    async fn an_overlong_request_s_id_is_read_from_either_end() {
        let filler = "q".repeat(MAX_CLIENT_MESSAGE_BYTES + 10);
        let first = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{{\"d\":\"{filler}\"}}}}\r\n"
        );
        let last = format!(
            "{{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{{\"d\":\"{filler}\"}},\"id\":\"b-7\"}}\n"
        );
        let data = format!("{first}{last}");
        // Read in small pieces, so the line's end is found across many reads.
        let mut r = tokio::io::BufReader::with_capacity(1000, data.as_bytes());
        let mut buf = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..2 {
            match read_line(&mut r, &mut buf).await {
                Ok(LineRead::TooLong { id }) => ids.push(id),
                _ => panic!("not refused as too long"),
            }
        }
        assert_eq!(ids, [Some("9".to_owned()), Some("\"b-7\"".to_owned())]);
        assert!(matches!(
            read_line(&mut r, &mut buf).await,
            Ok(LineRead::Eof)
        ));
    }
}
