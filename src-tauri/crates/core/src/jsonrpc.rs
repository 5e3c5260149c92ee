//! The raw JSON-RPC envelope: what a shim may read from a message without changing it.
//!
//! The bridge and the tap forward every message as the bytes it arrived as. This module reads the
//! few things they need (`id`, `method`, whether it is a request, notification, response or error,
//! and the initialize result's `protocolVersion`) straight from those bytes, borrowing from them.
//! It must never re-serialise a message that is forwarded: unknown fields, `_meta`, key order and
//! number formatting all pass untouched. The only JSON it writes is the bridge's own error replies.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// JSON-RPC "Parse error": the line was not JSON (or not UTF-8).
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC "Invalid Request": JSON, but not a JSON-RPC message.
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC "Internal error": what the bridge answers when the far side failed.
pub const INTERNAL_ERROR: i64 = -32603;
/// MCP's "Request timed out" (the SDKs' `ErrorCode.RequestTimeout`): what a client answers itself
/// when it stops waiting, and what the bridge answers for a request its server did not answer in
/// time, so that a client reads it as the timeout it is.
pub const REQUEST_TIMEOUT: i64 = -32001;

/// What a message is, as far as routing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Has `method` and `id`: expects exactly one response.
    Request,
    /// Has `method`, no `id`.
    Notification,
    /// Has `result`.
    Response,
    /// Has `error`.
    Error,
    /// A JSON array (allowed under 2025-03-26 only); forwarded as it is.
    Batch,
}

impl Kind {
    /// The word used in journals and the traffic view.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Notification => "notification",
            Kind::Response => "response",
            Kind::Error => "error",
            Kind::Batch => "batch",
        }
    }

    /// A response or an error: something that answers a request.
    pub fn is_reply(self) -> bool {
        matches!(self, Kind::Response | Kind::Error)
    }
}

/// What was read from one message. Borrows from the message bytes.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub kind: Kind,
    /// The id exactly as written (`1`, `"abc"`); `None` when absent or `null`.
    pub id: Option<&'a RawValue>,
    /// Borrowed from the message unless it holds escapes.
    pub method: Option<Cow<'a, str>>,
}

impl Envelope<'_> {
    /// The id's JSON text, used as the key that pairs a request with its reply.
    pub fn id_key(&self) -> Option<&str> {
        self.id.map(|id| id.get())
    }
}

/// The `requestId` of a `notifications/cancelled` (its JSON text, as [`Envelope::id_key`] gives
/// a request's id); `None` for any other message, or one without it.
pub fn cancelled_request_id(line: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Note<'a> {
        #[serde(borrow)]
        method: Option<Text<'a>>,
        #[serde(borrow)]
        params: Option<Params<'a>>,
    }
    #[derive(Deserialize)]
    struct Params<'a> {
        #[serde(borrow, rename = "requestId")]
        request_id: Option<&'a RawValue>,
    }
    let note: Note<'_> = serde_json::from_slice(line).ok()?;
    if note.method.as_ref().map(|m| m.0.as_ref()) != Some("notifications/cancelled") {
        return None;
    }
    note.params?
        .request_id
        .map(|id| id.get().to_owned())
        .filter(|id| id != "null")
}

/// Why a line is not a JSON-RPC message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalid {
    /// Not JSON, or not UTF-8: answer -32700 with a null id.
    NotJson(String),
    /// JSON, but neither request, notification nor reply: answer -32600.
    NotJsonRpc,
}

#[derive(Deserialize)]
struct Shape<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    method: Option<Text<'a>>,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<&'a RawValue>,
}

/// A string borrowed from the message when it holds no escapes. (serde's own `Cow<str>` always
/// copies when it sits inside an `Option`: one allocation per message for `method`.)
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(Visit)
    }
}

/// [`inspect`], reading bytes that are not UTF-8 the way the client's JSON parser does (as
/// U+FFFD): a message with a stray byte inside a string is still that message, to be forwarded as
/// the bytes it is. `spare` holds the decoded text while the envelope borrows from it; it is only
/// filled for such a message.
pub fn inspect_lossy<'a>(bytes: &'a [u8], spare: &'a mut String) -> Result<Envelope<'a>, Invalid> {
    match inspect(bytes) {
        Err(invalid) if std::str::from_utf8(bytes).is_err() => {
            *spare = String::from_utf8_lossy(bytes).into_owned();
            let text: &'a String = spare;
            inspect(text.as_bytes()).map_err(|_| invalid)
        }
        read => read,
    }
}

/// Reads the envelope of one message (one line without its newline).
pub fn inspect(bytes: &[u8]) -> Result<Envelope<'_>, Invalid> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        // A batch: validate it is JSON, forward it as it is.
        return match serde_json::from_slice::<&RawValue>(bytes) {
            // JSON-RPC 2.0: an empty batch is one invalid request, owed one -32600.
            Ok(raw)
                if raw
                    .get()
                    .strip_prefix('[')
                    .and_then(|r| r.strip_suffix(']'))
                    .is_some_and(|inner| inner.trim().is_empty()) =>
            {
                Err(Invalid::NotJsonRpc)
            }
            Ok(_) => Ok(Envelope {
                kind: Kind::Batch,
                id: None,
                method: None,
            }),
            Err(e) => Err(Invalid::NotJson(e.to_string())),
        };
    }
    let shape: Shape<'_> = match serde_json::from_slice(bytes) {
        Ok(shape) => shape,
        Err(e) if e.is_data() => return Err(Invalid::NotJsonRpc),
        Err(e) => return Err(Invalid::NotJson(e.to_string())),
    };
    let id = shape.id.filter(|id| id.get() != "null");
    let method = shape.method.map(|m| m.0);
    let kind = match (&method, id, shape.result, shape.error) {
        (Some(_), Some(_), _, _) => Kind::Request,
        (Some(_), None, _, _) => Kind::Notification,
        (None, _, _, Some(_)) => Kind::Error,
        // `"result": null` reads as absent; an id without a method is still a reply.
        (None, Some(_), _, None) | (None, None, Some(_), None) => Kind::Response,
        (None, None, None, None) => return Err(Invalid::NotJsonRpc),
    };
    Ok(Envelope { kind, id, method })
}

/// The `protocolVersion` of an initialize result, when the message is one.
pub fn initialize_protocol_version(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Reply<'a> {
        #[serde(borrow)]
        result: Option<InitResult<'a>>,
    }
    #[derive(Deserialize)]
    struct InitResult<'a> {
        #[serde(borrow, rename = "protocolVersion")]
        protocol_version: Option<std::borrow::Cow<'a, str>>,
    }
    let reply: Reply<'_> = serde_json::from_slice(bytes).ok()?;
    reply.result?.protocol_version.map(|v| v.into_owned())
}

/// A JSON-RPC error reply written by the shim itself. `id` is the request's id text verbatim
/// (`None` writes `null`); `diagnosis` is a stable code from [`crate::diagnose::codes`].
pub fn error_reply(id: Option<&str>, code: i64, message: &str, diagnosis: Option<&str>) -> Vec<u8> {
    let id = id.unwrap_or("null");
    let message = serde_json::Value::from(message).to_string();
    let data = match diagnosis {
        Some(d) => format!(r#","data":{{"diagnosis":{}}}"#, serde_json::Value::from(d)),
        None => String::new(),
    };
    format!(r#"{{"jsonrpc":"2.0","id":{id},"error":{{"code":{code},"message":{message}{data}}}}}"#)
        .into_bytes()
}

/// The `notifications/initialized` a shim sends when it replays a session's handshake.
pub const INITIALIZED_NOTIFICATION: &[u8] =
    br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_byte_inside_a_string_leaves_a_message_a_message() {
        let reply = b"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"text\":\"\xff\xfe raw\"}}";
        assert!(inspect(reply).is_err(), "serde_json refuses it");
        let mut spare = String::new();
        let env = inspect_lossy(reply, &mut spare).expect("read as Claude reads it");
        assert_eq!(env.kind, Kind::Response);
        assert_eq!(env.id_key(), Some("2"));
        // Text that is not JSON stays not JSON, whatever its bytes.
        let mut spare = String::new();
        assert!(inspect_lossy(b"banner \xff", &mut spare).is_err());
        // Valid UTF-8 takes the plain path and never fills the spare.
        let mut spare = String::new();
        assert!(inspect_lossy(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#, &mut spare).is_ok());
        assert!(spare.is_empty());
    }

    #[test]
    fn an_empty_batch_is_an_invalid_request_and_a_batch_of_anything_is_a_batch() {
        assert!(matches!(inspect(b"[]"), Err(Invalid::NotJsonRpc)));
        assert!(matches!(inspect(b" [ \t] "), Err(Invalid::NotJsonRpc)));
        assert_eq!(inspect(b"[[]]").expect("a batch").kind, Kind::Batch);
        assert_eq!(
            inspect(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
                .expect("a batch")
                .kind,
            Kind::Batch
        );
    }

    #[test]
    fn inspect_reads_request_id_verbatim() {
        let env = inspect(br#"{"jsonrpc":"2.0","id":"a\"b","method":"tools/call","params":{}}"#)
            .expect("valid");
        assert_eq!(env.kind, Kind::Request);
        assert_eq!(env.id_key(), Some(r#""a\"b""#));
        assert_eq!(env.method.as_deref(), Some("tools/call"));
    }

    #[test]
    fn a_method_is_borrowed_from_the_message_unless_it_holds_escapes() {
        let plain = inspect(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call"}"#).expect("plain");
        assert!(matches!(plain.method, Some(Cow::Borrowed("tools/call"))));
        let escaped =
            inspect(br#"{"jsonrpc":"2.0","id":1,"method":"tools\/call"}"#).expect("escaped");
        assert!(matches!(escaped.method.as_deref(), Some("tools/call")));
        assert!(matches!(escaped.method, Some(Cow::Owned(_))));
        // Not a string: JSON, but not JSON-RPC.
        assert_eq!(
            inspect(br#"{"jsonrpc":"2.0","id":1,"method":7}"#).err(),
            Some(Invalid::NotJsonRpc)
        );
    }

    #[test]
    fn inspect_tells_notifications_responses_and_errors_apart() {
        let n = inspect(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).expect("n");
        assert_eq!(n.kind, Kind::Notification);
        let r = inspect(br#"{"jsonrpc":"2.0","id":7,"result":{}}"#).expect("r");
        assert_eq!((r.kind, r.id_key()), (Kind::Response, Some("7")));
        let e =
            inspect(br#"{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"x"}}"#).expect("e");
        assert_eq!((e.kind, e.id_key()), (Kind::Error, None));
        let b = inspect(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#).expect("b");
        assert_eq!(b.kind, Kind::Batch);
    }

    #[test]
    fn inspect_refuses_garbage_and_invalid_utf8() {
        assert!(matches!(inspect(b"hello"), Err(Invalid::NotJson(_))));
        assert!(matches!(
            inspect(b"{\"method\":\"\xff\xfe\"}"),
            Err(Invalid::NotJson(_))
        ));
        assert_eq!(inspect(br#"{"foo":1}"#).err(), Some(Invalid::NotJsonRpc));
        assert_eq!(inspect(b"42").err(), Some(Invalid::NotJsonRpc));
    }

    #[test]
    fn error_reply_keeps_id_and_escapes_message() {
        let reply = error_reply(
            Some("\"x\""),
            INTERNAL_ERROR,
            "refused \"here\"",
            Some("timeout"),
        );
        let v: serde_json::Value = serde_json::from_slice(&reply).expect("json");
        assert_eq!(v["id"], "x");
        assert_eq!(v["error"]["message"], "refused \"here\"");
        assert_eq!(v["error"]["data"]["diagnosis"], "timeout");
        let v: serde_json::Value =
            serde_json::from_slice(&error_reply(None, PARSE_ERROR, "bad", None)).expect("json");
        assert!(v["id"].is_null());
    }

    #[test]
    fn protocol_versions_are_read_from_initialize() {
        let res = br#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","capabilities":{}}}"#;
        assert_eq!(
            initialize_protocol_version(res).as_deref(),
            Some("2025-06-18")
        );
        assert_eq!(
            initialize_protocol_version(br#"{"id":1,"result":[]}"#),
            None
        );
    }
}
