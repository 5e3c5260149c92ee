//! Remote MCP transports: Streamable HTTP ([`http`]) and legacy HTTP+SSE ([`sse`]).
//!
//! A transport takes one raw JSON-RPC message at a time and delivers every message the server
//! sends, as raw bytes, into an [`Outbox`]. It owns the HTTP details: `Accept`, session and
//! protocol-version headers, SSE parsing, resumption, retries and session renewal. It must never
//! change a message's bytes (SSE data only loses its CR/LF, which cannot be significant in JSON),
//! never answer the client itself (the bridge does that from a [`Fault`]), and never write a
//! header value (credentials) to a journal or to stderr.

mod events;
pub mod http;
mod modern;

pub use modern::is_stateless;
pub mod sse;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;

use crate::diagnose::codes;
use crate::journal::{Journal, Level};
use crate::jsonrpc::Kind;

/// The event of a request of the stateless revision (2026-07-28) refused by a server that speaks
/// only the revisions with a handshake ([`Fault::HandshakeOnly`]): news, not a failure. A client
/// that asks this way first (the Python SDK's `server/discover`) then starts with `initialize`.
pub const HANDSHAKE_ONLY: &str = "handshake-only";

/// The event of a bridge that stops (its client ended it) while requests still wait for their
/// replies, and the code of those requests' errors: news, not a failure, and nobody's fault.
pub const BRIDGE_STOPPED: &str = "bridge-stopped";

/// The event of a server that answers again after an outage the bridge said it retries through.
pub const REACHED_AGAIN: &str = "reached-again";

/// Largest message accepted from the server: what a client of the MCP TypeScript SDK (Claude
/// Desktop's) can read. Its stdio transport holds at most 10 MiB of unread input (since 1.2x,
/// June 2026) and closes the connection past that, which loses every tool of the server, while a
/// message MCP Tray refuses costs one request, answered with an error saying why. That input may
/// be a whole message, its newline and the start of the next in the same read (64 KiB): hence
/// 10 MiB less 64 KiB.
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024 - 64 * 1024;

/// [`MAX_MESSAGE_BYTES`] in words.
pub const MAX_MESSAGE_SHOWN: &str = "9.9 MiB";

/// Largest message accepted from the client (Claude Desktop): its limit is on what it reads, and
/// a server (a remote one, or a Python one on stdio) may take a larger request.
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// [`MAX_CLIENT_MESSAGE_BYTES`] in words.
pub const MAX_CLIENT_MESSAGE_SHOWN: &str = "64 MiB";

/// How many bytes of the server's messages may wait for the client (the bridge's stdout) before
/// a transport stops reading the server's streams. A client that stops reading (a hung app) while
/// a server streams notifications would otherwise grow the bridge's memory without end; this way
/// the server meets TCP's flow control instead. One message past it always goes in, so a message
/// up to [`MAX_MESSAGE_BYTES`] is never stuck.
pub const OUTBOX_LIMIT: usize = 4 * 1024 * 1024;

/// Where a transport puts what the server sends: one complete JSON-RPC message per item. Made by
/// [`outbox`]; the bridge's router reads the [`Inbox`] end.
#[derive(Clone)]
pub struct Outbox {
    tx: UnboundedSender<Vec<u8>>,
    room: Arc<Room>,
}

/// The reading end of an [`Outbox`].
pub struct Inbox {
    rx: UnboundedReceiver<Vec<u8>>,
    room: Arc<Room>,
}

/// The bytes in an outbox not yet taken out, and a wake-up for the transports waiting for room.
struct Room {
    queued: AtomicUsize,
    limit: usize,
    freed: tokio::sync::Notify,
}

/// An outbox holding up to [`OUTBOX_LIMIT`] bytes before [`Outbox::room`] waits.
pub fn outbox() -> (Outbox, Inbox) {
    outbox_with_limit(OUTBOX_LIMIT)
}

/// [`outbox`] with another limit (tests).
pub fn outbox_with_limit(limit: usize) -> (Outbox, Inbox) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let room = Arc::new(Room {
        queued: AtomicUsize::new(0),
        limit,
        freed: tokio::sync::Notify::new(),
    });
    (
        Outbox {
            tx,
            room: room.clone(),
        },
        Inbox { rx, room },
    )
}

impl Outbox {
    /// Puts a message in, whatever is waiting: a transport calls [`Outbox::room`] before it reads
    /// more from the server. False when nobody reads any more (the bridge is ending).
    pub fn send(&self, message: Vec<u8>) -> bool {
        let len = message.len();
        self.room.queued.fetch_add(len, Ordering::AcqRel);
        if self.tx.send(message).is_err() {
            self.room.queued.fetch_sub(len, Ordering::AcqRel);
            return false;
        }
        true
    }

    /// Waits while more than the limit waits for the client, unless nobody reads any more.
    pub async fn room(&self) {
        loop {
            let freed = self.room.freed.notified();
            let mut freed = std::pin::pin!(freed);
            // Registered before the check: a message taken out between the two still wakes it.
            freed.as_mut().enable();
            if self.room.queued.load(Ordering::Acquire) <= self.room.limit || self.tx.is_closed() {
                return;
            }
            freed.await;
        }
    }

    /// Bytes put in and not yet taken out.
    pub fn queued(&self) -> usize {
        self.room.queued.load(Ordering::Acquire)
    }
}

impl Inbox {
    pub async fn recv(&mut self) -> Option<Vec<u8>> {
        let message = self.rx.recv().await?;
        self.taken(message.len());
        Some(message)
    }

    pub fn try_recv(&mut self) -> Option<Vec<u8>> {
        let message = self.rx.try_recv().ok()?;
        self.taken(message.len());
        Some(message)
    }

    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    fn taken(&self, len: usize) {
        let before = self.room.queued.fetch_sub(len, Ordering::AcqRel);
        if before > self.room.limit && before - len <= self.room.limit {
            self.room.freed.notify_waiters();
        }
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        // Nobody reads any more: the transports waiting for room stop waiting.
        self.rx.close();
        self.room.freed.notify_waiters();
    }
}

/// Why a message could not be delivered, in words a user understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Nothing listens at the address (or it went away).
    Refused { url: String },
    /// The host name does not resolve.
    Dns { url: String },
    /// The TLS handshake failed (certificate, protocol).
    Tls { url: String, detail: String },
    /// The server answered with an HTTP error status.
    Http {
        status: u16,
        url: String,
        body: String,
        /// A 503 with `Retry-After`: the server itself declined the request and said when to
        /// come back, so it has not run. A 503 without it may come from a gateway that gave up
        /// on a request the server is still running (Heroku's router after 30 s, Envoy after
        /// the upstream reset), as any other 5xx.
        declined: bool,
    },
    /// The server redirects to another origin (scheme, host or port), which is not followed: the
    /// headers sent to this server may hold credentials. `to` is where it points (shown without
    /// query or user info), `None` when it names no valid place.
    Redirect {
        status: u16,
        url: String,
        to: Option<String>,
    },
    /// The proxy the request went through (`HTTPS_PROXY`, `HTTP_PROXY`…) failed: it refused or
    /// closed the connection, or answered for the server. `proxy` is the proxy's address (no
    /// credentials), `via` the variable that set it.
    Proxy {
        url: String,
        proxy: String,
        via: &'static str,
        failure: ProxyFailure,
    },
    /// The server's same-origin redirects lead back to an address already visited.
    RedirectLoop { url: String },
    /// The server needs credentials (401) or refused us (403); `body` is the start of its answer
    /// (it often says why). `no_sign_in`: a 401 whose server offers no OAuth sign-in (another
    /// `WWW-Authenticate` scheme, or no OAuth metadata at all): it wants credentials passed as
    /// headers.
    Auth {
        status: u16,
        url: String,
        body: String,
        no_sign_in: bool,
    },
    /// Sign-in (OAuth) is pending or failed; `detail` says which, in words (no secrets).
    SignIn { detail: String },
    /// The server answered, but not with what MCP expects.
    Protocol { url: String, detail: String },
    /// A request of the stateless revision (2026-07-28) was refused (HTTP `status`, no JSON-RPC
    /// answer) by a server that speaks only the revisions with a handshake.
    HandshakeOnly {
        url: String,
        status: u16,
        method: String,
    },
    /// The connection broke or timed out mid-exchange.
    Network { url: String, detail: String },
    /// The connection a reply was due on was lost (the server stopped or restarted): the reply
    /// can never arrive. `detail` says how it was lost, in the HTTP client's words
    /// ([`Fault::technical`]).
    Lost { url: String, detail: String },
    /// A reply (or another message) past [`MAX_MESSAGE_BYTES`], MCP Tray's own limit: dropped
    /// as it arrived. Not the server's fault as far as MCP goes.
    TooLarge { url: String },
    /// The URL is a WebSocket endpoint: the server answered HTTP 426 asking to upgrade to
    /// WebSocket, which MCP has no transport for.
    WebSocket { url: String },
    /// The bridge ended the session (its client stopped it) before the reply came.
    Stopped { url: String },
    /// The server took the request and gave no answer within `after` (a request's timeout).
    NoAnswer {
        url: String,
        method: String,
        after: std::time::Duration,
    },
    /// Every attempt to reach the server failed, `last` saying how the last one did, until the
    /// caller stopped waiting after `tried_for` while the transport went on retrying (the first
    /// message, bounded by a request's timeout). Not [`Fault::NoAnswer`]: no server took it.
    Unreachable {
        last: Box<Fault>,
        tried_for: std::time::Duration,
    },
    /// A legacy SSE message waited `waited` for its event stream to be reopened (the session
    /// lives on it), in vain: `last` says how the last attempt to reopen it failed. The message
    /// was never sent, so nothing can have run.
    StreamDown {
        last: Box<Fault>,
        waited: std::time::Duration,
    },
}

/// How a proxy failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyFailure {
    /// Nothing listens at the proxy's address, or its host name does not resolve.
    Unreachable,
    /// It took the request and closed the connection without an answer.
    Closed,
    /// It wants credentials (HTTP 407).
    Credentials,
    /// It would not open a tunnel to the server (an https URL; it gave no status we can see).
    NoTunnel,
    /// It answered a forwarded request with a gateway error (502, 503 or 504): `body` says why.
    Gateway { status: u16, body: String },
}

impl Fault {
    /// The stable diagnosis code (`connection-refused`, `http-error`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Fault::Refused { .. } | Fault::Proxy { .. } => codes::CONNECTION_REFUSED,
            // Connected, then broken: "start the server" would be wrong advice.
            Fault::Network { .. } | Fault::Lost { .. } => codes::CONNECTION_LOST,
            Fault::TooLarge { .. } => codes::MESSAGE_TOO_LARGE,
            Fault::WebSocket { .. } => codes::WEBSOCKET_URL,
            Fault::Stopped { .. } => BRIDGE_STOPPED,
            Fault::Dns { .. } => codes::DNS_ERROR,
            Fault::Tls { .. } => codes::TLS_ERROR,
            Fault::Http { .. } => codes::HTTP_ERROR,
            Fault::Redirect { .. } | Fault::RedirectLoop { .. } => codes::REDIRECTED,
            Fault::Auth { .. } | Fault::SignIn { .. } => codes::AUTH_REQUIRED,
            Fault::Protocol { .. } => codes::PROTOCOL_ERROR,
            Fault::HandshakeOnly { .. } => HANDSHAKE_ONLY,
            Fault::NoAnswer { .. } => codes::TIMEOUT,
            Fault::Unreachable { last, .. } | Fault::StreamDown { last, .. } => last.code(),
        }
    }

    /// One sentence for the JSON-RPC error message and stderr.
    pub fn describe(&self) -> String {
        match self {
            Fault::Refused { url } => format!("remote server refused the connection at {url}"),
            Fault::Dns { url } => format!("the host name of {url} does not resolve"),
            Fault::Tls { url, detail } => {
                format!("secure connection to {url} failed: {detail}")
            }
            // What a plain web server (a static site, `python -m http.server`) says to a POST.
            // (The legacy transport's GET may get it too: the method is not named.)
            Fault::Http {
                status: 501, url, ..
            } => format!(
                "remote server at {url} answered HTTP 501 (Not Implemented): a web server that does not take MCP's requests, not an MCP endpoint; check the URL (an MCP server's usually ends in /mcp or /sse)"
            ),
            // The server's own failure (500, 502, 503…): said so, with its answer when that says
            // more than the status, on one short line.
            Fault::Http {
                status, url, body, ..
            } if is_server_failure(*status) => {
                let reason = reqwest::StatusCode::from_u16(*status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                format!(
                    "remote server at {url} failed with HTTP {status}{reason}{}",
                    short_answer(*status, body)
                        .map(|said| format!(": {said}"))
                        .unwrap_or_default()
                )
            }
            Fault::Http {
                status, url, body, ..
            } if body.is_empty() => {
                format!("remote server at {url} answered HTTP {status}")
            }
            Fault::HandshakeOnly {
                url,
                status,
                method,
            } => format!(
                "remote server at {url} takes no MCP 2026-07-28 requests (HTTP {status} to {method}): it speaks an earlier version, which a client starts with initialize"
            ),
            Fault::Http {
                status, url, body, ..
            } => {
                format!("remote server at {url} answered HTTP {status}: {body}")
            }
            Fault::Redirect {
                status,
                url,
                to: Some(to),
            } => {
                let why = if !same_origin(url, to) {
                    "MCP Tray does not follow a redirect to another address, so that credentials meant for one server never reach another"
                } else if matches!(status, 301..=303) {
                    "MCP Tray does not follow a 301, 302 or 303 redirect, which would turn the messages it sends into GETs and lose them"
                } else {
                    "MCP Tray stopped following its redirects after five"
                };
                format!(
                    "remote server at {url} redirects to {to} (HTTP {status}); {why}. If {to} is the server's right address, use it as the entry's URL"
                )
            }
            Fault::Redirect {
                status,
                url,
                to: None,
            } => format!(
                "remote server at {url} answered with a redirect (HTTP {status}) that names no valid address to go to; check the server's URL"
            ),
            Fault::Proxy {
                url,
                proxy,
                via,
                failure,
            } => {
                let check = format!("check {via} (and NO_PROXY for addresses to reach directly)");
                match failure {
                    ProxyFailure::Unreachable => format!(
                        "the proxy {proxy} (from {via}) cannot be reached, so {url} was not tried; {check}, or start the proxy"
                    ),
                    ProxyFailure::Closed => format!(
                        "the proxy {proxy} (from {via}) closed the connection to {url} without an answer; {check}, or ask whoever runs the proxy whether it lets this address through"
                    ),
                    ProxyFailure::Credentials => format!(
                        "the proxy {proxy} (from {via}) wants credentials (HTTP 407) before it lets anything through to {url}; put them in {via} as http://user:password@host:port, or ask whoever runs the proxy"
                    ),
                    ProxyFailure::NoTunnel => format!(
                        "the proxy {proxy} (from {via}) refused to open a connection to {url}; {check}, or ask whoever runs the proxy whether it lets this address through"
                    ),
                    ProxyFailure::Gateway { status, body } => format!(
                        "the proxy {proxy} (from {via}) answered HTTP {status} for {url}{}: it could not reach the server, or would not; {check}",
                        if body.is_empty() {
                            String::new()
                        } else {
                            format!(" ({body})")
                        }
                    ),
                }
            }
            Fault::RedirectLoop { url } => format!(
                "remote server at {url} {REDIRECT_LOOP} (an address it redirects to leads back to one already visited); check the entry's URL, and if it is right, tell whoever runs the server"
            ),
            Fault::Auth { status, body, .. } if *status == 403 => {
                format!("{REFUSED_ACCESS}{}", with_body(body))
            }
            Fault::Auth {
                status,
                url,
                body,
                no_sign_in: true,
            } => format!(
                "remote server at {url} {NO_SIGN_IN} (HTTP {status}){}; {PASS_HEADERS}",
                with_body(body)
            ),
            Fault::Auth {
                status, url, body, ..
            } => format!(
                "remote server at {url} needs a sign-in (HTTP {status}){}; {SIGN_IN_OR_TOKEN}",
                with_body(body)
            ),
            Fault::Protocol { url, detail } => format!("remote server at {url} {detail}"),
            Fault::SignIn { detail } => detail.clone(),
            Fault::Network { url, detail } => {
                format!("connection to remote server at {url} broke: {detail}")
            }
            Fault::Lost { url, .. } => format!(
                "the server at {url} closed the connection while answering, so its reply will not come (the server may have stopped, crashed or restarted)"
            ),
            Fault::TooLarge { url } => format!(
                "the reply from {url} was larger than {MAX_MESSAGE_SHOWN}, the most MCP Tray's bridge passes on in one message (a client of the MCP SDK, such as Claude Desktop, closes the connection past 10 MiB); the bridge dropped it and sent this error in its place: ask for less at a time"
            ),
            Fault::WebSocket { url } => format!(
                "{url} is a WebSocket endpoint (it answered HTTP 426, asking for a WebSocket connection), but MCP has no WebSocket transport"
            ),
            Fault::Stopped { url } => format!(
                "mcp-tray bridge stopped (its client ended it) before the server at {url} answered"
            ),
            Fault::NoAnswer { url, method, after } => format!(
                "remote server at {url} gave no answer to {method} within {} s",
                after.as_secs_f64()
            ),
            Fault::Unreachable { last, tried_for } => format!(
                "{} (tried for {} s)",
                last.describe(),
                tried_for.as_secs_f64()
            ),
            Fault::StreamDown { last, waited } => format!(
                "{}; its event stream, which the session lives on, could not be reopened within {} s, so the message was not sent",
                last.describe(),
                (waited.as_secs_f64() * 10.0).round() / 10.0
            ),
        }
    }

    /// [`Fault::describe`] without the server's answer: for a fault said again (a retry), whose
    /// answer was said once already or will be with the final error.
    pub fn headline(&self) -> String {
        match self {
            Fault::Http { status, url, .. } => {
                format!("remote server at {url} answered HTTP {status}")
            }
            Fault::NoAnswer { url, after, .. } => format!(
                "remote server at {url} gave no answer within {} s",
                after.as_secs_f64()
            ),
            Fault::Unreachable { last, .. } | Fault::StreamDown { last, .. } => last.headline(),
            other => other.describe(),
        }
    }

    /// What the HTTP client said about the fault, where [`Fault::describe`] puts it in plain words
    /// without it: kept for the journal's detail (`unexpected EOF during chunk size line`).
    pub fn technical(&self) -> Option<&str> {
        match self {
            Fault::Lost { detail, .. } => Some(detail),
            Fault::Unreachable { last, .. } | Fault::StreamDown { last, .. } => last.technical(),
            _ => None,
        }
    }

    /// Faults worth retrying after a pause: the server may be restarting.
    pub fn is_transient(&self) -> bool {
        match self {
            Fault::Refused { .. } | Fault::Network { .. } | Fault::NoAnswer { .. } => true,
            Fault::Proxy { failure, .. } => !matches!(failure, ProxyFailure::Credentials),
            // 501: what a server that takes no POSTs says, every time.
            Fault::Http { status, .. } => *status >= 500 && *status != 501,
            Fault::Unreachable { last, .. } | Fault::StreamDown { last, .. } => last.is_transient(),
            _ => false,
        }
    }

    pub(crate) fn from_reqwest(err: &reqwest::Error, url: &Url) -> Fault {
        let proxy = proxy_for(url);
        let in_handshake = failed_in_tls_handshake(err, url);
        let url = display_url(url);
        let mut chain = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        let lower = chain.to_ascii_lowercase();
        if let Some((proxy, via)) = proxy
            && let Some(failure) = proxy_failure(err, &lower)
        {
            return Fault::Proxy {
                url,
                proxy,
                via,
                failure,
            };
        }
        let mut cause = std::error::Error::source(err);
        while let Some(c) = cause {
            if c.is::<RedirectLoop>() {
                return Fault::RedirectLoop { url };
            }
            cause = c.source();
        }
        if lower.contains("dns error") || lower.contains("failed to lookup address") {
            Fault::Dns { url }
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
            || in_handshake
        {
            Fault::Tls {
                url,
                detail: tls_in_words(&chain),
            }
        } else if err.is_connect() {
            Fault::Refused { url }
        } else if lower.contains("connection closed before message completed")
            || lower.contains("connection reset")
        {
            // Taken, then closed with no answer begun: hyper's words, said plainly.
            Fault::Network {
                url,
                detail: CLOSED_BEFORE_ANSWER.into(),
            }
        } else {
            Fault::Network {
                url,
                detail: last_cause(&chain),
            }
        }
    }

    pub(crate) async fn from_status(resp: reqwest::Response, url: &Url) -> Fault {
        let status = resp.status();
        // A forwarded request (an http:// URL) is answered by the proxy itself when it fails.
        let proxy = proxy_for(url);
        let url = display_url(url);
        if let Some((proxy, via)) = proxy.filter(|_| matches!(status.as_u16(), 407 | 502..=504)) {
            let failure = match status.as_u16() {
                407 => ProxyFailure::Credentials,
                status => ProxyFailure::Gateway {
                    status,
                    body: body_summary(&read_start(resp, 16 * 1024).await),
                },
            };
            return Fault::Proxy {
                url,
                proxy,
                via,
                failure,
            };
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Fault::Auth {
                status: status.as_u16(),
                url,
                body: first_line(resp).await,
                no_sign_in: false,
            };
        }
        if status == StatusCode::UPGRADE_REQUIRED && asks_for_websocket(resp.headers()) {
            return Fault::WebSocket { url };
        }
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            // The client follows 307/308 on the same origin (`build_client`): this one leads
            // elsewhere, would turn a POST into a GET (301/302/303), or goes round in circles.
            let to = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| resp.url().join(l.trim()).ok())
                .map(|to| display_url(&to));
            return Fault::Redirect {
                status: status.as_u16(),
                url,
                to,
            };
        }
        let declined = status == StatusCode::SERVICE_UNAVAILABLE
            && resp.headers().contains_key(reqwest::header::RETRY_AFTER);
        let body = error_summary(status.as_u16(), &read_start(resp, 16 * 1024).await);
        Fault::Http {
            status: status.as_u16(),
            url,
            body,
            declined,
        }
    }
}

/// Whether an HTTP error status is the server's own failure (5xx): not 501, what a web server
/// that takes no POSTs answers, which is the URL's fault.
pub fn is_server_failure(status: u16) -> bool {
    (500..600).contains(&status) && status != 501
}

/// Longest answer a server's failure is told with ([`short_answer`]).
const SHORT_ANSWER: usize = 160;

/// What a failed server's answer `body` (its first line: [`error_summary`]) adds to its status,
/// when it is short: not the status again (`500 Internal Server Error`), not a long line, which
/// the journal has.
fn short_answer(status: u16, body: &str) -> Option<&str> {
    let said = body.trim();
    let plain = said
        .trim_start_matches(&status.to_string())
        .trim_start_matches([' ', '-', ':']);
    let repeats_status = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .is_some_and(|reason| plain.eq_ignore_ascii_case(reason));
    let short = said.chars().count() <= SHORT_ANSWER && !said.ends_with('…');
    (!said.is_empty() && !repeats_status && short).then_some(said)
}

/// What an error answer with `status` says, on one line: [`body_summary`], except for the
/// server's own failure, told by its first line (a traceback's lines run together say nothing).
pub(crate) fn error_summary(status: u16, bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let markup = text.trim_start().starts_with('<');
    if !is_server_failure(status) || markup {
        return body_summary(bytes);
    }
    said_in_json(bytes)
        .or_else(|| python_exception(&text))
        .unwrap_or_else(|| first_short_line(&text))
}

/// The exception a Python traceback ends with (`KeyError: 'db'`), which says what failed; its
/// first line (`Traceback (most recent call last):`) says nothing. The frames are indented: the
/// last line that is not, after the first. `None` for any other text, or a traceback cut before
/// its end.
fn python_exception(text: &str) -> Option<String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next()?.trim();
    if !first.starts_with("Traceback (most recent call last)") {
        return None;
    }
    let rest: Vec<&str> = lines.collect();
    let last = rest
        .iter()
        .rev()
        .find(|l| !l.starts_with(char::is_whitespace))?;
    Some(first_short_line(last))
}

/// Whether an answer's `Upgrade` header names WebSocket (a 426 of a WebSocket-only endpoint).
fn asks_for_websocket(headers: &HeaderMap) -> bool {
    headers
        .get_all(reqwest::header::UPGRADE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("websocket"))
}

/// The proxy a request to `url` goes through, as the HTTP client picks it (`HTTPS_PROXY`,
/// `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, and the system's settings where the client reads them):
/// its address without credentials, and the variable that set it.
fn proxy_for(url: &Url) -> Option<(String, &'static str)> {
    let matcher = hyper_util::client::proxy::matcher::Matcher::from_system();
    let intercept = matcher.intercept(&url.as_str().parse().ok()?)?;
    let proxy = Url::parse(&intercept.uri().to_string())
        .map(|u| display_url(&u))
        .unwrap_or_else(|_| "set".to_owned());
    let names: &[&'static str] = if url.scheme() == "https" {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    let via = names
        .iter()
        .find(|n| std::env::var_os(n).is_some_and(|v| !v.is_empty()))
        .copied()
        .unwrap_or("the system's proxy settings");
    Some((proxy, via))
}

/// How a request through a proxy failed at the proxy, from the client's error (`lower` is its
/// whole chain, lowercased); `None` when the proxy let it through (a TLS error is the server's).
fn proxy_failure(err: &reqwest::Error, lower: &str) -> Option<ProxyFailure> {
    if lower.contains("proxy authorization required") {
        Some(ProxyFailure::Credentials)
    } else if lower.contains("tunnel error: unsuccessful") {
        Some(ProxyFailure::NoTunnel)
    } else if lower.contains("tunnel error: unexpected end of file")
        || lower.contains("connection closed before message completed")
    {
        Some(ProxyFailure::Closed)
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        None
    } else if err.is_connect() {
        Some(ProxyFailure::Unreachable)
    } else {
        None
    }
}

/// Whether `headers` say the body is of media type `essence` (`text/event-stream`): compared
/// without case and whitespace, parameters (`; charset=utf-8`) ignored, as RFC 9110 has it.
fn content_type_is(headers: &HeaderMap, essence: &str) -> bool {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case(essence))
}

/// Whether two URLs (as shown) share scheme, host and port.
fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    }
}

/// How a 403 that is not about a missing scope reads (the diagnosis's fix keys on it).
/// What to do about [`NO_SIGN_IN`], at a terminal (the app shows its own fix instead).
pub const PASS_HEADERS: &str =
    "pass them with --header 'Name: value' (in the app: the Edit form's headers)";
/// What to do about a server that needs a sign-in, at a terminal (the app shows its own fix).
pub const SIGN_IN_OR_TOKEN: &str =
    "sign in from MCP Tray or pass --header 'Authorization: Bearer …'";
pub const REFUSED_ACCESS: &str = "server refused access (HTTP 403)";
/// How a 401 without an OAuth sign-in reads (the diagnosis's fix keys on it).
pub const NO_SIGN_IN: &str = "needs credentials it offers no sign-in for";

/// `: <body>` when there is one.
fn with_body(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

/// The start of an answer's body: at least `limit` bytes of it when it has that many (the rest is
/// not read).
async fn read_start(mut resp: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    while bytes.len() < limit {
        match resp.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes
}

/// What an error answer says, on one short line. An HTML error page (a proxy's or a framework's
/// 502, 500…) is told by its title, or failing that its text, never its markup.
fn body_summary(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lower = text.to_ascii_lowercase();
    let head = lower.trim_start();
    let is_html = head.starts_with('<')
        && ["<html", "<!doctype html", "<head", "<body", "<title"]
            .iter()
            .any(|tag| lower.contains(tag));
    if !is_html {
        return said_in_json(bytes).unwrap_or_else(|| snippet(bytes));
    }
    // Lowercasing ASCII keeps every byte where it was, so positions in `lower` fit `text`.
    let title = lower.find("<title").and_then(|start| {
        let open = start + lower[start..].find('>')? + 1;
        let close = open + lower[open..].find("</title")?;
        Some(&text[open..close])
    });
    let words = match title.map(|t| html_text(t, "")).filter(|t| !t.is_empty()) {
        Some(title) => title,
        None => html_text(&text, &lower),
    };
    let mut short: String = words.chars().take(160).collect();
    if words.chars().count() > 160 {
        short = format!("{}…", short.trim_end());
    }
    short
}

/// The text of some HTML on one line: tags (and scripts and styles) out, a few entities decoded,
/// runs of white space made one space. `lower` is `html` lowercased, or empty to make it here.
fn html_text(html: &str, lower: &str) -> String {
    let owned;
    let lower = if lower.is_empty() {
        owned = html.to_ascii_lowercase();
        &owned
    } else {
        lower
    };
    let mut out = String::new();
    let mut i = 0;
    while i < html.len() {
        if html.as_bytes()[i] == b'<' {
            let skip_to = ["script", "style"].iter().find_map(|tag| {
                lower[i + 1..].starts_with(tag).then(|| {
                    lower[i..]
                        .find(&format!("</{tag}"))
                        .map_or(html.len(), |end| i + end + 1)
                })
            });
            let from = skip_to.unwrap_or(i);
            i = lower[from..]
                .find('>')
                .map_or(html.len(), |end| from + end + 1);
            out.push(' ');
            continue;
        }
        let next = html[i..].find('<').map_or(html.len(), |n| i + n);
        out.push_str(&html[i..next]);
        i = next;
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What an error answer that is JSON says in words: a JSON-RPC error's `message` (`Missing
/// session ID`), or the `error`, `error_description`, `message` or `detail` text many servers and
/// frameworks answer with; its first line, at most 200 characters. Not the JSON around it.
fn said_in_json(bytes: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let said = [
        &value["error"]["message"],
        &value["error_description"],
        &value["error"],
        &value["message"],
        &value["detail"],
    ]
    .into_iter()
    .find_map(|v| v.as_str().map(str::trim).filter(|s| !s.is_empty()))?;
    Some(first_short_line(said))
}

/// The first non-empty line of `text`, control characters made spaces, cut to 200 characters.
fn first_short_line(text: &str) -> String {
    let line: String = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.chars().count() > 200 {
        let cut: String = line.chars().take(200).collect();
        format!("{}…", cut.trim_end())
    } else {
        line
    }
}

/// The first non-empty line of an error answer (at most 4 KiB read), cut to one short line: a
/// 401 or 403 often says why ("API key required", "your IP is blocked"); one that is JSON, by
/// what it says ([`said_in_json`]).
pub(crate) async fn first_line(resp: reqwest::Response) -> String {
    let bytes = read_start(resp, 4096).await;
    said_in_json(&bytes).unwrap_or_else(|| first_short_line(&String::from_utf8_lossy(&bytes)))
}

/// How a certificate that is a CA's reads (the diagnosis's fix keys on it: `--ca-cert` cannot help).
pub const CA_AS_SERVER_CERT: &str = "the server presents a CA certificate as its own";
/// How a certificate no trusted authority signed reads (the diagnosis's fix keys on it).
pub const UNKNOWN_CA: &str = "its certificate is not signed by an authority this computer trusts";
/// What [`UNKNOWN_CA`] says next on the command line; the app shows its own control instead.
pub const UNKNOWN_CA_CLI_HINT: &str = " (for a private or corporate CA, pass --ca-cert FILE)";
/// How an answer that is not TLS at all reads (the diagnosis's fix keys on it).
pub const NOT_TLS: &str = "the server did not answer in TLS";
/// How a redirect loop reads (the diagnosis's fix keys on it: there is no address to move to).
pub const REDIRECT_LOOP: &str = "redirects in a loop";
/// A connection the server took and closed before any answer began.
const CLOSED_BEFORE_ANSWER: &str =
    "the server closed the connection before answering (it may have stopped, crashed or restarted)";
/// Said of a URL that answered a JSON-RPC POST with a web page: not an MCP endpoint.
pub const WEB_PAGE: &str = "answered with a web page, not MCP";

/// Whether a reply body is an HTML page (a site's home page, a login page) rather than JSON-RPC.
pub(crate) fn is_html(body: &[u8]) -> bool {
    let start = body.trim_ascii_start();
    let head = start[..start.len().min(14)].to_ascii_lowercase();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

/// Said of a web page that answered a message where the URL had answered as MCP before: the URL
/// is right; something in front of the server (a gateway's error page, a sign-in wall) answered.
pub const WEB_PAGE_AFTER_MCP: &str = "where it had answered as an MCP server before";

/// The fault of a URL that answered with a web page, named by its title ([`body_summary`]).
/// `method`: the message it answered, when the URL has answered as an MCP server before
/// ([`WEB_PAGE_AFTER_MCP`]); `None` when it never has (the URL is not an MCP endpoint).
pub(crate) fn web_page(url: &Url, body: &[u8], after_mcp: Option<&str>) -> Fault {
    let title = body_summary(body);
    let detail = match after_mcp {
        None => format!("{WEB_PAGE} (\"{title}\")"),
        Some(method) => {
            format!("answered {method} with a web page (\"{title}\"), {WEB_PAGE_AFTER_MCP}")
        }
    };
    Fault::Protocol {
        url: display_url(url),
        detail,
    }
}

/// Whether a connection to an https:// URL failed in its TLS handshake, whatever rustls's words
/// (`received corrupt message of type InvalidContentType`, said of a server answering in plain
/// HTTP, names no TLS). tokio-rustls hands each rustls error on as an I/O error of kind
/// `InvalidData`, which no TCP connect gives, and reqwest wraps that in another I/O error
/// (`Other`). An I/O error's `source` skips the error it wraps, so each is opened with `get_ref`.
fn failed_in_tls_handshake(err: &reqwest::Error, url: &Url) -> bool {
    if url.scheme() != "https" || !err.is_connect() {
        return false;
    }
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        let mut io = c.downcast_ref::<std::io::Error>();
        while let Some(e) = io {
            if e.kind() == std::io::ErrorKind::InvalidData {
                return true;
            }
            io = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<std::io::Error>());
        }
        cause = c.source();
    }
    false
}

/// rustls's and webpki's TLS errors, in words a user can act on. `chain` is the whole error chain
/// (`… invalid peer certificate: certificate expired: verification time …`); rustls names an
/// error by its variant (`UnknownIssuer`, `Other(OtherError(CaUsedAsEndEntity))`) or, with
/// context, in its own words (`certificate not valid for name …`), so both are looked for. An
/// error none of these know keeps its own name, without rustls's wrapping.
fn tls_in_words(chain: &str) -> String {
    let has = |needles: &[&str]| needles.iter().any(|n| chain.contains(n));
    if has(&["UnknownIssuer"]) {
        format!("{UNKNOWN_CA}{UNKNOWN_CA_CLI_HINT}")
    } else if has(&["CaUsedAsEndEntity"]) {
        format!(
            "{CA_AS_SERVER_CERT}; it needs a leaf certificate (CA:FALSE) signed by a CA (a self-signed `openssl req -x509` certificate is a CA one unless made with -addext basicConstraints=critical,CA:FALSE), so --ca-cert cannot help"
        )
    } else if has(&["EndEntityUsedAsCa"]) {
        "a certificate in the server's chain signs another but is not a CA certificate (CA:FALSE); the chain must be signed by a CA".into()
    } else if has(&["NotValidForName", "not valid for name"]) {
        match chain.split_once("is only valid for ") {
            Some((_, names)) => format!(
                "its certificate is not valid for this host name (only for {})",
                names.trim()
            ),
            None => "its certificate is not valid for this host name".into(),
        }
    } else if has(&["ExpiredRevocationList", "revocation list expired"]) {
        "the certificate revocation list it is checked against has expired".into()
    } else if has(&["NotValidYet", "not valid yet"]) {
        "its certificate is not valid yet (or this computer's clock is behind)".into()
    } else if has(&["Expired", "certificate expired", "InvalidCertValidity"]) {
        "its certificate has expired".into()
    } else if has(&["UnknownRevocationStatus"]) {
        "whether its certificate was revoked cannot be found out".into()
    } else if has(&["Revoked"]) {
        "its certificate has been revoked".into()
    } else if has(&[
        "InvalidPurpose",
        "extended key usage",
        "RequiredEkuNotFound",
    ]) {
        "its certificate is not meant for a server (its extended key usage lacks serverAuth)".into()
    } else if has(&["BadSignature", "InvalidSignatureForPublicKey"]) {
        "its certificate's signature does not verify (a damaged or forged certificate, or the wrong CA)".into()
    } else if has(&["SignatureAlgorithm"]) {
        "its certificate is signed with an algorithm that is not accepted (SHA-1 or an unusual key type)".into()
    } else if has(&["BadEncoding", "BadDer", "TrailingData"]) {
        "its certificate is malformed".into()
    } else if has(&["UnhandledCriticalExtension", "UnsupportedCriticalExtension"]) {
        "its certificate has a critical extension that is not understood".into()
    } else if has(&[
        "PathLenConstraintViolated",
        "NameConstraintViolation",
        "MaximumPathDepthExceeded",
        "MaximumPathBuildCallsExceeded",
    ]) {
        "its certificate chain breaks the limits its CA set (chain length or allowed names)".into()
    } else if has(&["UnsupportedCertVersion"]) {
        "its certificate is not an X.509 v3 certificate".into()
    } else if has(&["peer sent no certificates", "NoCertificatesPresented"]) {
        "the server sent no certificate".into()
    } else if has(&["InvalidContentType", "corrupt message", "invalid message"]) {
        format!("{NOT_TLS} (is it a plain http:// server, or the wrong port?)")
    } else if has(&[
        "PeerIncompatible",
        "peer is incompatible",
        "ProtocolVersion",
        "HandshakeFailure",
    ]) {
        "the server and MCP Tray have no TLS version or cipher in common (it may offer only TLS 1.0/1.1 or old ciphers)".into()
    } else {
        // `Other(OtherError(X))` → `X`; anything else as rustls said it.
        let cause = last_cause(chain);
        let inner = cause
            .rsplit('(')
            .next()
            .map(|s| s.trim_end_matches(')'))
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()));
        match inner {
            Some(name) if cause.contains("Other") => {
                format!("its certificate was refused ({name})")
            }
            _ => cause,
        }
    }
}

fn last_cause(chain: &str) -> String {
    chain.rsplit(": ").next().unwrap_or(chain).to_owned()
}

/// A URL as shown to people and journals: no user info, no query (both may hold secrets).
pub fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// The start of a body, on one line, for error messages.
pub(crate) fn snippet(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    let mut one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if bytes.len() > 200 {
        one_line.push('…');
    }
    one_line.trim().to_owned()
}

/// A server message that holds bytes that are not UTF-8 (a stray byte inside a string), with each
/// such sequence replaced by U+FFFD: what the client's JSON parser accepts, and how the tap reads
/// it. `None` for a line that is something else (valid UTF-8, or not JSON-RPC however it is read).
/// The replacement is said on stderr and in the journal.
pub(crate) fn repair_utf8(line: &[u8], reporter: &Reporter) -> Option<Vec<u8>> {
    let mut spare = String::new();
    let what = {
        let env = crate::jsonrpc::inspect_lossy(line, &mut spare).ok()?;
        match (env.id_key(), env.method.as_deref()) {
            (Some(id), None) => format!("the reply to id {id}"),
            (_, Some(method)) => format!("a {} {method}", env.kind.as_str()),
            (None, None) => format!("a {}", env.kind.as_str()),
        }
    };
    if spare.is_empty() {
        return None;
    }
    reporter.report(
        Level::Warn,
        codes::PROTOCOL_ERROR,
        &format!(
            "{what} from the server held bytes that are not UTF-8; passed on with each replaced by U+FFFD"
        ),
    );
    Some(spare.into_bytes())
}

/// SSE `data` as one JSON-RPC line: CR and LF become spaces, every other byte stays.
pub(crate) fn sse_data_to_line(mut data: Vec<u8>) -> Vec<u8> {
    for b in &mut data {
        if *b == b'\r' || *b == b'\n' {
            *b = b' ';
        }
    }
    data
}

/// The fault for a request whose reply was an SSE event past [`MAX_MESSAGE_BYTES`] (dropped).
pub(crate) fn too_large(url: &Url) -> Fault {
    Fault::TooLarge {
        url: display_url(url),
    }
}

/// What a transport says of a message past [`MAX_MESSAGE_BYTES`] that it dropped and that no
/// request waits for (a request's reply is said once, as that request's error): MCP Tray's own
/// limit, not the server's fault.
pub(crate) fn dropped_too_large(rpc_id: Option<&str>) -> String {
    let what = match rpc_id {
        Some(id) => format!("a message (id {id})"),
        None => "a message".to_owned(),
    };
    format!(
        "dropped {what} from the server larger than {MAX_MESSAGE_SHOWN}, the most MCP Tray's bridge passes on in one message"
    )
}

/// Requests whose replies arrive on an event stream rather than on their own POST: each waits
/// here until its reply is passed on, or fails when the reply cannot come (the stream was lost,
/// or the reply was too large). Entries are tagged with the stream generation they were sent on.
#[derive(Default)]
pub(crate) struct Waiters {
    map: Mutex<WaiterMap>,
}

/// Request id → (stream generation, where its outcome goes).
type WaiterMap = HashMap<String, (u64, oneshot::Sender<Result<(), Fault>>)>;

/// One request waiting in [`Waiters`]; leaves it when dropped.
pub(crate) struct Waiter {
    rx: oneshot::Receiver<Result<(), Fault>>,
    waiters: Arc<Waiters>,
}

impl Waiters {
    fn lock(&self) -> std::sync::MutexGuard<'_, WaiterMap> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn register(self: &Arc<Self>, id: &str, generation: u64) -> Waiter {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id.to_owned(), (generation, tx));
        Waiter {
            rx,
            waiters: Arc::clone(self),
        }
    }

    /// The reply to `id` was passed on.
    pub(crate) fn settle(&self, id: &str) {
        if let Some((_, tx)) = self.lock().remove(id) {
            let _ = tx.send(Ok(()));
        }
    }

    /// Fails the request `id`; false if none waits under that id.
    pub(crate) fn fail(&self, id: &str, fault: Fault) -> bool {
        match self.lock().remove(id) {
            Some((_, tx)) => tx.send(Err(fault)).is_ok(),
            None => false,
        }
    }

    /// Fails every request sent on a stream of generation `upto` or older; how many were told.
    pub(crate) fn fail_upto(&self, upto: u64, fault: &Fault) -> usize {
        let mut map = self.lock();
        let lost: Vec<String> = map
            .iter()
            .filter(|(_, (g, _))| *g <= upto)
            .map(|(id, _)| id.clone())
            .collect();
        let mut told = 0;
        for id in lost {
            if let Some((_, tx)) = map.remove(&id)
                && tx.send(Err(fault.clone())).is_ok()
            {
                told += 1;
            }
        }
        told
    }
}

impl Waiter {
    /// Until the reply was passed on (`Ok`) or cannot come (`Err`).
    pub(crate) async fn wait(mut self) -> Result<(), Fault> {
        (&mut self.rx).await.unwrap_or(Ok(()))
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.rx.close();
        self.waiters.lock().retain(|_, (_, tx)| !tx.is_closed());
    }
}

/// Tells people and the journal what happened to the connection. stderr gets short lines
/// (Claude copies them into its log); the journal gets an event.
#[derive(Clone)]
pub struct Reporter {
    name: Arc<str>,
    journal: Option<Arc<Journal>>,
    /// How many messages that are not JSON-RPC the server sent ([`Reporter::not_json_rpc`]).
    not_json_rpc: Arc<std::sync::atomic::AtomicU64>,
}

impl Reporter {
    pub fn new(name: &str, journal: Option<Arc<Journal>>) -> Reporter {
        Reporter {
            name: name.into(),
            journal,
            not_json_rpc: Arc::default(),
        }
    }

    /// The server sent a message that is not JSON-RPC (`shown`: its start). Said the first
    /// times, then at the 10th, 100th… only, with the count: a server or a gateway that sends
    /// heartbeats as plain message events would otherwise put a line in Claude's log for each,
    /// all day.
    pub fn not_json_rpc(&self, shown: &str) {
        let n = self
            .not_json_rpc
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        if let Some(text) = not_json_rpc_text(n, shown) {
            self.report(Level::Error, codes::PROTOCOL_ERROR, &text);
        }
    }

    /// One event: a line on stderr and a journal event.
    /// Problems carry their diagnosis code: `mcp-tray bridge [name]: error (timeout): …`.
    pub fn report(&self, level: Level, code: &str, text: &str) {
        say_on_stderr(&self.stderr_line(level, code, text));
        if let Some(j) = &self.journal {
            j.event(level, code, text);
        }
    }

    /// The line [`Reporter::report`] says on stderr, with its `\n`: built whole, to be written
    /// at once ([`say_on_stderr`]).
    fn stderr_line(&self, level: Level, code: &str, text: &str) -> String {
        let name = &self.name;
        match level {
            Level::Info => format!("mcp-tray bridge [{name}]: {text}\n"),
            Level::Warn => format!("mcp-tray bridge [{name}]: warning ({code}): {text}\n"),
            Level::Error => format!("mcp-tray bridge [{name}]: error ({code}): {text}\n"),
        }
    }
}

/// What [`Reporter::not_json_rpc`] says of the `n`th such message, if anything.
fn not_json_rpc_text(n: u64, shown: &str) -> Option<String> {
    let text = format!("server sent something that is not JSON-RPC: {shown}");
    let tenfold = n >= 10 && 10u64.pow(n.ilog10()) == n;
    match n {
        1 | 2 => Some(text),
        3 => Some(format!(
            "{text} (the third time: from now on said at the 10th, 100th… time only)"
        )),
        _ if tenfold => Some(format!("{text} ({n} such messages so far)")),
        _ => None,
    }
}

/// Writes `line` (whole lines, each ending in `\n`) to stderr with one `write_all` on the locked
/// handle. Stderr is unbuffered: `eprintln!` with arguments writes each piece with a `write()` of
/// its own, and a reader of the pipe (Claude Desktop copies it into its log) can get a line in
/// pieces, with another's output between them. A line up to the pipe's atomic size (4 KiB on
/// Linux) arrives whole. A failed write (the reader gone) is not worth ending the bridge for, as
/// `eprintln!` would, by panicking.
pub fn say_on_stderr(line: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// How the remote side is reached; shared by both transports.
#[derive(Clone)]
pub struct Remote {
    pub client: reqwest::Client,
    pub url: Url,
    /// Extra headers (`--header`); never logged.
    pub headers: HeaderMap,
    pub reporter: Reporter,
    /// Retries of a refused connection or a 5xx before giving up.
    pub retries: u32,
    /// OAuth sign-in: its bearer token goes on every request; a 401/403 is handed to it.
    pub auth: Option<Arc<crate::auth::Auth>>,
    /// The most one message's exchange may take (the bridge's `--max-timeout`, never less than
    /// its `--timeout`). Bounds what a transport does on its own past the deadline of the message
    /// that started it: a session renewal.
    pub max_timeout: Duration,
    /// How the last attempt to deliver a message failed, while no answer has come since: why
    /// the server was not reached, for a caller that stopped waiting during the retries.
    pub(crate) last_failure: Arc<Mutex<Option<Fault>>>,
    /// The server's outage, as far as the messages sent meanwhile tell ([`Outage`]).
    pub(crate) outage: Arc<std::sync::atomic::AtomicU8>,
}

impl Remote {
    /// The headers of every request: `--header` values plus the bearer token, if signed in.
    pub(crate) fn request_headers(&self) -> HeaderMap {
        let mut headers = self.headers.clone();
        if let Some(bearer) = self.auth.as_ref().and_then(|a| a.bearer()) {
            headers.insert(reqwest::header::AUTHORIZATION, bearer);
        }
        headers
    }

    /// Notes how an attempt to deliver a message failed; `None` when it got an answer, or a new
    /// message starts. [`Remote::last_failure`] says it.
    pub(crate) fn note_attempt(&self, failed: Option<&Fault>) {
        *self.last_failure.lock().unwrap_or_else(|p| p.into_inner()) = failed.cloned();
    }

    /// Says, once per outage, that a message met `fault` and is being sent again, up to
    /// `retries` times: every request that meets the same outage retries too, and each would
    /// have said each attempt. [`Remote::say_reached`] ends the outage.
    pub(crate) fn say_retrying(&self, fault: &Fault, retries: u32) {
        if self
            .outage
            .compare_exchange(
                Outage::None as u8,
                Outage::Said as u8,
                std::sync::atomic::Ordering::AcqRel,
                std::sync::atomic::Ordering::Acquire,
            )
            .is_err()
        {
            return;
        }
        let span = retry_span(retries);
        let again = match retries {
            1 => "trying once more".to_owned(),
            _ if span < Duration::from_secs(1) => format!(
                "trying again, up to {retries} times over about {} ms",
                span.as_millis()
            ),
            _ => format!(
                "trying again, up to {retries} times over about {:.0} s",
                span.as_secs_f64()
            ),
        };
        self.reporter.report(
            Level::Warn,
            fault.code(),
            &format!("{}; {again}", fault.headline()),
        );
    }

    /// A message used up its retries on a fault worth retrying: the messages after it are sent
    /// once each until the server answers again. Only during an outage said: an answer that came
    /// meanwhile (another request's) ended it.
    pub(crate) fn confirm_outage(&self) {
        let _ = self.outage.compare_exchange(
            Outage::Said as u8,
            Outage::Confirmed as u8,
            std::sync::atomic::Ordering::AcqRel,
            std::sync::atomic::Ordering::Acquire,
        );
    }

    /// Whether a message used up its retries since the server last answered.
    pub(crate) fn outage_confirmed(&self) -> bool {
        self.outage.load(std::sync::atomic::Ordering::Acquire) == Outage::Confirmed as u8
    }

    /// The server answered: an outage said by [`Remote::say_retrying`] is over, and said so.
    pub(crate) fn say_reached(&self) {
        if self
            .outage
            .swap(Outage::None as u8, std::sync::atomic::Ordering::AcqRel)
            != Outage::None as u8
        {
            self.reporter
                .report(Level::Info, REACHED_AGAIN, "the server answers again");
        }
    }

    /// How long a wait of `wait` begun at `started` is held while a sign-in runs (a person in
    /// the browser): as long as sign-ins may take (`--oauth-wait`), then `wait` again. None when
    /// none runs.
    pub(crate) fn held_for_sign_in(
        &self,
        started: tokio::time::Instant,
        wait: Duration,
    ) -> Option<tokio::time::Instant> {
        let sign_in = self.auth.as_ref()?.sign_in_wait()?;
        Some(started + sign_in + wait)
    }

    /// How the last attempt to deliver a message failed, unless an answer came since (or a new
    /// message started): a caller that gave up while the transport retried says this rather
    /// than that the server did not answer ([`Fault::Unreachable`]).
    pub(crate) fn last_failure(&self) -> Option<Fault> {
        self.last_failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// After a 401/403 to a request sent with token generation `seen`: sign in, refresh or step
    /// up (bounded by the auth module), so the caller can retry once. Without `interactive` (a
    /// keep-alive ping), only what needs no person is tried: a token another request got, the
    /// store's, a refresh; a sign-in is left to the client's next request.
    /// A refusal that is not about OAuth (no token was sent and the server offers no sign-in, or
    /// a 403 to a request without a token) is the server's own [`Fault::Auth`], with the start of
    /// its answer.
    pub(crate) async fn reauthorize(
        &self,
        resp: reqwest::Response,
        seen: u64,
        interactive: bool,
    ) -> Result<(), Fault> {
        let status = resp.status().as_u16();
        let url = display_url(&self.url);
        let Some(auth) = &self.auth else {
            return Err(Fault::Auth {
                status,
                url,
                body: first_line(resp).await,
                no_sign_in: false,
            });
        };
        match auth
            .on_rejected(status, resp.headers(), seen, interactive)
            .await
        {
            Ok(()) => Ok(()),
            Err(crate::auth::Refusal::SignIn(detail)) => Err(Fault::SignIn { detail }),
            Err(crate::auth::Refusal::WithBody(detail)) => Err(Fault::SignIn {
                detail: format!("{detail}{}", with_body(&first_line(resp).await)),
            }),
            Err(crate::auth::Refusal::Explained { what, then }) => Err(Fault::SignIn {
                detail: crate::auth::explained(&what, &first_line(resp).await, &then),
            }),
            Err(crate::auth::Refusal::NotOAuth) => Err(Fault::Auth {
                status,
                url,
                body: first_line(resp).await,
                no_sign_in: status == 401,
            }),
        }
    }
}

/// Builds the HTTP client: rustls with the web PKI roots plus an optional extra CA, proxies from
/// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`. With `cookies`, it keeps the cookies servers set, in
/// memory only, and sends them back where they belong (domain and path), as a browser and
/// mcp-remote do: load balancers keep a session on one backend with one (AWS ALB's `AWSALB`,
/// nginx's `sticky cookie`). A `Cookie` header the user gives is sent instead, never merged.
pub fn build_client(ca_cert_pem: Option<&[u8]>, cookies: bool) -> Result<reqwest::Client, String> {
    // Redirects are followed on the same origin only: our headers may hold credentials, and
    // reqwest keeps custom ones (X-Api-Key…) across hosts. And only 307/308, which keep the
    // method and body: on a 301/302/303 reqwest sends a POST again as a GET without its body,
    // which loses the JSON-RPC message (the policy cannot see the method, and the GETs need no
    // such redirect: the stream GETs go to the URL the POSTs use, the legacy /sse one is the
    // entry's own URL). Any redirect not followed surfaces as 3xx (`Fault::Redirect`), and one back
    // to an address already visited as an error (`Fault::RedirectLoop`).
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(|u| u.origin());
        let keeps_method = !matches!(attempt.status().as_u16(), 301..=303);
        if attempt.previous().contains(attempt.url()) {
            attempt.error(RedirectLoop)
        } else if keeps_method
            && attempt.previous().len() < 5
            && first == Some(attempt.url().origin())
        {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    let mut builder = reqwest::Client::builder()
        .redirect(policy)
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
        .cookie_store(cookies)
        .user_agent(concat!("mcp-tray/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = ca_cert_pem {
        for cert in ca_certificates(pem)? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| format!("cannot set up HTTP: {e}"))
}

/// Why the client stopped following redirects: one led back to an address already visited.
#[derive(Debug)]
struct RedirectLoop;

impl std::fmt::Display for RedirectLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("redirects in a loop")
    }
}

impl std::error::Error for RedirectLoop {}

/// Largest `--ca-cert` file read: a bundle of every public CA is about 250 KiB.
pub const MAX_CA_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The bytes of a `--ca-cert` file: a regular file of at most [`MAX_CA_FILE_BYTES`]. A path typed
/// by mistake (`/dev/zero`, a pipe, `/dev/tty`, a disk image) gets an error, not the memory or a
/// read that never ends. A pipe (a shell's `<(…)`) is refused too: the path is read again by
/// whoever it is handed to (the bridge a probe starts, the app's sign-in), and a pipe reads once.
pub fn read_ca_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    // Looked at before it is opened: opening a pipe waits for a writer.
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("it is not a file"));
    }
    let file = std::fs::File::open(path)?;
    let mut pem = Vec::new();
    file.take(MAX_CA_FILE_BYTES + 1).read_to_end(&mut pem)?;
    if pem.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(std::io::Error::other(
            "it is larger than 4 MiB: not a CA certificate file",
        ));
    }
    Ok(pem)
}

/// The certificates of a `--ca-cert` PEM file; an error, in words, when it holds none.
pub fn ca_certificates(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, String> {
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| format!("the CA certificate file is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err("the CA certificate file holds no certificate".into());
    }
    Ok(certs)
}

/// Why [`body_up_to`] stopped reading a body.
pub(crate) enum BodyCut {
    /// The connection broke under it.
    Broken(reqwest::Error),
    /// It ran past the limit (read no further).
    TooLarge,
}

/// A whole response body of at most `max` bytes, read chunk by chunk: one past it is refused as
/// soon as it is known (its declared length, or the bytes read), never held whole.
pub(crate) async fn body_up_to(resp: reqwest::Response, max: usize) -> Result<Vec<u8>, BodyCut> {
    use futures_util::StreamExt as _;
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyCut::TooLarge);
    }
    let mut body = Vec::new();
    let mut chunks = resp.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(BodyCut::Broken)?;
        if body.len() + chunk.len() > max {
            return Err(BodyCut::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A `--header 'Name: value'` argument split at its first colon, each side trimmed (the value
/// may hold colons of its own: `Bearer a:b`, a URL); `None` without a colon. The one reading of a
/// header argument: whether the name is a valid one is for the caller to judge.
pub fn split_header(spec: &str) -> Option<(&str, &str)> {
    spec.split_once(':')
        .map(|(name, value)| (name.trim(), value.trim()))
}

/// What a `--header` without a colon gets: not shown, as it may be nothing but a secret (a token
/// pasted alone), and the bridge's stderr goes to Claude's log.
pub const HEADER_WITHOUT_COLON: &str = "a --header has no colon: give it as 'Name: value' (it is not repeated here, as it may be a secret)";

/// What a `--header` whose name is not one gets: not shown either, as it may be part of a secret
/// (`Bearer abc:def`, a token with a colon in it).
pub const BAD_HEADER_NAME: &str = "a --header's name (before its first colon) is not a valid header name: letters, digits and - _ . only, no spaces (it is not repeated here, as it may be part of a secret)";

/// Parses `--header 'Name: value'` arguments, expanding `${VAR}` from the environment.
pub fn parse_headers(specs: &[String]) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for spec in specs {
        let (name, value) = split_header(spec).ok_or(HEADER_WITHOUT_COLON)?;
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| BAD_HEADER_NAME)?;
        let value = expand_env(value).map_err(|e| format!("header `{name}`: {e}"))?;
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| format!("the value of header `{name}` has characters HTTP forbids"))?;
        value.set_sensitive(true);
        map.append(name, value);
    }
    Ok(map)
}

/// Replaces `${VAR}` with the variable's value; a missing variable is an error naming it.
pub fn expand_env(value: &str) -> Result<String, String> {
    expand_env_with(value, |var| std::env::var(var).ok())
}

/// [`expand_env`] with the variables looked up by `lookup`.
pub fn expand_env_with(
    value: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| "a `${` has no closing `}`".to_owned())?;
        let var = &after[..end];
        let val = lookup(var).ok_or_else(|| format!("environment variable {var} is not set"))?;
        out.push_str(&val);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Requests a server answers without changing anything: sending one again is harmless.
const REPEATABLE_METHODS: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "tasks/get",
    "tasks/result",
    "tasks/list",
];

/// Whether a message that failed with `fault` may be sent again. A refused connection (or a proxy
/// that could not be reached or would not open a tunnel) never reached the server, and a 503 says the server did not take the request on, so anything may be
/// resent after those. After a broken connection or another 5xx the server may already have
/// acted (a `tools/call` that sent an email, say), so only requests that change nothing,
/// notifications and the client's own replies are sent again; the rest fail with the fault.
pub(crate) fn may_resend(kind: Kind, method: Option<&str>, fault: &Fault) -> bool {
    match fault {
        Fault::Unreachable { last, .. } => return may_resend(kind, method, last),
        // Never sent: nothing can have run.
        Fault::StreamDown { .. } => return true,
        _ => {}
    }
    if !fault.is_transient() {
        return false;
    }
    if matches!(
        fault,
        Fault::Refused { .. }
            | Fault::Http {
                status: 503,
                declined: true,
                ..
            }
            | Fault::Proxy {
                failure: ProxyFailure::Unreachable | ProxyFailure::NoTunnel,
                ..
            }
    ) {
        return true;
    }
    match kind {
        Kind::Request => method.is_some_and(|m| REPEATABLE_METHODS.contains(&m)),
        Kind::Notification | Kind::Response | Kind::Error => true,
        Kind::Batch => false,
    }
}

/// What the bridge says when it does not resend a request that may have run.
pub(crate) fn not_resent(method: Option<&str>, fault: &Fault) -> String {
    format!(
        "{}; {} not sent again, since the server may already have acted on it",
        fault.describe(),
        method.unwrap_or("the request")
    )
}

/// The error message a client gets for a message that failed with `fault`.
pub(crate) fn failure_message(msg: &http::Outgoing, fault: &Fault) -> String {
    if fault.is_transient() && !may_resend(msg.kind, msg.method.as_deref(), fault) {
        not_resent(msg.method.as_deref(), fault)
    } else {
        fault.describe()
    }
}

/// How far an outage of the server has gone, in [`Remote::outage`].
#[repr(u8)]
pub(crate) enum Outage {
    /// The server answers (or nothing says otherwise).
    None,
    /// A message is being sent again, and that was said.
    Said,
    /// A message used up its retries: the next ones are sent once each.
    Confirmed,
}

/// About how long `retries` retries of a message take to fail: the sum of their pauses
/// ([`backoff`] from 100 ms, without its jitter).
pub(crate) fn retry_span(retries: u32) -> Duration {
    (0..retries)
        .map(|attempt| {
            Duration::from_millis(100)
                .saturating_mul(1u32 << attempt.min(10))
                .min(Duration::from_secs(5))
        })
        .sum()
}

/// A pause of `base * 2^attempt` (capped at 5 s) with up to 25 % jitter.
pub(crate) fn backoff(attempt: u32, base: Duration) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(10));
    let capped = exp.min(Duration::from_secs(5));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = capped.mul_f64(f64::from(nanos % 1000) / 4000.0);
    capped + jitter
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_limits_in_words_say_the_limits() {
        // One decimal, dropped when it is 0 (`64 MiB`): the limits are written in the sentences
        // users read, so a changed limit must change its words.
        let words = |bytes: usize| {
            let mib = format!("{:.1}", bytes as f64 / (1024.0 * 1024.0));
            format!("{} MiB", mib.trim_end_matches(".0"))
        };
        assert_eq!(words(MAX_MESSAGE_BYTES), MAX_MESSAGE_SHOWN);
        assert_eq!(words(MAX_CLIENT_MESSAGE_BYTES), MAX_CLIENT_MESSAGE_SHOWN);
    }

    #[test]
    fn a_content_type_is_matched_without_case_spaces_or_parameters() {
        let headers = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_str(ct).expect("a value"),
            );
            h
        };
        for ct in [
            "text/event-stream",
            "Text/Event-Stream",
            " text/event-stream ; charset=utf-8",
            "TEXT/EVENT-STREAM;charset=UTF-8",
        ] {
            assert!(content_type_is(&headers(ct), "text/event-stream"), "{ct}");
        }
        for ct in ["text/event-streams", "application/json", "text/html", ""] {
            assert!(!content_type_is(&headers(ct), "text/event-stream"), "{ct}");
        }
        assert!(!content_type_is(&HeaderMap::new(), "text/event-stream"));
    }

    use super::*;

    #[test]
    fn headers_expand_environment_variables() {
        // SAFETY: the variable name is unique to this test.
        unsafe { std::env::set_var("MCP_TRAY_TEST_TOKEN_X", "s3cret") };
        let map = parse_headers(&["Authorization: Bearer ${MCP_TRAY_TEST_TOKEN_X}".into()])
            .expect("parse");
        assert_eq!(map["authorization"], "Bearer s3cret");
        assert!(map["authorization"].is_sensitive());
        let err = parse_headers(&["X: ${MCP_TRAY_TEST_SURELY_UNSET}".into()]).expect_err("unset");
        assert!(err.contains("MCP_TRAY_TEST_SURELY_UNSET"));
        assert!(parse_headers(&["no colon".into()]).is_err());
    }

    #[test]
    fn a_header_argument_splits_at_its_first_colon() {
        assert_eq!(split_header("X-Api-Key: k"), Some(("X-Api-Key", "k")));
        assert_eq!(
            split_header("  Authorization :  Bearer a:b  "),
            Some(("Authorization", "Bearer a:b"))
        );
        assert_eq!(
            split_header("X-Origin:https://a.example:8443/"),
            Some(("X-Origin", "https://a.example:8443/"))
        );
        assert_eq!(split_header("X-Empty:"), Some(("X-Empty", "")));
        assert_eq!(split_header(": v"), Some(("", "v")));
        assert_eq!(split_header("no colon"), None);
        // The bridge refuses what is no header at all, naming it.
        assert!(parse_headers(&[": v".into()]).is_err());
        assert_eq!(
            parse_headers(&["X-Two: a:b".into()]).expect("parse")["x-two"],
            "a:b"
        );
    }

    #[test]
    fn display_url_hides_credentials_and_query() {
        let url = Url::parse("https://user:pw@example.com/mcp?api_key=abc").expect("url");
        assert_eq!(display_url(&url), "https://example.com/mcp");
    }

    #[test]
    fn sse_data_loses_only_line_breaks() {
        assert_eq!(
            sse_data_to_line(b"{\"a\":\r\n1}".to_vec()),
            b"{\"a\":  1}".to_vec()
        );
    }

    #[test]
    fn messages_that_are_not_json_rpc_are_said_the_first_times_then_tenfold() {
        let said: Vec<u64> = (1..=2000)
            .filter(|&n| not_json_rpc_text(n, "ping").is_some())
            .collect();
        assert_eq!(said, [1, 2, 3, 10, 100, 1000]);
        assert!(
            not_json_rpc_text(100, "ping")
                .unwrap()
                .contains("100 such messages")
        );
    }

    #[test]
    fn a_call_that_may_have_run_is_not_sent_again() {
        let url = "http://127.0.0.1:1/mcp".to_owned();
        let http = |status| Fault::Http {
            status,
            url: url.clone(),
            body: String::new(),
            declined: false,
        };
        let broken = Fault::Network {
            url: url.clone(),
            detail: "connection reset".into(),
        };
        let call = (Kind::Request, Some("tools/call"));
        // The server may have acted: a tool call is not repeated…
        assert!(!may_resend(call.0, call.1, &http(500)));
        assert!(!may_resend(call.0, call.1, &http(502)));
        assert!(!may_resend(call.0, call.1, &broken));
        assert!(!may_resend(
            Kind::Request,
            Some("vendor/custom"),
            &http(500)
        ));
        // …but it is when the server surely did not get it.
        assert!(may_resend(
            call.0,
            call.1,
            &Fault::Refused { url: url.clone() }
        ));
        // A 503 that says when to come back was declined; one without may be a gateway's,
        // given up on while the server runs the call.
        assert!(!may_resend(call.0, call.1, &http(503)));
        let declined = Fault::Http {
            status: 503,
            url: url.clone(),
            body: String::new(),
            declined: true,
        };
        assert!(may_resend(call.0, call.1, &declined));
        // Requests that change nothing, notifications and replies are always sent again.
        assert!(may_resend(Kind::Request, Some("tools/list"), &http(500)));
        assert!(may_resend(Kind::Request, Some("initialize"), &broken));
        assert!(may_resend(
            Kind::Notification,
            Some("notifications/initialized"),
            &http(500)
        ));
        assert!(may_resend(Kind::Response, None, &broken));
        // Faults that are not transient are never retried.
        assert!(!may_resend(Kind::Request, Some("tools/list"), &http(404)));
        let sent = http::Outgoing::new(
            bytes::Bytes::from_static(b"{}"),
            &crate::jsonrpc::inspect(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#)
                .expect("request"),
        );
        let text = failure_message(&sent, &http(500));
        assert!(text.contains("tools/call not sent again"), "{text}");
        assert_eq!(failure_message(&sent, &http(404)), http(404).describe());
    }

    #[test]
    fn tls_failures_are_said_in_plain_words() {
        let words = |chain: &str| tls_in_words(chain);
        let pre =
            "error sending request for url (https://127.0.0.1:1/mcp): client error (Connect): ";
        // A self-signed CA:TRUE certificate (openssl req -x509's default).
        let ca = words(&format!(
            "{pre}invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))"
        ));
        assert!(ca.starts_with(CA_AS_SERVER_CERT), "{ca}");
        assert!(ca.contains("leaf certificate (CA:FALSE)"), "{ca}");
        assert!(!ca.contains("OtherError"), "{ca}");
        // rustls's own words carry context: they are still recognised.
        let expired = words(&format!(
            "{pre}invalid peer certificate: certificate expired: verification time 1700000000 (UNIX), but certificate is not valid after 1600000000 (100000000 seconds ago)"
        ));
        assert_eq!(expired, "its certificate has expired");
        let name = words(&format!(
            "{pre}invalid peer certificate: certificate not valid for name \"127.0.0.1\"; certificate is only valid for DnsName(\"localhost\")"
        ));
        assert_eq!(
            name,
            "its certificate is not valid for this host name (only for DnsName(\"localhost\"))"
        );
        assert!(
            words(&format!("{pre}invalid peer certificate: UnknownIssuer")).contains("--ca-cert")
        );
        let yet = words(&format!(
            "{pre}invalid peer certificate: certificate not valid yet: verification time 1 (UNIX), but certificate is not valid before 2 (1 seconds in future)"
        ));
        assert!(yet.contains("not valid yet"), "{yet}");
        assert!(
            words(&format!(
                "{pre}received corrupt message of type InvalidContentType"
            ))
            .starts_with(NOT_TLS)
        );
        for (variant, says) in [
            ("EndEntityUsedAsCa", "is not a CA certificate"),
            ("Revoked", "revoked"),
            ("InvalidPurpose", "serverAuth"),
            ("BadSignature", "does not verify"),
            ("UnsupportedSignatureAlgorithm", "algorithm"),
            ("BadEncoding", "malformed"),
            ("UnhandledCriticalExtension", "critical extension"),
            (
                "Other(OtherError(PathLenConstraintViolated))",
                "limits its CA set",
            ),
            (
                "Other(OtherError(NameConstraintViolation))",
                "limits its CA set",
            ),
            ("Other(OtherError(UnsupportedCertVersion))", "X.509 v3"),
            ("Other(OtherError(SomethingNew))", "refused (SomethingNew)"),
        ] {
            let said = words(&format!("{pre}invalid peer certificate: {variant}"));
            assert!(said.contains(says), "{variant}: {said}");
            assert!(!said.contains("OtherError"), "{variant}: {said}");
        }
        let old = words(&format!(
            "{pre}peer is incompatible: ServerTlsVersionIsDisabledByOurConfig"
        ));
        assert!(old.contains("no TLS version or cipher in common"), "{old}");
    }

    #[test]
    fn an_html_error_page_is_told_by_its_title_or_its_text() {
        let page = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><style>h1 {}</style></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>";
        assert_eq!(body_summary(page), "502 Bad Gateway");
        let untitled = b"<html><body><script>var x = 1 < 2;</script><h1>Oops &amp; sorry</h1>\n\n<p>Try   later.</p></body></html>";
        assert_eq!(body_summary(untitled), "Oops & sorry Try later.");
        let long = format!("<html><title>{}</title></html>", "word ".repeat(100));
        let said = body_summary(long.as_bytes());
        assert!(said.chars().count() <= 161 && said.ends_with('…'), "{said}");
        // JSON is told by what it says in words: a JSON-RPC error's message, an `error` text.
        assert_eq!(body_summary(br#"{"error":"bad"}"#), "bad");
        assert_eq!(
            body_summary(
                br#"{"jsonrpc":"2.0","id":"server-error","error":{"code":-32600,"message":"Bad Request: Missing session ID"}}"#
            ),
            "Bad Request: Missing session ID"
        );
        assert_eq!(
            body_summary(
                br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32602,"message":"Validation error: 4 validation errors for JSONRPCMessage\nJSONRPCRequest\n  field required"}}"#
            ),
            "Validation error: 4 validation errors for JSONRPCMessage"
        );
        // Anything else keeps its own start, on one line.
        assert_eq!(body_summary(br#"{"ok":false}"#), r#"{"ok":false}"#);
        assert_eq!(body_summary(b"Payload Too Large"), "Payload Too Large");
        let fault = Fault::Http {
            status: 500,
            url: "http://x/mcp".into(),
            body: "500 Internal Server Error".into(),
            declined: false,
        };
        assert_eq!(
            fault.headline(),
            "remote server at http://x/mcp answered HTTP 500"
        );
    }

    #[test]
    fn a_5xx_says_the_server_failed_and_sends_nobody_to_check_the_url() {
        use crate::diagnose::{Audience, fix_in};
        let http = |status, body: &str| Fault::Http {
            status,
            url: "https://x.example/mcp".into(),
            body: body.into(),
            declined: false,
        };
        assert_eq!(
            http(500, "database is down").describe(),
            "remote server at https://x.example/mcp failed with HTTP 500 (Internal Server Error): database is down"
        );
        // An answer that only says its status again is not said twice; a long one is left out.
        assert_eq!(
            http(503, "503 Service Unavailable").describe(),
            "remote server at https://x.example/mcp failed with HTTP 503 (Service Unavailable)"
        );
        assert_eq!(
            http(502, &"upstream said ".repeat(20)).describe(),
            "remote server at https://x.example/mcp failed with HTTP 502 (Bad Gateway)"
        );
        let failed = [
            http(500, "boom").describe(),
            http(504, "").describe(),
            // A retry's words, and a later request's refused after it.
            http(503, "busy").headline(),
            format!(
                "{} to initialize, so tools/list was not sent",
                http(500, "").headline()
            ),
        ];
        for said in &failed {
            for audience in [Audience::Cli, Audience::App] {
                let fix = fix_in(audience, codes::HTTP_ERROR, said).expect("a fix");
                assert!(!fix.contains("URL"), "{said}: {fix}");
                assert!(
                    fix.contains("logs") && fix.contains("later"),
                    "{said}: {fix}"
                );
            }
        }
        // What the failed server answered is told by its first line (a JSON error by its words,
        // an error page by its title); an answer of another status keeps its start, on one line.
        assert_eq!(
            error_summary(
                500,
                b"KeyError: 'db'\nTraceback (most recent call last):\n  File x"
            ),
            "KeyError: 'db'"
        );
        // A Python traceback as a server prints it: the exception it ends with, not its first
        // line; one cut before its end, by that first line.
        let traceback = "Traceback (most recent call last):\n  File \"/srv/app.py\", line 12, in handle\n    \
                         row = rows[\"db\"]\n          ~~~~^^^^^^\nKeyError: 'db'\n";
        assert_eq!(error_summary(500, traceback.as_bytes()), "KeyError: 'db'");
        assert_eq!(
            error_summary(500, &traceback.as_bytes()[..60]),
            "Traceback (most recent call last):"
        );
        assert_eq!(
            error_summary(503, br#"{"error":"maintenance until 14:00"}"#),
            "maintenance until 14:00"
        );
        assert_eq!(
            error_summary(502, b"<html><title>502 Bad Gateway</title></html>"),
            "502 Bad Gateway"
        );
        assert_eq!(error_summary(400, b"bad\nrequest"), "bad request");
        // Not the server's failure: the address is what to check.
        for said in [
            http(404, "Not Found").describe(),
            http(405, "Method Not Allowed").describe(),
            http(501, "").describe(),
        ] {
            let fix = fix_in(Audience::Cli, codes::HTTP_ERROR, &said).expect("a fix");
            assert!(fix.contains("URL"), "{said}: {fix}");
        }
    }

    #[test]
    fn a_redirect_elsewhere_says_where_and_what_to_do() {
        let fault = Fault::Redirect {
            status: 308,
            url: "http://example.com/mcp".into(),
            to: Some("https://example.com/mcp".into()),
        };
        let said = fault.describe();
        assert!(
            said.starts_with("remote server at http://example.com/mcp redirects to https://example.com/mcp (HTTP 308)"),
            "{said}"
        );
        assert!(said.contains("use it as the entry's URL"), "{said}");
        assert_eq!(fault.code(), codes::REDIRECTED);
        assert!(!fault.is_transient());
    }

    #[test]
    fn a_redirect_that_would_lose_the_message_says_so() {
        let fault = Fault::Redirect {
            status: 301,
            url: "http://example.com/mcp".into(),
            to: Some("http://example.com/mcp/".into()),
        };
        let said = fault.describe();
        assert!(
            said.starts_with("remote server at http://example.com/mcp redirects to http://example.com/mcp/ (HTTP 301); MCP Tray does not follow a 301, 302 or 303 redirect, which would turn the messages it sends into GETs and lose them."),
            "{said}"
        );
        assert!(said.ends_with("If http://example.com/mcp/ is the server's right address, use it as the entry's URL"), "{said}");
    }

    #[test]
    fn a_message_never_sent_for_want_of_its_event_stream_may_be_sent_again() {
        let url = "http://127.0.0.1:9/sse".to_owned();
        let down = Fault::StreamDown {
            last: Box::new(Fault::Http {
                status: 500,
                url: url.clone(),
                body: "oops".into(),
                declined: false,
            }),
            waited: Duration::from_millis(6300),
        };
        assert_eq!(down.code(), codes::HTTP_ERROR);
        // A 500 to the stream's GET says nothing about the call, which never left.
        assert!(may_resend(Kind::Request, Some("tools/call"), &down));
        let said = down.describe();
        assert!(
            said.starts_with(
                "remote server at http://127.0.0.1:9/sse failed with HTTP 500 (Internal Server Error): oops; "
            ),
            "{said}"
        );
        assert!(
            said.ends_with("within 6.3 s, so the message was not sent"),
            "{said}"
        );
    }

    #[test]
    fn a_server_never_reached_is_named_by_the_last_attempt_not_as_silent() {
        let url = "http://127.0.0.1:9/mcp".to_owned();
        let gave_up = |last: Fault| Fault::Unreachable {
            last: Box::new(last),
            tried_for: Duration::from_secs(1),
        };
        let refused = gave_up(Fault::Refused { url: url.clone() });
        assert_eq!(refused.code(), codes::CONNECTION_REFUSED);
        assert_eq!(
            refused.describe(),
            "remote server refused the connection at http://127.0.0.1:9/mcp (tried for 1 s)"
        );
        assert!(refused.is_transient());
        // A refused connection never reached the server: even a tool call may go again.
        assert!(may_resend(Kind::Request, Some("tools/call"), &refused));
        let busy = gave_up(Fault::Http {
            status: 502,
            url: url.clone(),
            body: "Bad Gateway".into(),
            declined: false,
        });
        assert_eq!(busy.code(), codes::HTTP_ERROR);
        assert_eq!(
            busy.headline(),
            "remote server at http://127.0.0.1:9/mcp answered HTTP 502"
        );
        assert!(!may_resend(Kind::Request, Some("tools/call"), &busy));
        assert_eq!(gave_up(Fault::Dns { url }).code(), codes::DNS_ERROR);
    }

    #[test]
    fn a_connection_lost_mid_answer_is_said_in_plain_words_with_the_clients_words_apart() {
        let lost = Fault::Lost {
            url: "http://127.0.0.1:9/mcp".into(),
            detail: "the connection broke in the middle of the stream (unexpected EOF during chunk size line)".into(),
        };
        assert_eq!(lost.code(), codes::CONNECTION_LOST);
        let said = lost.describe();
        assert!(
            said.contains("closed the connection while answering"),
            "{said}"
        );
        assert!(!said.contains("EOF"), "{said}");
        assert!(
            lost.technical()
                .is_some_and(|t| t.contains("unexpected EOF"))
        );
        assert!(!lost.is_transient());
        // MCP Tray's own limit is not the server's breach of MCP.
        let big = too_large(&Url::parse("http://127.0.0.1:9/mcp").expect("url"));
        assert_eq!(big.code(), codes::MESSAGE_TOO_LARGE);
        assert!(
            big.describe()
                .contains("the most MCP Tray's bridge passes on")
        );
        assert_eq!(
            Fault::WebSocket {
                url: "http://x/ws".into()
            }
            .code(),
            codes::WEBSOCKET_URL
        );
    }

    #[test]
    fn a_reporter_s_stderr_line_is_one_whole_line_in_the_words_it_always_had() {
        let r = Reporter::new("fm", None);
        assert_eq!(
            r.stderr_line(Level::Info, "connected", "connected to x"),
            "mcp-tray bridge [fm]: connected to x\n"
        );
        assert_eq!(
            r.stderr_line(Level::Warn, codes::TIMEOUT, "slow"),
            "mcp-tray bridge [fm]: warning (timeout): slow\n"
        );
        assert_eq!(
            r.stderr_line(
                Level::Error,
                codes::HTTP_ERROR,
                "boom\ntechnical detail: eof"
            ),
            "mcp-tray bridge [fm]: error (http-error): boom\ntechnical detail: eof\n"
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_millis(100);
        assert!(backoff(0, base) >= base && backoff(0, base) < base * 2);
        assert!(backoff(3, base) >= base * 8);
        assert!(backoff(30, base) <= Duration::from_millis(6250));
    }
}
