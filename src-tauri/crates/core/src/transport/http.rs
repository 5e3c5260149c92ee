//! Streamable HTTP (MCP 2025-03-26 … 2025-11-25): one POST per message, JSON or SSE replies, a GET
//! stream for server-initiated messages, `Mcp-Session-Id` and `MCP-Protocol-Version` headers,
//! resumption with `Last-Event-ID`, and renewal of an expired session.
//!
//! It owns the session state of one remote endpoint. It must never answer the client itself and
//! never deliver the reply of an `initialize` it replayed to renew a session.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::events::{EventReader, Item};
use super::modern::{self, ToolHeaders};
use super::{
    Fault, MAX_MESSAGE_BYTES, Outbox, Remote, Waiters, backoff, display_url, dropped_too_large,
    may_resend, snippet, too_large,
};
use crate::journal::Level;
use crate::jsonrpc::{self, Envelope, Kind};
use bytes::Bytes;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, Response, StatusCode};

const SESSION_HEADER: &str = "mcp-session-id";
pub(super) const VERSION_HEADER: &str = "mcp-protocol-version";
const LAST_EVENT_ID: &str = "last-event-id";
const POST_ACCEPT: &str = "application/json, text/event-stream";
/// How often a POST stream that ended before its reply is resumed.
const MAX_RESUMES: u32 = 5;
/// How long the rest of a reply stream is read after the reply, to keep its connection.
const DRAIN_BUDGET: Duration = Duration::from_secs(5);
/// Wait before resuming when the server gave no `retry:`.
const DEFAULT_RETRY: Duration = Duration::from_millis(500);
/// The longest wait a server's `retry:` gets: a huge one would stop its stream for good.
const MAX_RETRY: Duration = Duration::from_secs(60);

/// The wait a server's `retry:` field (milliseconds) asks for, at most [`MAX_RETRY`].
fn server_retry(ms: u64) -> Duration {
    Duration::from_millis(ms).min(MAX_RETRY)
}

tokio::task_local! {
    /// Set in the task that renews the session: its own `initialize` and `initialized` are the
    /// messages that go while the renewal runs; every other waits for it to end.
    static RENEWING: ();
}

/// Whether the current task is the one renewing the session.
fn renewing() -> bool {
    RENEWING.try_with(|()| ()).is_ok()
}

#[derive(Default)]
struct SessionState {
    session: Option<String>,
    /// The negotiated protocol version (or the `--protocol-version` override).
    protocol: Option<String>,
    /// The client's `initialize`, replayed when the session expires.
    init: Option<Vec<u8>>,
    /// Bumped on every renewal, so concurrent 404s renew once.
    generation: u64,
    /// The server lost the session and no renewal has finished since (one failed or gave up):
    /// the next message renews it first.
    lost: bool,
    get_stream_started: bool,
    /// The server answered a request of the stateless revision (2026-07-28), and no session was
    /// opened: the client speaks that revision.
    stateless: bool,
    /// Last SSE event id seen on the GET stream.
    get_last_event_id: Option<String>,
    closed: bool,
    /// The server has answered a request as an MCP server (a web page later is not its endpoint
    /// being wrong).
    spoke_mcp: bool,
}

/// One Streamable HTTP endpoint and its session.
pub struct StreamableHttp {
    remote: Remote,
    out: Outbox,
    state: Mutex<SessionState>,
    /// Held by the session renewal running, if any.
    renewal: Arc<tokio::sync::Mutex<()>>,
    version_override: Option<String>,
    /// Requests the server accepted with 202: their replies come on the GET stream.
    waiters: Arc<Waiters>,
    /// The arguments each tool mirrors into headers, for calls of the stateless revision.
    tool_headers: ToolHeaders,
    /// Held by the bridge's own listing of the tools ([`Self::list_tools_before_call`]): calls
    /// sent at once list once.
    listing: tokio::sync::Mutex<()>,
}

/// What a client message is, as far as the transport cares.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub bytes: Bytes,
    pub kind: Kind,
    /// The id text of a request.
    pub id: Option<String>,
    pub method: Option<String>,
    /// Whether a send that failed may be tried again ([`Remote::retries`] times, where
    /// `may_resend` allows it). The bridge's keep-alive pings are not: the next ping is their
    /// retry, and a server that is down is said once, not once per attempt.
    pub retry: bool,
    /// Whether a 401/403 to it may start a sign-in that needs a person (a browser). The
    /// keep-alive's pings may not: nobody waits on them, so they may only use what needs no one
    /// (a refresh token), and otherwise fail, leaving the sign-in to the client's next request.
    pub interactive: bool,
}

impl Outgoing {
    pub fn new(bytes: Bytes, env: &Envelope<'_>) -> Outgoing {
        Outgoing {
            kind: env.kind,
            id: env.id_key().map(str::to_owned),
            method: env.method.as_deref().map(str::to_owned),
            bytes,
            retry: true,
            interactive: true,
        }
    }

    fn is_initialize(&self) -> bool {
        self.kind == Kind::Request && self.method.as_deref() == Some("initialize")
    }
}

/// How the POST of a message ended, before any retry decision.
enum Posted {
    /// Delivered; for a request its reply was passed on (or hidden).
    Done,
    /// A request the server accepted (202): its reply comes on the GET stream.
    Later,
    /// The session the request carried is gone (404, or server-everything's 400).
    SessionLost,
}

impl StreamableHttp {
    pub fn new(remote: Remote, out: Outbox, version_override: Option<String>) -> Arc<Self> {
        let state = SessionState {
            protocol: version_override.clone(),
            ..SessionState::default()
        };
        Arc::new(StreamableHttp {
            remote,
            out,
            state: Mutex::new(state),
            renewal: Arc::default(),
            version_override,
            waiters: Arc::default(),
            tool_headers: ToolHeaders::default(),
            listing: tokio::sync::Mutex::new(()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends one client message. For a request, its reply is delivered to the outbox before this
    /// returns `Ok`, unless the server announced it on the GET stream (202).
    pub async fn send(self: &Arc<Self>, msg: &Outgoing) -> Result<(), Fault> {
        if msg.kind == Kind::Notification && self.drops(msg) {
            return Ok(());
        }
        if msg.is_initialize() {
            self.lock().init = Some(msg.bytes.to_vec());
        }
        let (generation, lost) = {
            let st = self.lock();
            (st.generation, st.lost)
        };
        // Registered before the POST: a reply on the GET stream may beat the 202.
        let waiter = match (&msg.id, msg.kind) {
            (Some(id), Kind::Request) => Some(self.waiters.register(id, 0)),
            _ => None,
        };
        // A session lost earlier, whose renewal did not finish, is renewed before anything goes.
        let mut posted = if lost {
            Posted::SessionLost
        } else {
            self.post_after_renewal(msg).await?
        };
        if let Posted::SessionLost = posted {
            self.renew_session(generation, msg.interactive).await?;
            posted = self.post_after_renewal(msg).await?;
            if let Posted::SessionLost = posted {
                return Err(Fault::Protocol {
                    url: display_url(&self.remote.url),
                    detail: "rejected the session again right after it was renewed".into(),
                });
            }
        }
        if let (Posted::Later, Some(waiter)) = (posted, waiter) {
            // Fails if its reply on the GET stream is too large; the bridge's deadline covers
            // a reply that never comes.
            self.start_get_stream();
            waiter.wait().await?;
        }
        if msg.kind == Kind::Notification
            && msg.method.as_deref() == Some("notifications/initialized")
        {
            self.start_get_stream();
        }
        Ok(())
    }

    /// Whether a client notification has no place on the wire: the stateless revision's HTTP has
    /// no client notifications (a request is cancelled by closing its stream, which the bridge
    /// does when the client's `notifications/cancelled` stops its send), and one without the
    /// revision's `_meta` would go to a session that does not exist.
    fn drops(&self, msg: &Outgoing) -> bool {
        let st = self.lock();
        st.stateless && st.session.is_none() && !modern::is_stateless(&msg.bytes)
    }

    /// Renews the session the server lost ([`StreamableHttp::renew_now`]) once no other renewal
    /// runs, in a task of its own that the caller waits for. A caller may stop waiting at any
    /// point (a ping's or a request's timeout, the client's cancel); a renewal cut between its
    /// steps would leave the session shared by every message absent, or one the server was never
    /// told is initialized. So once started it runs to its end whoever waits, bounded by
    /// [`Remote::max_timeout`]; one that fails or gives up leaves the session lost, for the next
    /// message to renew.
    async fn renew_session(
        self: &Arc<Self>,
        seen_generation: u64,
        interactive: bool,
    ) -> Result<(), Fault> {
        // Waiting for the renewal in progress is the caller's, and ends with it.
        let guard = Arc::clone(&self.renewal).lock_owned().await;
        let this = Arc::clone(self);
        let limit = self.remote.max_timeout;
        let renewal = tokio::spawn(RENEWING.scope((), async move {
            let _guard = guard;
            let renewing = this.renew_now(seen_generation, interactive);
            match tokio::time::timeout(limit, renewing).await {
                Ok(renewed) => renewed,
                Err(_) => Err(Fault::NoAnswer {
                    url: display_url(&this.remote.url),
                    method: "the initialize that renews the session".into(),
                    after: limit,
                }),
            }
        }));
        renewal.await.unwrap_or_else(|e| {
            Err(Fault::Protocol {
                url: display_url(&self.remote.url),
                detail: format!("session renewal stopped: {e}"),
            })
        })
    }

    /// Replays the cached `initialize` and `notifications/initialized` without showing the
    /// replies to the client; the caller holds the renewal lock. `interactive`: whether a refusal
    /// may start a sign-in ([`Outgoing::interactive`]), as the message that found the session
    /// lost may.
    async fn renew_now(
        self: &Arc<Self>,
        seen_generation: u64,
        interactive: bool,
    ) -> Result<(), Fault> {
        let (init, said) = {
            let mut st = self.lock();
            if st.generation != seen_generation {
                return Ok(()); // someone else renewed it meanwhile
            }
            st.session = None;
            // Event ids belong to the session that sent them: the new one's GET starts afresh.
            st.get_last_event_id = None;
            if self.version_override.is_none() {
                st.protocol = None;
            }
            (st.init.clone(), std::mem::replace(&mut st.lost, true))
        };
        let Some(init) = init else {
            return Err(Fault::Protocol {
                url: display_url(&self.remote.url),
                detail: "lost the session before it was initialized".into(),
            });
        };
        if !said {
            // Said once, not again for each try after a renewal that failed.
            self.remote.reporter.report(
                Level::Warn,
                crate::diagnose::codes::SESSION_EXPIRED,
                "the server lost our session; initializing a new one",
            );
        }
        let init_msg = match jsonrpc::inspect(&init) {
            Ok(env) => Outgoing {
                interactive,
                ..Outgoing::new(Bytes::from(init.clone()), &env)
            },
            Err(_) => {
                return Err(Fault::Protocol {
                    url: display_url(&self.remote.url),
                    detail: "cannot replay initialize".into(),
                });
            }
        };
        if let Posted::SessionLost = self.post(&init_msg, false).await? {
            return Err(Fault::Protocol {
                url: display_url(&self.remote.url),
                detail: "refused a new session".into(),
            });
        }
        let initialized = Outgoing {
            bytes: Bytes::from_static(jsonrpc::INITIALIZED_NOTIFICATION),
            kind: Kind::Notification,
            id: None,
            method: Some("notifications/initialized".into()),
            retry: true,
            interactive,
        };
        self.post(&initialized, true).await?;
        {
            let mut st = self.lock();
            st.generation += 1;
            st.lost = false;
        }
        // The old session's GET stream ended with it (404); open one for the new session.
        self.start_get_stream();
        self.remote
            .reporter
            .report(Level::Info, "session-renewed", "new session ready");
        Ok(())
    }

    /// A POST of the stateless revision: the message's own routing headers, no session.
    fn stateless_request(&self, routing: &reqwest::header::HeaderMap) -> reqwest::RequestBuilder {
        let mut headers = self.remote.request_headers();
        headers.extend(routing.clone());
        self.remote
            .client
            .request(Method::POST, self.remote.url.clone())
            .headers(headers)
    }

    fn request(&self, method: Method) -> reqwest::RequestBuilder {
        let st = self.lock();
        let mut req = self
            .remote
            .client
            .request(method, self.remote.url.clone())
            .headers(self.remote.request_headers());
        if let Some(s) = &st.session {
            req = req.header(SESSION_HEADER, s);
        }
        if let Some(v) = &st.protocol {
            req = req.header(VERSION_HEADER, v);
        }
        req
    }

    /// One POST, sent again after a refused connection or a 5xx when that is safe ([`may_resend`]).
    /// `routing`: the headers of a message of the stateless revision, which carries no session.
    async fn post_with_retries(
        &self,
        msg: &Outgoing,
        routing: Option<&reqwest::header::HeaderMap>,
    ) -> Result<(Response, bool), Fault> {
        let mut attempt = 0;
        let mut auth_rounds = 0;
        // While an outage another message already met with all its retries lasts, one attempt:
        // every request Claude sends meanwhile would wait the retries out (about 6 s) too. Not
        // for `initialize`: a client starting over gives the server the time it may need to start.
        let retries = if self.remote.outage_confirmed() && !msg.is_initialize() {
            0
        } else {
            self.remote.retries
        };
        self.remote.note_attempt(None);
        loop {
            if let Some(auth) = &self.remote.auth {
                auth.before_request().await;
            }
            let seen = self.remote.auth.as_ref().map_or(0, |a| a.generation());
            // Each attempt (a retry may come seconds later) waits out a renewal another message
            // started: sent between its `initialize` and `initialized`, a request would go to a
            // session not yet initialized, which a server may drop unanswered (the Python SDK
            // does), or to the dead one.
            if !renewing() {
                drop(self.renewal.lock().await);
            }
            let (request, had_session) = match routing {
                Some(routing) => (self.stateless_request(routing), false),
                None => (self.request(Method::POST), self.lock().session.is_some()),
            };
            let sent = request
                .header(ACCEPT, POST_ACCEPT)
                .header(CONTENT_TYPE, "application/json")
                .body(msg.bytes.clone())
                .send()
                .await;
            let fault = match sent {
                Ok(resp)
                    // Sign-in, then up to two step-ups; the auth module says why when it gives up.
                    if self.remote.auth.is_some()
                        && auth_rounds < 4
                        && matches!(resp.status().as_u16(), 401 | 403) =>
                {
                    auth_rounds += 1;
                    self.remote.note_attempt(None);
                    self.remote.reauthorize(resp, seen, msg.interactive).await?;
                    continue;
                }
                Ok(resp) if resp.status().is_server_error() => {
                    Fault::from_status(resp, &self.remote.url).await
                }
                Ok(resp) => {
                    self.remote.note_attempt(None);
                    self.remote.say_reached();
                    return Ok((resp, had_session));
                }
                Err(e) => Fault::from_reqwest(&e, &self.remote.url),
            };
            self.remote.note_attempt(Some(&fault));
            if attempt >= retries || !msg.retry {
                if attempt > 0 && fault.is_transient() {
                    self.remote.confirm_outage();
                }
                return Err(fault);
            }
            if !may_resend(msg.kind, msg.method.as_deref(), &fault) {
                // Said once, with the error the request gets (`failure_message`).
                return Err(fault);
            }
            // The server's answer (an error page, often) is said once, with the final error.
            self.remote.say_retrying(&fault, retries);
            tokio::time::sleep(backoff(attempt, Duration::from_millis(100))).await;
            attempt += 1;
        }
    }

    /// Lists the server's tools (stateless revision, with the call's `meta`) until `tool` is
    /// named or the list ends, for a client that calls a tool it did not list through this bridge:
    /// the call then gets the `Mcp-Param-*` headers its tool asks for, without which the server
    /// refuses it. The replies are read, not passed on; a listing that fails leaves the call to
    /// say why. One listing at a time: a call that waited for another's finds its tool known.
    async fn list_tools_before_call(
        self: &Arc<Self>,
        meta: &serde_json::Value,
        tool: &str,
        interactive: bool,
    ) {
        let _listing = self.listing.lock().await;
        if self.tool_headers.settled(tool) {
            return;
        }
        let mut cursor: Option<String> = None;
        for page in 0..modern::OWN_LIST_PAGES {
            let (id, bytes) = modern::list_request(meta, page, cursor.as_deref());
            let Ok(env) = jsonrpc::inspect(&bytes) else {
                return;
            };
            let list = Outgoing {
                interactive,
                ..Outgoing::new(Bytes::from(bytes.clone()), &env)
            };
            if Box::pin(self.post(&list, false)).await.is_err() {
                return;
            }
            match self.tool_headers.own_next_page(&id) {
                Some(Some(next)) if !self.tool_headers.knows(tool) => cursor = Some(next),
                _ => return,
            }
        }
    }

    /// Posts a client message, first waiting out a session renewal in progress (a message sent
    /// meanwhile would carry no session, or the dead one).
    async fn post_after_renewal(self: &Arc<Self>, msg: &Outgoing) -> Result<Posted, Fault> {
        drop(self.renewal.lock().await);
        self.post(msg, true).await
    }

    async fn post(self: &Arc<Self>, msg: &Outgoing, deliver: bool) -> Result<Posted, Fault> {
        if msg.kind == Kind::Request
            && msg.method.as_deref() == Some("tools/call")
            && let Some((meta, tool)) =
                modern::call_of_unlisted_tool(&msg.bytes, &self.tool_headers)
        {
            self.list_tools_before_call(&meta, &tool, msg.interactive)
                .await;
        }
        let routing = modern::routing_headers(&msg.bytes, &self.tool_headers);
        let (resp, had_session) = self.post_with_retries(msg, routing.as_ref()).await?;
        let status = resp.status();
        if had_session && session_lost(status) {
            if status == StatusCode::NOT_FOUND {
                return Ok(Posted::SessionLost);
            }
            // server-everything answers an unknown session with 400 and says so in the body.
            let fault = Fault::from_status(resp, &self.remote.url).await;
            if let Fault::Http { body, .. } = &fault
                && body.to_ascii_lowercase().contains("session")
            {
                return Ok(Posted::SessionLost);
            }
            return Err(fault);
        }
        if routing.is_some() && status.is_client_error() && msg.kind == Kind::Request {
            return self.stateless_refusal(resp, msg, deliver).await;
        }
        if !status.is_success() {
            return Err(Fault::from_status(resp, &self.remote.url).await);
        }
        if routing.is_some() && msg.kind == Kind::Request {
            self.lock().stateless = true;
        }
        if msg.is_initialize()
            && let Some(session) = resp
                .headers()
                .get(SESSION_HEADER)
                .and_then(|v| v.to_str().ok())
        {
            let mut st = self.lock();
            if st.session.as_deref() != Some(session) {
                st.get_last_event_id = None;
            }
            st.session = Some(session.to_owned());
        }
        if msg.kind != Kind::Request && msg.kind != Kind::Batch {
            // Notifications and responses: 202 (or any 2xx) with no body that matters; but a
            // web page from a server not heard speaking MCP is a web site, not an MCP server.
            if !self.lock().spoke_mcp && is_html_response(&resp) {
                let body = read_limited(resp, &self.remote.url).await?;
                if super::is_html(&body) {
                    return Err(super::web_page(&self.remote.url, &body, None));
                }
            }
            return Ok(Posted::Done);
        }
        if status == StatusCode::ACCEPTED || status == StatusCode::NO_CONTENT {
            // The reply will come on the GET stream.
            return Ok(Posted::Later);
        }
        let is_sse = is_event_stream(&resp);
        let mut reply = ReplyWatch::new(msg, deliver);
        reply.tools_list = routing.is_some() && msg.method.as_deref() == Some("tools/list");
        if is_sse {
            let mut cursor = StreamCursor::default();
            self.read_sse(resp, &mut reply, &mut cursor).await;
            let mut resumes = 0;
            while !reply.answered
                && !reply.too_large
                && cursor.last_event_id.is_some()
                && resumes < MAX_RESUMES
                && !self.lock().closed
            {
                tokio::time::sleep(cursor.retry.unwrap_or(DEFAULT_RETRY)).await;
                resumes += 1;
                let last = cursor.last_event_id.clone().unwrap_or_default();
                match self
                    .request(Method::GET)
                    .header(ACCEPT, "text/event-stream")
                    .header(LAST_EVENT_ID, last.as_str())
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        self.read_sse(r, &mut reply, &mut cursor).await;
                        // A resume that brought events counts as progress: a server that polls
                        // (it closes the stream every so often while the work goes on) is
                        // followed as long as it sends them; only resumes in a row that bring
                        // nothing give up. (The request's own deadline bounds the whole.)
                        if cursor.last_event_id.as_deref() != Some(last.as_str()) {
                            resumes = 0;
                        }
                    }
                    Ok(r) if r.status().is_server_error() => {}
                    // The stream broke and cannot be resumed: the server that had the
                    // request is gone (a restarted one does not know the session).
                    Ok(_) if reply.broken.is_some() => break,
                    Ok(r) => return Err(Fault::from_status(r, &self.remote.url).await),
                    Err(e) => {
                        let fault = Fault::from_reqwest(&e, &self.remote.url);
                        if !fault.is_transient() {
                            return Err(fault);
                        }
                    }
                }
            }
        } else {
            let body = read_limited(resp, &self.remote.url).await?;
            if super::is_html(&body) {
                let after_mcp = self.lock().spoke_mcp;
                let method = msg.method.as_deref().unwrap_or("a message");
                return Err(super::web_page(
                    &self.remote.url,
                    &body,
                    after_mcp.then_some(method),
                ));
            }
            // An empty 200 is one of the answers that say the reply comes on the GET stream
            // (as 202 and 204 are), not an answer that is not JSON-RPC.
            if body.iter().all(u8::is_ascii_whitespace) && msg.kind == Kind::Request {
                return Ok(Posted::Later);
            }
            self.deliver_line(&body, &mut reply);
        }
        if reply.answered || msg.kind == Kind::Batch {
            // A batch (2025-03-26) is passed on as it is; its replies are not paired here.
            Ok(Posted::Done)
        } else if self.lock().closed {
            // The bridge ended the session (its client stopped it): the server closing the
            // stream then is no fault of its own.
            Err(Fault::Stopped {
                url: display_url(&self.remote.url),
            })
        } else if reply.too_large {
            Err(too_large(&self.remote.url))
        } else if let Some(g) = &reply.garbage {
            Err(Fault::Protocol {
                url: display_url(&self.remote.url),
                detail: format!("answered with something that is not JSON-RPC: {g}"),
            })
        } else if let Some(detail) = &reply.broken {
            // Not a protocol fault: the connection went away under the reply.
            Err(Fault::Lost {
                url: display_url(&self.remote.url),
                detail: detail.clone(),
            })
        } else {
            Err(Fault::Protocol {
                url: display_url(&self.remote.url),
                detail: "closed the reply stream without answering".into(),
            })
        }
    }

    /// A 4xx to a request of the stateless revision. Such a server answers a request it refuses
    /// (an unknown method: 404; bad params, an unsupported version: 400) with its JSON-RPC
    /// error, which is passed on as the server's answer: the client reads its code and data
    /// (the versions the server speaks). A 4xx without one is a server of the handshake
    /// revisions only, which takes no such request ([`Fault::HandshakeOnly`]).
    async fn stateless_refusal(
        self: &Arc<Self>,
        resp: Response,
        msg: &Outgoing,
        deliver: bool,
    ) -> Result<Posted, Fault> {
        let status = resp.status();
        if matches!(status.as_u16(), 401 | 403 | 407 | 426) {
            return Err(Fault::from_status(resp, &self.remote.url).await);
        }
        let declined = status == reqwest::StatusCode::SERVICE_UNAVAILABLE
            && resp.headers().contains_key(reqwest::header::RETRY_AFTER);
        let body = read_limited(resp, &self.remote.url).await?;
        let ours = jsonrpc::inspect(&body)
            .is_ok_and(|env| env.kind == Kind::Error && env.id_key() == msg.id.as_deref());
        if ours {
            let mut reply = ReplyWatch::new(msg, deliver);
            self.deliver_line(&body, &mut reply);
            return Ok(Posted::Done);
        }
        if matches!(status.as_u16(), 400 | 404 | 405) {
            return Err(Fault::HandshakeOnly {
                url: display_url(&self.remote.url),
                status: status.as_u16(),
                method: msg.method.clone().unwrap_or_default(),
            });
        }
        Err(Fault::Http {
            status: status.as_u16(),
            url: display_url(&self.remote.url),
            body: super::error_summary(status.as_u16(), &body),
            declined,
        })
    }

    /// Reads an SSE stream, delivering each message event; remembers ids and `retry:`.
    async fn read_sse(
        self: &Arc<Self>,
        resp: Response,
        reply: &mut ReplyWatch,
        cursor: &mut StreamCursor,
    ) {
        let mut events = EventReader::new(resp);
        reply.broken = None;
        self.read_events(&mut events, reply, cursor).await;
        if reply.answered {
            // The reply is out. Read the stream to its end in the background so the connection
            // goes back to the pool (a dropped body closes it); anything the server still sends
            // on it is passed on.
            let this = Arc::clone(self);
            tokio::spawn(async move {
                let mut rest = ReplyWatch::none();
                let mut cursor = StreamCursor::default();
                let drain = this.read_events(&mut events, &mut rest, &mut cursor);
                let _ = tokio::time::timeout(DRAIN_BUDGET, drain).await;
            });
        }
    }

    /// Reads events until the stream ends or the watched reply has been delivered (or was too
    /// large to deliver). A broken connection is noted in `reply.broken`.
    async fn read_events(
        &self,
        events: &mut EventReader,
        reply: &mut ReplyWatch,
        cursor: &mut StreamCursor,
    ) {
        loop {
            let event = match events.next().await {
                Ok(Some(Item::Event(ev))) => ev,
                Ok(Some(Item::TooLarge { rpc_id })) => {
                    self.on_too_large(rpc_id.as_deref(), reply);
                    if reply.too_large {
                        return;
                    }
                    continue;
                }
                Ok(None) => return,
                Err(broken) => {
                    // A reply due on the stream fails with it, and says so once
                    // ([`Fault::Lost`]). The GET stream is opened again: news, unless the bridge
                    // is ending the session itself.
                    if reply.get_stream && !self.lock().closed {
                        self.remote.reporter.report(
                            Level::Info,
                            "stream-lost",
                            &format!(
                                "the connection for the server's own messages broke; opening it again ({})",
                                broken.0
                            ),
                        );
                    }
                    reply.broken = Some(broken.0);
                    return;
                }
            };
            let is_message = event.is_message();
            if let Some(id) = event.id {
                cursor.last_event_id = Some(id);
            }
            if let Some(retry) = event.retry {
                cursor.retry = Some(server_retry(retry));
            }
            match event.data {
                Some(data) if is_message && !data.trim_ascii().is_empty() => {
                    let line = super::sse_data_to_line(data);
                    self.deliver_line(&line, reply);
                    if reply.answered {
                        return;
                    }
                    // No more is read while the client is behind (see OUTBOX_LIMIT).
                    self.out.room().await;
                }
                _ => {}
            }
        }
    }

    /// An event past the size limit was dropped: the request it answered fails, in words.
    fn on_too_large(&self, rpc_id: Option<&str>, reply: &mut ReplyWatch) {
        let ours = match (rpc_id, reply.id.as_deref()) {
            (Some(id), Some(watched)) => id == watched,
            // No id could be read: on a POST stream it is taken for the reply.
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let failed =
            ours || rpc_id.is_some_and(|id| self.waiters.fail(id, too_large(&self.remote.url)));
        if ours {
            reply.too_large = true;
        }
        // The reply to a request is said once, as that request's error.
        if !failed {
            self.remote.reporter.report(
                Level::Warn,
                crate::diagnose::codes::MESSAGE_TOO_LARGE,
                &dropped_too_large(rpc_id),
            );
        }
    }

    /// Passes one server message on, unless it is the hidden reply of a replayed initialize.
    fn deliver_line(&self, line: &[u8], reply: &mut ReplyWatch) {
        match jsonrpc::inspect(line) {
            Ok(env) => self.deliver_message(line, &env, reply),
            Err(_) => match super::repair_utf8(line, &self.remote.reporter) {
                Some(repaired) => {
                    if let Ok(env) = jsonrpc::inspect(&repaired) {
                        self.deliver_message(&repaired, &env, reply);
                    }
                }
                None => {
                    let shown = snippet(line);
                    self.remote.reporter.not_json_rpc(&shown);
                    reply.garbage = Some(shown);
                }
            },
        }
    }

    fn deliver_message(&self, line: &[u8], env: &Envelope<'_>, reply: &mut ReplyWatch) {
        let is_our_reply = match env.kind {
            k if k.is_reply() => reply.id.is_some() && env.id_key() == reply.id.as_deref(),
            _ => false,
        };
        if env.kind.is_reply()
            && let Some(id) = env.id_key()
        {
            self.waiters.settle(id);
        }
        if is_our_reply {
            reply.answered = true;
            self.lock().spoke_mcp = true;
            if reply.tools_list && env.kind == Kind::Response {
                self.tool_headers.learn(line);
            }
            if reply.initialize && env.kind == Kind::Response {
                let negotiated = jsonrpc::initialize_protocol_version(line);
                let mut st = self.lock();
                if self.version_override.is_none() {
                    st.protocol = negotiated;
                }
            }
            if !reply.deliver {
                return;
            }
        }
        let _ = self.out.send(line.to_vec());
    }

    /// Starts the GET stream for server-initiated messages, once per transport.
    fn start_get_stream(self: &Arc<Self>) {
        {
            let mut st = self.lock();
            if st.get_stream_started {
                return;
            }
            st.get_stream_started = true;
        }
        let this = Arc::clone(self);
        tokio::spawn(async move { this.run_get_stream().await });
    }

    async fn run_get_stream(self: Arc<Self>) {
        self.get_stream_loop().await;
        self.lock().get_stream_started = false;
    }

    async fn get_stream_loop(self: &Arc<Self>) {
        let mut failures = 0u32;
        // The token generation a refusal of this stream was last answered with.
        let mut reauthorized = None;
        // A resumption refused (its status), to be said once the stream is open again.
        let mut not_resumed = None;
        let mut said_not_resumed = false;
        loop {
            if self.lock().closed {
                return;
            }
            if let Some(auth) = &self.remote.auth {
                auth.before_request().await;
            }
            let seen = self.remote.auth.as_ref().map_or(0, |a| a.generation());
            let last = self.lock().get_last_event_id.clone();
            let resuming = last.is_some();
            let mut req = self
                .request(Method::GET)
                .header(ACCEPT, "text/event-stream");
            if let Some(last) = last {
                req = req.header(LAST_EVENT_ID, last);
            }
            let mut cursor = StreamCursor::default();
            let mut asked_wait = None;
            match req.send().await {
                Ok(resp) if resp.status().is_success() && !is_event_stream(&resp) => return,
                Ok(resp) if resp.status().is_success() => {
                    failures = 0;
                    // Said once the stream is open again, and once a session: a server that
                    // closes its stream at every poll would otherwise say it all day.
                    if let Some(status) = not_resumed.take()
                        && !said_not_resumed
                    {
                        said_not_resumed = true;
                        self.remote.reporter.report(
                            Level::Warn,
                            "stream-not-resumed",
                            &format!(
                                "the server could not resume its event stream where it broke (HTTP {status}); opened it again from now: what it sent meanwhile is lost"
                            ),
                        );
                    }
                    // Taken with this token: a later refusal (the token expired since) gets its
                    // own try at a fresh one.
                    reauthorized = None;
                    let mut watch = ReplyWatch::none();
                    watch.get_stream = true;
                    self.read_sse(resp, &mut watch, &mut cursor).await;
                    if let Some(id) = cursor.last_event_id.take() {
                        self.lock().get_last_event_id = Some(id);
                    }
                }
                // Refused as a resumption (a replica, or an event store, that no longer has the
                // event to resume from): opened again from now, rather than given up for the
                // rest of the session with every notification and request of the server's.
                Ok(resp)
                    if resuming
                        && is_no_stream(resp.status())
                        && resp.status() != StatusCode::METHOD_NOT_ALLOWED =>
                {
                    self.lock().get_last_event_id = None;
                    not_resumed = Some(resp.status().as_u16());
                    continue;
                }
                Ok(resp) if is_no_stream(resp.status()) => return,
                Ok(resp) if resp.status().is_server_error() => failures += 1,
                // An expired token (the POSTs refresh theirs as they go, but this stream may be
                // the only traffic): refreshed, never a sign-in, which is left to the client's
                // next request, and once per token. Refused again with the token it got, or with
                // no token to be had, the stream is given up as before: a server that refuses
                // this GET whatever the token (a gateway that does not route it) must not get a
                // refresh and a GET every few seconds for the rest of the session.
                Ok(resp)
                    if self.remote.auth.is_some()
                        && matches!(resp.status().as_u16(), 401 | 403) =>
                {
                    if reauthorized == Some(seen)
                        || self.remote.reauthorize(resp, seen, false).await.is_err()
                    {
                        return;
                    }
                    reauthorized = self.remote.auth.as_ref().map(|a| a.generation());
                    failures += 1;
                }
                // A server that allows one stream per session while it still holds the one
                // that broke (409, the Python SDK's answer), or that limits how often it is
                // asked (429): neither means there is no stream, only not now.
                Ok(resp) if matches!(resp.status().as_u16(), 408 | 409 | 425 | 429) => {
                    failures += 1;
                    asked_wait = retry_after(resp.headers());
                }
                Ok(_) => return,
                Err(_) => failures += 1,
            }
            let pause = match cursor.retry {
                Some(retry) if failures == 0 => retry,
                _ => backoff(failures.min(8), Duration::from_millis(250))
                    .max(asked_wait.unwrap_or_default()),
            };
            tokio::time::sleep(pause).await;
        }
    }

    /// Ends the session: DELETE (405 is fine), bounded by `wait`.
    pub async fn close(&self, wait: Duration) {
        let session = {
            let mut st = self.lock();
            st.closed = true;
            st.session.clone()
        };
        if session.is_some() {
            let text = match tokio::time::timeout(wait, self.request(Method::DELETE).send()).await {
                Ok(Ok(resp)) => session_end(resp.status()),
                Ok(Err(e)) if e.is_connect() => {
                    "session left to the server to end (it could not be reached to be told)".into()
                }
                Ok(Err(_)) | Err(_) => {
                    "session left to the server to end (it did not answer when told it is over)"
                        .into()
                }
            };
            self.remote
                .reporter
                .report(Level::Info, "session-closed", &text);
        }
    }
}

/// How the end of a session reads, from the server's answer to its `DELETE`.
fn session_end(status: StatusCode) -> String {
    match status.as_u16() {
        200..=299 => "session ended".into(),
        404 => "session ended (the server had already forgotten it)".into(),
        // The spec lets a server refuse to end sessions on a client's word.
        405 => "session left to the server to end (it does not let clients end sessions)".into(),
        other => format!(
            "session left to the server to end (it answered HTTP {other} when told it is over)"
        ),
    }
}

fn is_event_stream(resp: &Response) -> bool {
    super::content_type_is(resp.headers(), "text/event-stream")
}

fn is_html_response(resp: &Response) -> bool {
    super::content_type_is(resp.headers(), "text/html")
}

/// A `Retry-After` in seconds (RFC 9110 §10.2.3), taken up to a minute as a server's `retry:`
/// is ([`server_retry`]); its date form is left to the back-off.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY))
}

fn session_lost(status: StatusCode) -> bool {
    status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST
}

fn is_no_stream(status: StatusCode) -> bool {
    matches!(status.as_u16(), 400 | 404 | 405 | 406)
}

/// Reads a whole body, refusing one past [`MAX_MESSAGE_BYTES`].
async fn read_limited(resp: Response, url: &reqwest::Url) -> Result<Vec<u8>, Fault> {
    let mut body = super::body_up_to(resp, MAX_MESSAGE_BYTES)
        .await
        .map_err(|cut| match cut {
            // The server answered, then the connection broke under its body: a lost
            // connection, whose reply cannot come.
            super::BodyCut::Broken(e) => match Fault::from_reqwest(&e, url) {
                Fault::Network { url, detail } => Fault::Lost { url, detail },
                other => other,
            },
            super::BodyCut::TooLarge => too_large(url),
        })?;
    // A JSON body may end with a newline; one message per body.
    while body.last().is_some_and(|b| b.is_ascii_whitespace()) {
        body.pop();
    }
    Ok(body)
}

/// Where an SSE stream can be resumed from.
#[derive(Default)]
struct StreamCursor {
    last_event_id: Option<String>,
    retry: Option<Duration>,
}

/// Watches a POST's stream for the reply to its request.
struct ReplyWatch {
    id: Option<String>,
    deliver: bool,
    initialize: bool,
    answered: bool,
    garbage: Option<String>,
    /// The reply was an event past the size limit, dropped.
    too_large: bool,
    /// How the connection of the last stream read broke, if it did.
    broken: Option<String>,
    /// A `tools/list` of the stateless revision: its reply says which arguments go in headers.
    tools_list: bool,
    /// The GET stream for the server's own messages, which is opened again when it breaks.
    get_stream: bool,
}

impl ReplyWatch {
    fn new(msg: &Outgoing, deliver: bool) -> ReplyWatch {
        ReplyWatch {
            id: msg.id.clone(),
            deliver,
            initialize: msg.is_initialize(),
            answered: false,
            garbage: None,
            too_large: false,
            broken: None,
            tools_list: false,
            get_stream: false,
        }
    }

    /// For the GET stream: no reply expected, deliver everything.
    fn none() -> ReplyWatch {
        ReplyWatch {
            id: None,
            deliver: true,
            initialize: false,
            answered: false,
            garbage: None,
            too_large: false,
            broken: None,
            tools_list: false,
            get_stream: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_servers_retry_is_taken_up_to_a_minute() {
        assert_eq!(server_retry(1500), Duration::from_millis(1500));
        // `retry: 999999999999` would have stopped the stream for about 31 years.
        assert_eq!(server_retry(999_999_999_999), MAX_RETRY);
        assert_eq!(server_retry(u64::MAX), MAX_RETRY);
    }

    #[test]
    fn a_retry_after_in_seconds_is_taken_up_to_a_minute_and_its_date_form_is_not() {
        let after = |value: &str| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                reqwest::header::RETRY_AFTER,
                value.parse().expect("header value"),
            );
            retry_after(&headers)
        };
        assert_eq!(after("3"), Some(Duration::from_secs(3)));
        assert_eq!(after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(after("86400"), Some(MAX_RETRY));
        assert_eq!(after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(after("-1"), None);
        assert_eq!(retry_after(&reqwest::header::HeaderMap::new()), None);
    }
}
