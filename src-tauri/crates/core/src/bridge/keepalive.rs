//! Keep-alive: the bridge's own `ping` requests (MCP's ping utility) to the server while the
//! client is quiet, so that a proxy with an idle timeout, or a server that drops idle sessions,
//! keeps this one (`--ping-interval SECS`, or mcp-remote's `--keep-alive`).
//!
//! It owns the ping timer and what a failed ping says. Pinging starts once the client's
//! `initialize` was answered and stops when the client closes its input. A ping goes out after
//! `interval` without a message from the client (a busy session needs none; the server's own
//! messages do not count, as they do not tell the server the session is in use) and after the
//! last ping, one at a time. It takes the path of the client's requests ([`Link::send`]): the
//! session id and protocol version headers, the renewal of a session the server lost (which
//! runs to its end although the ping stops waiting), a token refresh. It never starts a sign-in
//! that needs a person: with the client doing nothing, a browser opening out of the blue would
//! surprise the user, so a ping that needs one fails (`auth-required`) and the client's next
//! request signs in. It is not retried when it fails: the next ping is its retry.
//!
//! It must never write to the client's output, nor answer or fail anything of the client's: the
//! router swallows the ping's reply, and a ping that fails is said as one warning event with its
//! diagnosis, not again while the next ones fail the same way.
//!
//! # In the journal
//!
//! A ping and its reply are real messages on the wire, so the journal has them as traffic like
//! the client's (the Traffic view shows what really passed): the ping as a `c2s` `request`
//! `ping`, its reply as `s2c` with its latency, although that reply stops at the bridge. What
//! marks them as the bridge's own is their id, a string starting with [`PING_ID_PREFIX`]
//! (`"mcp-tray-keepalive-1"`, `"mcp-tray-keepalive-2"`, …), which the journal's `id` field
//! carries as it carries any id. The journal line's fields are unchanged.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::{Control, Link};
use crate::diagnose::codes;
use crate::journal::{Direction, Journal, Level};
use crate::jsonrpc::{self, Kind};
use crate::transport::Reporter;
use crate::transport::http::Outgoing;

/// The start of every keep-alive ping's id: a string id, unlike the numbers clients use, and
/// named after MCP Tray, so that it never meets one of the client's ids.
pub const PING_ID_PREFIX: &str = "mcp-tray-keepalive-";

/// The interval of mcp-remote's `--keep-alive` (30 s, its README and its
/// `DEFAULT_KEEP_ALIVE_INTERVAL_MS`), which the bridge's `--keep-alive` takes too.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(30);

/// Whether a JSON-RPC id (its JSON text) is one of the keep-alive's pings.
pub(crate) fn is_ping_id(id: &str) -> bool {
    id.strip_prefix('"')
        .is_some_and(|id| id.starts_with(PING_ID_PREFIX))
}

/// When the client last sent a message. Touched for each line the client sends, read by the
/// keep-alive: one relaxed atomic store per message.
pub(crate) struct Activity {
    start: Instant,
    /// Milliseconds from `start` to the client's last message.
    last_ms: AtomicU64,
}

impl Activity {
    pub(crate) fn new() -> Activity {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    /// The client sent a message now.
    pub(crate) fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.start + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// The pinging of one bridge's session.
pub(super) struct KeepAlive {
    pub(super) link: Link,
    /// The router: told of each ping, so that it swallows the reply.
    pub(super) control: mpsc::UnboundedSender<Control>,
    pub(super) journal: Option<Arc<Journal>>,
    pub(super) reporter: Reporter,
    pub(super) interval: Duration,
    /// How long a ping may wait for its reply (the bridge's `--timeout`).
    pub(super) timeout: Duration,
    pub(super) activity: Arc<Activity>,
}

/// Why a ping failed: its diagnosis code and what happened, in words.
struct Failure {
    code: &'static str,
    /// Said once for a run of failures that read the same (without the server's answer,
    /// which may differ each time).
    key: String,
    text: String,
}

impl KeepAlive {
    /// Starts pinging; the task runs until it is aborted.
    pub(super) fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        let mut sent = 0u64;
        let mut last_ping = Instant::now();
        let mut failing: Option<String> = None;
        loop {
            let due = self.activity.last().max(last_ping) + self.interval;
            if Instant::now() < due {
                tokio::time::sleep_until(due).await;
                continue; // the client may have spoken meanwhile
            }
            sent += 1;
            let outcome = self.ping(sent).await;
            last_ping = Instant::now();
            match outcome {
                Ok(()) => {
                    if failing.take().is_some() {
                        self.reporter.report(
                            Level::Info,
                            "keep-alive",
                            "keep-alive ping answered again",
                        );
                    }
                }
                Err(f) => {
                    if failing.as_deref() != Some(f.key.as_str()) {
                        self.reporter.report(
                            Level::Warn,
                            f.code,
                            &format!("keep-alive ping failed: {}", f.text),
                        );
                        failing = Some(f.key);
                    }
                }
            }
        }
    }

    /// Sends ping number `n` and waits for its reply (which the router swallows).
    async fn ping(&self, n: u64) -> Result<(), Failure> {
        let id = format!("\"{PING_ID_PREFIX}{n}\"");
        let bytes = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
        if let Some(j) = &self.journal
            && let Ok(env) = jsonrpc::inspect(bytes.as_bytes())
        {
            j.message(
                Direction::ClientToServer,
                bytes.as_bytes(),
                Some(&env),
                None,
                None,
            );
        }
        // Before the send: the reply may be passed on before the send returns.
        let _ = self.control.send(Control::Ping {
            id: id.as_str().into(),
        });
        let msg = Outgoing {
            bytes: Bytes::from(bytes),
            kind: Kind::Request,
            id: Some(id.clone()),
            method: Some("ping".into()),
            retry: false,
            // Nobody waits on a ping: it never opens a sign-in (a refresh is fine).
            interactive: false,
        };
        let failure = match tokio::time::timeout(self.timeout, self.link.send(&msg)).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(fault)) => Failure {
                code: fault.code(),
                key: fault.headline(),
                text: fault.describe(),
            },
            Err(_) => {
                let text = format!(
                    "remote server did not answer ping within {} s",
                    self.timeout.as_secs_f64()
                );
                Failure {
                    code: codes::TIMEOUT,
                    key: text.clone(),
                    text,
                }
            }
        };
        // The reply will not come (or comes too late): the router stops waiting for it.
        let _ = self.control.send(Control::Fail {
            id,
            message: String::new(),
            code: failure.code,
            detail: None,
        });
        Err(failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_ids_are_told_from_the_clients() {
        assert!(is_ping_id(r#""mcp-tray-keepalive-7""#));
        assert!(!is_ping_id("7"));
        assert!(!is_ping_id(r#""7""#));
        assert!(!is_ping_id(r#""x-mcp-tray-keepalive-7""#));
    }
}
