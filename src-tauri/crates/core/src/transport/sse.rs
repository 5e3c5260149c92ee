//! Legacy HTTP+SSE (MCP 2024-11-05): GET the SSE URL, wait for the `endpoint` event, POST every
//! message to that endpoint (resolved against the SSE URL), read server messages as
//! `event: message`.
//!
//! It owns the event stream and its reconnection: when the stream drops, a new one is opened and
//! the cached `initialize` + `notifications/initialized` are replayed, the replayed reply hidden.
//! It must never answer the client itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use sse_stream::SseByteStream;
use tokio::sync::watch;

use super::http::Outgoing;
use super::{Fault, Outbox, Remote, backoff, display_url, may_resend, not_resent, snippet};
use crate::journal::Level;
use crate::jsonrpc::{self, Kind};

/// How long a message waits for the endpoint while the stream reconnects.
const ENDPOINT_WAIT: Duration = Duration::from_secs(30);

type Events = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = Result<sse_stream::Sse, sse_stream::Error>> + Send>,
>;

#[derive(Default)]
struct State {
    /// The client's `initialize`, replayed after a reconnect.
    init: Option<Vec<u8>>,
    /// The id of a replayed initialize, whose reply must not reach the client.
    hidden_reply: Option<String>,
    closed: bool,
}

/// The `endpoint` event's URI resolved against the SSE URL. It must stay on the same origin:
/// every POST carries the user's headers (credentials), which must never go to another server.
fn resolve_endpoint(sse_url: &Url, data: &str) -> Result<Url, String> {
    let endpoint = sse_url.join(data.trim()).map_err(|_| {
        format!(
            "named a message endpoint that is not a URL: {}",
            snippet(data.as_bytes())
        )
    })?;
    if endpoint.origin() != sse_url.origin() {
        return Err(format!(
            "named a message endpoint on another origin ({}); refused so that headers and tokens stay with this server",
            display_url(&endpoint)
        ));
    }
    Ok(endpoint)
}

/// One legacy SSE server connection.
pub struct LegacySse {
    remote: Remote,
    out: Outbox,
    state: Mutex<State>,
    endpoint: watch::Sender<Option<Url>>,
}

impl LegacySse {
    /// Opens the event stream and waits for the `endpoint` event.
    pub async fn connect(remote: Remote, out: Outbox) -> Result<Arc<Self>, Fault> {
        let (endpoint, _) = watch::channel(None);
        let this = Arc::new(LegacySse {
            remote,
            out,
            state: Mutex::new(State::default()),
            endpoint,
        });
        let (url, events) = this.open_stream().await?;
        this.endpoint.send_replace(Some(url));
        let reader = Arc::clone(&this);
        tokio::spawn(async move { reader.read_forever(events).await });
        Ok(this)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn open_stream(&self) -> Result<(Url, Events), Fault> {
        let url = &self.remote.url;
        let mut auth_rounds = 0;
        let resp = loop {
            if let Some(auth) = &self.remote.auth {
                auth.before_request().await;
            }
            let seen = self.remote.auth.as_ref().map_or(0, |a| a.generation());
            let resp = self
                .remote
                .client
                .get(url.clone())
                .headers(self.remote.request_headers())
                .header(ACCEPT, "text/event-stream")
                .send()
                .await
                .map_err(|e| Fault::from_reqwest(&e, url))?;
            if self.remote.auth.is_some()
                && auth_rounds < 2
                && matches!(resp.status().as_u16(), 401 | 403)
            {
                auth_rounds += 1;
                self.remote.reauthorize(resp, seen).await?;
                continue;
            }
            break resp;
        };
        if !resp.status().is_success() {
            return Err(Fault::from_status(resp, url).await);
        }
        let is_sse = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/event-stream"));
        if !is_sse {
            return Err(Fault::Protocol {
                url: display_url(url),
                detail: "is neither a Streamable HTTP nor an SSE endpoint (it answered GET without an event stream)".into(),
            });
        }
        let mut events: Events = Box::pin(SseByteStream::new(resp.bytes_stream()));
        while let Some(event) = events.next().await {
            let Ok(event) = event else { break };
            if event.event.as_deref() == Some("endpoint") {
                let data = event.data.unwrap_or_default();
                let endpoint = resolve_endpoint(url, &data).map_err(|detail| Fault::Protocol {
                    url: display_url(url),
                    detail,
                })?;
                return Ok((endpoint, events));
            }
        }
        Err(Fault::Protocol {
            url: display_url(url),
            detail: "closed the event stream before naming its message endpoint".into(),
        })
    }

    /// Reads server messages; when the stream drops, reconnects and replays the handshake.
    async fn read_forever(self: Arc<Self>, mut events: Events) {
        let mut failures = 0u32;
        loop {
            while let Some(event) = events.next().await {
                let Ok(event) = event else { break };
                let is_message = matches!(event.event.as_deref(), None | Some("message"));
                if let (true, Some(data)) = (is_message, event.data)
                    && !data.trim().is_empty()
                {
                    self.deliver(&super::sse_data_to_line(&data));
                }
            }
            if self.lock().closed {
                return;
            }
            self.endpoint.send_replace(None);
            self.remote.reporter.report(
                Level::Warn,
                crate::diagnose::codes::CONNECTION_REFUSED,
                "the server closed the event stream; reconnecting",
            );
            loop {
                tokio::time::sleep(backoff(failures.min(6), Duration::from_millis(200))).await;
                if self.lock().closed {
                    return;
                }
                match self.open_stream().await {
                    Ok((url, fresh)) => {
                        failures = 0;
                        events = fresh;
                        // Messages wait until the new session is initialized.
                        self.replay_handshake(&url).await;
                        self.endpoint.send_replace(Some(url));
                        self.remote.reporter.report(
                            Level::Info,
                            "reconnected",
                            "event stream reopened",
                        );
                        break;
                    }
                    Err(_) => failures += 1,
                }
            }
        }
    }

    async fn replay_handshake(&self, url: &Url) {
        let init = self.lock().init.clone();
        let Some(init) = init else { return };
        let id = jsonrpc::inspect(&init)
            .ok()
            .and_then(|e| e.id_key().map(str::to_owned));
        self.lock().hidden_reply = id;
        let _ = self
            .post_to(url, Bytes::from(init), Kind::Request, Some("initialize"))
            .await;
        let _ = self
            .post_to(
                url,
                Bytes::from_static(jsonrpc::INITIALIZED_NOTIFICATION),
                Kind::Notification,
                None,
            )
            .await;
    }

    fn deliver(&self, line: &[u8]) {
        match jsonrpc::inspect(line) {
            Ok(env) => {
                if env.kind.is_reply() {
                    let mut st = self.lock();
                    if st.hidden_reply.is_some() && st.hidden_reply.as_deref() == env.id_key() {
                        st.hidden_reply = None;
                        return;
                    }
                }
                let _ = self.out.send(line.to_vec());
            }
            Err(_) => self.remote.reporter.report(
                Level::Error,
                crate::diagnose::codes::PROTOCOL_ERROR,
                &format!(
                    "server sent something that is not JSON-RPC: {}",
                    snippet(line)
                ),
            ),
        }
    }

    /// POSTs one client message to the endpoint; the reply arrives on the event stream.
    pub async fn send(&self, msg: &Outgoing) -> Result<(), Fault> {
        if msg.kind == Kind::Request && msg.method.as_deref() == Some("initialize") {
            self.lock().init = Some(msg.bytes.to_vec());
        }
        let mut rx = self.endpoint.subscribe();
        let url = match tokio::time::timeout(ENDPOINT_WAIT, rx.wait_for(|e| e.is_some())).await {
            Ok(Ok(url)) => url.clone(),
            _ => None,
        };
        let Some(url) = url else {
            return Err(Fault::Network {
                url: display_url(&self.remote.url),
                detail: "the event stream could not be reopened".into(),
            });
        };
        self.post_to(&url, msg.bytes.clone(), msg.kind, msg.method.as_deref())
            .await
    }

    /// POSTs one message, sent again after a refused connection or a 5xx when that is safe
    /// ([`may_resend`]).
    async fn post_to(
        &self,
        url: &Url,
        body: Bytes,
        kind: Kind,
        method: Option<&str>,
    ) -> Result<(), Fault> {
        let mut attempt = 0;
        let mut auth_rounds = 0;
        loop {
            if let Some(auth) = &self.remote.auth {
                auth.before_request().await;
            }
            let seen = self.remote.auth.as_ref().map_or(0, |a| a.generation());
            let sent = self
                .remote
                .client
                .post(url.clone())
                .headers(self.remote.request_headers())
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone())
                .send()
                .await;
            let fault = match sent {
                Ok(resp) if resp.status().is_success() => return Ok(()),
                Ok(resp)
                    if self.remote.auth.is_some()
                        && auth_rounds < 2
                        && matches!(resp.status().as_u16(), 401 | 403) =>
                {
                    auth_rounds += 1;
                    self.remote.reauthorize(resp, seen).await?;
                    continue;
                }
                Ok(resp) => Fault::from_status(resp, url).await,
                Err(e) => Fault::from_reqwest(&e, url),
            };
            if attempt >= self.remote.retries {
                return Err(fault);
            }
            if !may_resend(kind, method, &fault) {
                if fault.is_transient() {
                    self.remote.reporter.report(
                        Level::Warn,
                        fault.code(),
                        &not_resent(method, &fault),
                    );
                }
                return Err(fault);
            }
            tokio::time::sleep(backoff(attempt, Duration::from_millis(100))).await;
            attempt += 1;
        }
    }

    /// Ends the session by dropping the stream.
    pub fn close(&self) {
        self.lock().closed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_resolve_against_the_sse_url() {
        let sse = Url::parse("http://127.0.0.1:3001/base/sse").expect("url");
        let ts = resolve_endpoint(&sse, "/message?sessionId=abc").expect("ts style");
        assert_eq!(ts.as_str(), "http://127.0.0.1:3001/message?sessionId=abc");
        let rel = resolve_endpoint(&sse, "messages/?session_id=x").expect("relative");
        assert_eq!(
            rel.as_str(),
            "http://127.0.0.1:3001/base/messages/?session_id=x"
        );
    }

    #[test]
    fn endpoints_on_another_origin_are_refused() {
        let sse = Url::parse("https://mcp.example.com/sse").expect("url");
        let err = resolve_endpoint(&sse, "https://evil.example.net/m").expect_err("foreign");
        assert!(err.contains("another origin"), "{err}");
        assert!(resolve_endpoint(&sse, "http://mcp.example.com/m").is_err());
    }
}
