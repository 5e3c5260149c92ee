//! Legacy HTTP+SSE (MCP 2024-11-05): GET the SSE URL, wait for the `endpoint` event, POST every
//! message to that endpoint (resolved against the URL the stream came from, after any redirect),
//! read server messages as `event: message`.
//!
//! It owns the event stream and its reconnection: when the stream drops, a new one is opened and
//! the cached `initialize` + `notifications/initialized` are replayed, the replayed reply hidden.
//! It must never answer the client itself.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use tokio::sync::{Notify, watch};

use super::events::{EventReader, Item};
use super::http::Outgoing;
use super::{
    Fault, Outbox, Remote, Waiters, backoff, display_url, dropped_too_large, may_resend, snippet,
    too_large,
};
use crate::journal::Level;
use crate::jsonrpc::{self, Kind};

/// The least a message waits for the endpoint while the stream reconnects.
const ENDPOINT_WAIT_MIN: Duration = Duration::from_secs(1);

/// How long a message waits for the event stream to be reopened: as long as a Streamable HTTP
/// message's `retries` would take to fail (about 6 s for the bridge's 6), and at least
/// [`ENDPOINT_WAIT_MIN`].
fn endpoint_wait(retries: u32) -> Duration {
    super::retry_span(retries).max(ENDPOINT_WAIT_MIN)
}

#[derive(Default)]
struct State {
    /// The client's `initialize`, replayed after a reconnect.
    init: Option<Vec<u8>>,
    /// The id of a replayed initialize, whose reply must not reach the client.
    hidden_reply: Option<String>,
    closed: bool,
    /// The generation of the newest event stream lost (streams are numbered from 1).
    lost: u64,
    /// How the last attempt to reopen a lost event stream failed, until one succeeds.
    reopen_failure: Option<Fault>,
}

/// The `endpoint` event's URI resolved against the URL the event stream came from (the SSE URL,
/// or where a same-origin 307/308 led: a relative URI is relative to that). It must stay on the
/// same origin:
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
    /// The message endpoint of the open event stream, and that stream's generation.
    endpoint: watch::Sender<Option<(Url, u64)>>,
    /// Requests POSTed whose replies are due on the event stream.
    waiters: Arc<Waiters>,
    /// Requests waiting for a lost event stream that may start a sign-in
    /// ([`Outgoing::interactive`]): only while there is one may reopening it sign in, since
    /// nobody may be there to see a browser open for a reconnection in the background.
    asking: AtomicUsize,
    /// Told when such a request starts waiting: the reconnection tries at once.
    wanted: Notify,
}

/// A request waiting for a lost event stream, counted in [`LegacySse::asking`] while it waits.
struct Asking<'a>(&'a LegacySse);

impl Drop for Asking<'_> {
    fn drop(&mut self) {
        self.0.asking.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A legacy SSE connection as its users hold it. The last one dropped ends its reader, and the
/// event stream with it, whether or not [`SseConnection::close`] was called: a connection whose
/// first message was given up on (its timeout) must not go on reading, reconnecting and passing
/// on the server's messages beside the one that replaces it.
pub struct SseConnection {
    inner: Arc<LegacySse>,
    reader: tokio::task::AbortHandle,
}

impl SseConnection {
    /// Ends the session: nothing more is read or reopened.
    pub fn close(&self) {
        self.inner.close();
        self.reader.abort();
    }
}

impl std::ops::Deref for SseConnection {
    type Target = LegacySse;

    fn deref(&self) -> &LegacySse {
        &self.inner
    }
}

impl Drop for SseConnection {
    fn drop(&mut self) {
        self.close();
    }
}

/// How long reopening the event stream may take, its answer and then its `endpoint` event each:
/// a server (or a proxy holding the GET) that accepts the connection and says nothing would
/// otherwise hold a reconnection for ever, every message failing meanwhile though the server
/// may long be back. Sign-in is not counted (it runs apart, for as long as the person takes).
/// The first stream is not bounded here: the request that opens it waits its own timeout.
#[cfg(not(test))]
const STREAM_OPEN_LIMIT: Duration = Duration::from_secs(30);
#[cfg(test)]
const STREAM_OPEN_LIMIT: Duration = Duration::from_secs(1);

/// `work`, given up after `limit` (when there is one) with the fault of a stream that did not
/// open in time.
async fn within<T>(
    limit: Option<Duration>,
    url: &Url,
    work: impl std::future::Future<Output = T>,
) -> Result<T, Fault> {
    match limit {
        None => Ok(work.await),
        Some(limit) => tokio::time::timeout(limit, work)
            .await
            .map_err(|_| Fault::NoAnswer {
                url: display_url(url),
                method: "the request for its event stream".into(),
                after: limit,
            }),
    }
}

impl LegacySse {
    /// Opens the event stream and waits for the `endpoint` event.
    pub async fn connect(remote: Remote, out: Outbox) -> Result<Arc<SseConnection>, Fault> {
        let (endpoint, _) = watch::channel(None);
        let this = Arc::new(LegacySse {
            remote,
            out,
            state: Mutex::new(State::default()),
            endpoint,
            waiters: Arc::default(),
            asking: AtomicUsize::new(0),
            wanted: Notify::new(),
        });
        // The first stream waits as long as the caller does (a request's timeout): a server may
        // be starting up. The client's first message opens it: it may sign in.
        let (url, events) = this.open_stream(None, true).await?;
        this.endpoint.send_replace(Some((url, 1)));
        let reader = Arc::clone(&this);
        let reader = tokio::spawn(async move { reader.read_forever(events).await });
        Ok(Arc::new(SseConnection {
            inner: this,
            reader: reader.abort_handle(),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens the event stream and waits for its `endpoint`; each of the two waits bounded by
    /// `limit` when given (a reconnection, [`STREAM_OPEN_LIMIT`]). `first`: the client's first
    /// message opens it, and a refusal may start a sign-in that needs a person; a reopening may
    /// only while a request waits for it ([`LegacySse::asked`]).
    async fn open_stream(
        &self,
        limit: Option<Duration>,
        first: bool,
    ) -> Result<(Url, EventReader), Fault> {
        let url = &self.remote.url;
        let mut auth_rounds = 0;
        let resp = loop {
            if let Some(auth) = &self.remote.auth {
                auth.before_request().await;
            }
            let seen = self.remote.auth.as_ref().map_or(0, |a| a.generation());
            let get = self
                .remote
                .client
                .get(url.clone())
                .headers(self.remote.request_headers())
                .header(ACCEPT, "text/event-stream")
                .send();
            let resp = within(limit, url, get)
                .await?
                .map_err(|e| Fault::from_reqwest(&e, url))?;
            if self.remote.auth.is_some()
                && auth_rounds < 2
                && matches!(resp.status().as_u16(), 401 | 403)
            {
                auth_rounds += 1;
                // Asked now, not when the attempt began: a request may have come meanwhile.
                let interactive = first || self.asked();
                self.remote.reauthorize(resp, seen, interactive).await?;
                continue;
            }
            break resp;
        };
        if !resp.status().is_success() {
            return Err(Fault::from_status(resp, url).await);
        }
        let is_sse = super::content_type_is(resp.headers(), "text/event-stream");
        if !is_sse {
            return Err(Fault::Protocol {
                url: display_url(url),
                detail: "is neither a Streamable HTTP nor an SSE endpoint (it answered GET without an event stream)".into(),
            });
        }
        // After a redirect the stream came from elsewhere: a relative endpoint is relative to that.
        let streamed_from = resp.url().clone();
        let mut events = EventReader::new(resp);
        let named = within(limit, url, async {
            while let Ok(Some(item)) = events.next().await {
                let Item::Event(event) = item else { continue };
                if event.event.as_deref() == Some("endpoint") {
                    let data =
                        String::from_utf8_lossy(&event.data.unwrap_or_default()).into_owned();
                    return resolve_endpoint(&streamed_from, &data)
                        .map(Some)
                        .map_err(|detail| Fault::Protocol {
                            url: display_url(url),
                            detail,
                        });
                }
            }
            Ok(None)
        })
        .await??;
        match named {
            Some(endpoint) => Ok((endpoint, events)),
            None => Err(Fault::Protocol {
                url: display_url(url),
                detail: "closed the event stream before naming its message endpoint".into(),
            }),
        }
    }

    /// Reads server messages; when the stream drops, fails the requests whose replies were due
    /// on it, reconnects and replays the handshake.
    async fn read_forever(self: Arc<Self>, mut events: EventReader) {
        let mut failures = 0u32;
        let mut generation = 1u64;
        loop {
            let ending = loop {
                match events.next().await {
                    Ok(Some(Item::Event(event))) => {
                        if let (true, Some(data)) = (event.is_message(), event.data)
                            && !data.trim_ascii().is_empty()
                        {
                            self.deliver(&super::sse_data_to_line(data));
                            // No more is read while the client is behind (see OUTBOX_LIMIT).
                            self.out.room().await;
                        }
                    }
                    Ok(Some(Item::TooLarge { rpc_id })) => self.on_too_large(rpc_id.as_deref()),
                    Ok(None) => break "the server closed it".to_owned(),
                    Err(broken) => break broken.0,
                }
            };
            drop(events);
            if self.lock().closed {
                return;
            }
            // The session lived on that stream: replies still due on it can never arrive.
            self.endpoint.send_replace(None);
            self.lock().lost = generation;
            let failed = self.waiters.fail_upto(
                generation,
                &Fault::Lost {
                    url: display_url(&self.remote.url),
                    detail: format!("its event stream ended: {ending}"),
                },
            );
            // Requests that were waiting fail with it, each saying so: the loss is not said
            // again. With none waiting, no reply was lost, but the connection was.
            let text = "lost the connection to the server (its event stream); reconnecting";
            if failed == 0 {
                self.remote.reporter.report(
                    Level::Warn,
                    crate::diagnose::codes::CONNECTION_LOST,
                    &format!("{text}\nits event stream ended: {ending}"),
                );
            } else {
                self.remote
                    .reporter
                    .report(Level::Info, "stream-lost", text);
            }
            loop {
                // A request that starts waiting for the stream cuts the pause short.
                tokio::select! {
                    () = tokio::time::sleep(backoff(failures.min(6), Duration::from_millis(200))) => {}
                    () = self.wanted.notified() => {}
                }
                if self.lock().closed {
                    return;
                }
                // A sign-in only for a request waiting on it: in the background, a refusal the
                // stored or refreshed tokens cannot answer waits for the client's next request.
                match self.open_stream(Some(STREAM_OPEN_LIMIT), false).await {
                    Ok((url, fresh)) => {
                        failures = 0;
                        self.lock().reopen_failure = None;
                        events = fresh;
                        generation += 1;
                        // Messages wait until the new session is initialized (its POSTs sign
                        // in only for a request waiting, as the GET did).
                        self.replay_handshake(&url).await;
                        self.endpoint.send_replace(Some((url, generation)));
                        self.remote.reporter.report(
                            Level::Info,
                            "reconnected",
                            "event stream reopened",
                        );
                        break;
                    }
                    Err(fault) => {
                        failures += 1;
                        // Said once an outage (and again if the reason changes), not at each
                        // attempt: the attempts go on while the server is down, for hours maybe.
                        let said = self.lock().reopen_failure.replace(fault.clone());
                        if said.is_none_or(|said| said.code() != fault.code()) {
                            // A sign-in is not waited out: it comes with the client's next request.
                            let then = if matches!(fault, Fault::SignIn { .. }) {
                                ""
                            } else {
                                "; trying again until it comes back"
                            };
                            self.remote.reporter.report(
                                Level::Warn,
                                fault.code(),
                                &format!(
                                    "cannot reopen the event stream: {}{then}",
                                    fault.headline()
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    async fn replay_handshake(&self, url: &Url) {
        let interactive = self.asked();
        let init = self.lock().init.clone();
        let Some(init) = init else { return };
        let id = jsonrpc::inspect(&init)
            .ok()
            .and_then(|e| e.id_key().map(str::to_owned));
        self.lock().hidden_reply = id;
        let retries = self.remote.retries;
        let _ = self
            .post_to(
                url,
                Bytes::from(init),
                Kind::Request,
                Some("initialize"),
                retries,
                interactive,
            )
            .await;
        let _ = self
            .post_to(
                url,
                Bytes::from_static(jsonrpc::INITIALIZED_NOTIFICATION),
                Kind::Notification,
                None,
                retries,
                interactive,
            )
            .await;
    }

    /// Whether a request is waiting for the event stream that may start a sign-in.
    fn asked(&self) -> bool {
        self.asking.load(Ordering::Acquire) > 0
    }

    fn deliver(&self, line: &[u8]) {
        match jsonrpc::inspect(line) {
            Ok(env) => self.deliver_message(line, &env),
            Err(_) => match super::repair_utf8(line, &self.remote.reporter) {
                Some(repaired) => {
                    if let Ok(env) = jsonrpc::inspect(&repaired) {
                        self.deliver_message(&repaired, &env);
                    }
                }
                None => self.remote.reporter.not_json_rpc(&snippet(line)),
            },
        }
    }

    fn deliver_message(&self, line: &[u8], env: &jsonrpc::Envelope<'_>) {
        if env.kind.is_reply() {
            let mut st = self.lock();
            if st.hidden_reply.is_some() && st.hidden_reply.as_deref() == env.id_key() {
                st.hidden_reply = None;
                return;
            }
        }
        let _ = self.out.send(line.to_vec());
        if env.kind.is_reply()
            && let Some(id) = env.id_key()
        {
            self.waiters.settle(id);
        }
    }

    /// An event past the size limit was dropped: the request it answered fails, in words.
    fn on_too_large(&self, rpc_id: Option<&str>) {
        let failed = rpc_id.is_some_and(|id| self.waiters.fail(id, too_large(&self.remote.url)));
        // The reply to a request is said once, as that request's error.
        if !failed {
            self.remote.reporter.report(
                Level::Warn,
                crate::diagnose::codes::MESSAGE_TOO_LARGE,
                &dropped_too_large(rpc_id),
            );
        }
    }

    /// POSTs one client message to the endpoint. For a request, waits until its reply has come
    /// on the event stream, and fails if the stream is lost first (the reply cannot come then).
    pub async fn send(&self, msg: &Outgoing) -> Result<(), Fault> {
        if msg.kind == Kind::Request && msg.method.as_deref() == Some("initialize") {
            self.lock().init = Some(msg.bytes.to_vec());
        }
        let retries = if msg.retry { self.remote.retries } else { 0 };
        let wait = endpoint_wait(retries);
        let mut rx = self.endpoint.subscribe();
        let (url, waiter) = loop {
            // A request that may sign in counts while it waits: a reopening may then sign in,
            // and one that is lost now tries again at once.
            let _asking = msg.interactive.then(|| {
                self.asking.fetch_add(1, Ordering::AcqRel);
                if rx.borrow().is_none() {
                    self.wanted.notify_one();
                }
                Asking(self)
            });
            let started = tokio::time::Instant::now();
            let mut deadline = started + wait;
            let endpoint = loop {
                match tokio::time::timeout_at(deadline, rx.wait_for(|e| e.is_some())).await {
                    Ok(Ok(endpoint)) => break endpoint.clone(),
                    Ok(Err(_)) => break None,
                    // A sign-in runs for the stream (a person in the browser): waited for, as
                    // long as sign-ins may take (`--oauth-wait`), then the wait again.
                    Err(_) => match self.remote.held_for_sign_in(started, wait) {
                        Some(held) if held > tokio::time::Instant::now() => deadline = held,
                        _ => break None,
                    },
                }
            };
            let Some((url, generation)) = endpoint else {
                let url = display_url(&self.remote.url);
                let last = self
                    .lock()
                    .reopen_failure
                    .clone()
                    .unwrap_or(Fault::Network {
                        url,
                        detail: "the server has not answered the request to reopen it".into(),
                    });
                return Err(Fault::StreamDown {
                    last: Box::new(last),
                    waited: wait,
                });
            };
            // Registered before the POST, since the reply may come before the POST's answer.
            let waiter = match (&msg.id, msg.kind) {
                (Some(id), Kind::Request) => Some(self.waiters.register(id, generation)),
                _ => None,
            };
            if self.lock().lost < generation {
                break (url, waiter);
            }
            // That stream was lost meanwhile: wait for the next one.
        };
        self.post_to(
            &url,
            msg.bytes.clone(),
            msg.kind,
            msg.method.as_deref(),
            retries,
            msg.interactive,
        )
        .await?;
        match waiter {
            Some(waiter) => waiter.wait().await,
            None => Ok(()),
        }
    }

    /// POSTs one message, sent again (up to `retries` times) after a refused connection or a 5xx
    /// when that is safe ([`may_resend`]). `interactive`: whether a refusal may start a sign-in
    /// ([`Outgoing::interactive`]).
    async fn post_to(
        &self,
        url: &Url,
        body: Bytes,
        kind: Kind,
        method: Option<&str>,
        retries: u32,
        interactive: bool,
    ) -> Result<(), Fault> {
        let mut attempt = 0;
        let mut auth_rounds = 0;
        self.remote.note_attempt(None);
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
                Ok(resp) if resp.status().is_success() => {
                    self.remote.note_attempt(None);
                    return Ok(());
                }
                Ok(resp)
                    if self.remote.auth.is_some()
                        && auth_rounds < 2
                        && matches!(resp.status().as_u16(), 401 | 403) =>
                {
                    auth_rounds += 1;
                    self.remote.note_attempt(None);
                    self.remote.reauthorize(resp, seen, interactive).await?;
                    continue;
                }
                Ok(resp) => Fault::from_status(resp, url).await,
                Err(e) => Fault::from_reqwest(&e, url),
            };
            self.remote.note_attempt(Some(&fault));
            if attempt >= retries {
                return Err(fault);
            }
            if !may_resend(kind, method, &fault) {
                // Said once, with the error the request gets (`failure_message`).
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

    /// A remote for the legacy server a test serves on `port`.
    fn remote_at(port: u16) -> Remote {
        Remote {
            client: reqwest::Client::new(),
            url: Url::parse(&format!("http://127.0.0.1:{port}/sse")).expect("url"),
            headers: Default::default(),
            reporter: super::super::Reporter::new("t", None),
            retries: 0,
            auth: None,
            max_timeout: Duration::from_secs(5),
            last_failure: Default::default(),
            outage: Default::default(),
        }
    }

    /// A connection given up on (its first message timed out, the caller dropped it) closes its
    /// event stream: the server sees the connection end.
    #[tokio::test]
    async fn a_connection_dropped_after_it_opened_stops_reading_its_stream() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (ended_tx, ended) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            sock.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\nevent: endpoint\ndata: /message?sessionId=1\n\n",
            )
            .await
            .expect("write");
            // Whatever else comes (nothing should), until the client lets the connection go.
            while sock.read(&mut buf).await.is_ok_and(|n| n > 0) {}
            let _ = ended_tx.send(());
        });
        let remote = remote_at(port);
        let (out, _rx) = super::super::outbox();
        let sse = LegacySse::connect(remote, out).await.expect("connected");
        drop(sse);
        tokio::time::timeout(Duration::from_secs(10), ended)
            .await
            .expect("the event stream was let go")
            .expect("server task");
    }

    /// A reconnection whose GET the server (or a proxy) accepts and never answers is given up
    /// after a while and tried again, instead of holding the session's recovery for ever.
    #[tokio::test]
    async fn a_reconnection_that_gets_no_answer_is_tried_again() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (reopened_tx, reopened) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            const STREAM: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\nevent: endpoint\ndata: /message?sessionId=1\n\n";
            let mut buf = [0u8; 4096];
            // The first stream: opened, then lost.
            let (mut first, _) = listener.accept().await.expect("accept");
            let _ = first.read(&mut buf).await;
            first.write_all(STREAM).await.expect("write");
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(first);
            // The first reconnection: taken, never answered (kept open).
            let (mut held, _) = listener.accept().await.expect("accept");
            let _ = held.read(&mut buf).await;
            // The next one opens.
            let (mut next, _) = listener.accept().await.expect("accept");
            let _ = next.read(&mut buf).await;
            next.write_all(STREAM).await.expect("write");
            let _ = reopened_tx.send(());
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(held);
        });
        let remote = remote_at(port);
        let (out, _inbox) = super::super::outbox();
        let _sse = LegacySse::connect(remote, out).await.expect("connected");
        tokio::time::timeout(Duration::from_secs(20), reopened)
            .await
            .expect("the stream was opened again after the silent attempt")
            .expect("server task");
    }

    /// The first stream is not bounded by the reconnections' limit: a server starting up may
    /// take longer than it to name its endpoint, and the request that opens it has its own
    /// timeout.
    #[tokio::test]
    async fn the_first_stream_may_take_longer_than_a_reconnection_may() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            tokio::time::sleep(STREAM_OPEN_LIMIT + Duration::from_millis(500)).await;
            sock.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\nevent: endpoint\ndata: /message?sessionId=1\n\n",
            )
            .await
            .expect("write");
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let (out, _inbox) = super::super::outbox();
        let connected = LegacySse::connect(remote_at(port), out).await;
        assert!(connected.is_ok(), "the first stream was given up on");
    }

    /// A client that stops reading (the bridge's stdout is not read) while the server streams:
    /// the stream is not read past the outbox's limit, so the server meets TCP's flow control
    /// instead of the bridge's memory growing; once the client reads again, so does the stream.
    #[tokio::test]
    async fn a_stream_is_not_read_ahead_of_a_client_that_stopped_reading() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        const LIMIT: usize = 1024 * 1024;
        const GIVE_UP: usize = 256 * 1024 * 1024;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        // What the server could write before a write waited a whole second, then whether its
        // writes went through again.
        let (stalled_tx, stalled) = tokio::sync::oneshot::channel::<Option<usize>>();
        let (resumed_tx, resumed) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.expect("accept");
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            sock.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\nevent: endpoint\ndata: /message?sessionId=1\n\n",
            )
            .await
            .expect("write");
            let event = format!(
                "data: {{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{{\"level\":\"info\",\"data\":\"{}\"}}}}\n\n",
                "x".repeat(32 * 1024)
            );
            let mut written = 0;
            let mut stalled_tx = Some(stalled_tx);
            while written < GIVE_UP {
                let write = sock.write_all(event.as_bytes());
                match tokio::time::timeout(Duration::from_secs(1), write).await {
                    Ok(result) => result.expect("write"),
                    Err(_) => {
                        if let Some(tx) = stalled_tx.take() {
                            let _ = tx.send(Some(written));
                        }
                        // The same event again once the client reads: a cut one is harmless
                        // here, the test only counts.
                        let _ = sock.write_all(event.as_bytes()).await;
                        let _ = resumed_tx.send(());
                        return;
                    }
                }
                written += event.len();
            }
            if let Some(tx) = stalled_tx.take() {
                let _ = tx.send(None);
            }
        });
        let remote = remote_at(port);
        let (out, mut inbox) = super::super::outbox_with_limit(LIMIT);
        let _sse = LegacySse::connect(remote, out.clone())
            .await
            .expect("connected");
        let written = tokio::time::timeout(Duration::from_secs(60), stalled)
            .await
            .expect("the server wrote or stalled in time")
            .expect("server task");
        let written = written.unwrap_or_else(|| {
            panic!("the server wrote {GIVE_UP} bytes without ever waiting: the stream was read ahead of the client")
        });
        // The limit, one event past it, and what the sockets and the HTTP client hold.
        assert!(
            out.queued() <= LIMIT + 33 * 1024,
            "{} bytes waited for the client (limit {LIMIT})",
            out.queued()
        );
        assert!(
            written < 64 * 1024 * 1024,
            "the server wrote {written} bytes before it waited"
        );
        // The client reads again: so does the stream.
        let drain = tokio::spawn(async move { while inbox.recv().await.is_some() {} });
        tokio::time::timeout(Duration::from_secs(30), resumed)
            .await
            .expect("the stream was read again")
            .expect("server task");
        drain.abort();
    }

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
    fn a_message_waits_for_a_lost_stream_as_long_as_the_retries_would_take() {
        assert_eq!(endpoint_wait(6), Duration::from_millis(6300));
        assert_eq!(endpoint_wait(0), ENDPOINT_WAIT_MIN);
        // Each pause is capped at 5 s, as the retries' are.
        assert_eq!(endpoint_wait(40), Duration::from_millis(6300 + 34 * 5000));
    }

    #[test]
    fn endpoints_on_another_origin_are_refused() {
        let sse = Url::parse("https://mcp.example.com/sse").expect("url");
        let err = resolve_endpoint(&sse, "https://evil.example.net/m").expect_err("foreign");
        assert!(err.contains("another origin"), "{err}");
        assert!(resolve_endpoint(&sse, "http://mcp.example.com/m").is_err());
    }
}
