//! The stateless revision of MCP (2026-07-28) over HTTP: each request is a POST of its own, with
//! no session and no `initialize`, that names its protocol version in `params._meta` and repeats
//! what a router needs in headers (SEP-2243): `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`
//! (the tool, prompt or resource it is about) and, for a `tools/call`, one `Mcp-Param-<token>` per
//! argument whose property the tool's input schema marks with `x-mcp-header`. A server answers
//! a request whose headers disagree with its body with an error, so the bridge writes them from
//! the message itself. The message's bytes are sent as they came.
//!
//! Over stdio the client sends the same messages without headers: the bridge is where they are
//! added. A client tells which revision it speaks by the messages themselves (the Python SDK's
//! `server/discover` first, then `initialize` if refused), so a message of the older revisions
//! gets none of these headers, and one of this revision none of the session's.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

/// The key of `params._meta` that names a stateless request's protocol version.
const VERSION_META_KEY: &str = "io.modelcontextprotocol/protocolVersion";
/// The protocol's own keys of `params._meta` (the version, the client's capabilities and info).
const PROTOCOL_META_PREFIX: &str = "io.modelcontextprotocol/";
const METHOD_HEADER: &str = "mcp-method";
const NAME_HEADER: &str = "mcp-name";
const PARAM_HEADER_PREFIX: &str = "mcp-param-";
/// The schema annotation that mirrors a tool's argument into a header.
const X_MCP_HEADER: &str = "x-mcp-header";

/// The method whose params name what it is about, and that param's key.
fn name_key(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        _ => None,
    }
}

/// Whether a client message is of the stateless revision (its `params._meta` names a protocol
/// version).
pub fn is_stateless(msg: &[u8]) -> bool {
    routing_headers(msg, &ToolHeaders::default()).is_some()
}

/// The headers a message of the stateless revision is POSTed with, or `None` when it is not one
/// (no protocol version in `params._meta`): a message of the handshake revisions, a response,
/// a batch. `tools` gives a `tools/call` its `Mcp-Param-*` headers.
pub(crate) fn routing_headers(msg: &[u8], tools: &ToolHeaders) -> Option<HeaderMap> {
    // Most messages are of the older revisions: those are not parsed again here.
    memchr::memmem::find(msg, VERSION_META_KEY.as_bytes())?;
    let value: Value = serde_json::from_slice(msg).ok()?;
    let method = value.get("method")?.as_str()?;
    let params = value.get("params")?;
    let version = params.get("_meta")?.get(VERSION_META_KEY)?.as_str()?;
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static(super::http::VERSION_HEADER),
        HeaderValue::from_str(version).ok()?,
    );
    headers.insert(
        HeaderName::from_static(METHOD_HEADER),
        HeaderValue::from_str(&header_text(method)).ok()?,
    );
    let name = name_key(method)
        .and_then(|key| params.get(key))
        .and_then(Value::as_str);
    if let Some(name) = name {
        if let Ok(value) = HeaderValue::from_str(&header_text(name)) {
            headers.insert(HeaderName::from_static(NAME_HEADER), value);
        }
        if method == "tools/call"
            && let Some(arguments) = params.get("arguments")
        {
            for (header, value) in tools.params_of(name, arguments) {
                headers.insert(header, value);
            }
        }
    }
    Some(headers)
}

/// A header's value as the revision writes one: printable ASCII without space at either end as
/// it is, anything else (non-ASCII, control characters, edge spaces, or text that reads like the
/// wrapper itself) as `=?base64?…?=` of its UTF-8.
fn header_text(value: &str) -> String {
    let plain = value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && value.trim() == value
        && !(value.starts_with("=?base64?") && value.ends_with("?="));
    if plain {
        value.to_owned()
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
        format!("=?base64?{encoded}?=")
    }
}

/// A scalar argument as its header carries it: a string as it is, `true`/`false`, a number as
/// written; `None` for what has no header form (null, objects, lists).
fn argument_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match n.as_f64() {
            // Written as a float (`2.0`): Python, which checks the header, writes it so.
            Some(f) if !n.is_i64() && !n.is_u64() => format!("{f:?}"),
            _ => n.to_string(),
        }),
        _ => None,
    }
}

/// An annotated property of a tool's input: its path through `properties`, and its header token.
type Annotated = (Vec<String>, String);

/// The id prefix of the `tools/list` requests the bridge sends of its own ([`list_request`]).
const OWN_LIST_ID: &str = "mcp-tray-tools-list-";

/// At most this many pages of the bridge's own listing before a call ([`list_request`]).
pub(crate) const OWN_LIST_PAGES: usize = 16;

/// Which arguments of each tool go into `Mcp-Param-*` headers, learnt from the `tools/list`
/// replies the bridge passes on.
#[derive(Default)]
pub(crate) struct ToolHeaders {
    tools: Mutex<HashMap<String, Vec<Annotated>>>,
    /// A listing was read to its last page: a tool it did not name has no annotations to learn.
    complete: AtomicBool,
    /// The `nextCursor` of the last reply to the bridge's own listing, by request id.
    own_cursors: Mutex<HashMap<String, Option<String>>>,
}

/// A `tools/call` of the stateless revision whose tool no listing seen so far has named (a
/// client that kept the list from an earlier connection calls without listing): the protocol's
/// keys of its `_meta` (version, client capabilities…, which every request of the revision
/// carries), and the tool's name. `None` for anything else, or once a whole listing was read.
pub(crate) fn call_of_unlisted_tool(msg: &[u8], tools: &ToolHeaders) -> Option<(Value, String)> {
    // Most calls come after a whole listing: not parsed again here.
    if tools.complete.load(Ordering::Relaxed) {
        return None;
    }
    memchr::memmem::find(msg, VERSION_META_KEY.as_bytes())?;
    let value: Value = serde_json::from_slice(msg).ok()?;
    if value.get("method")?.as_str()? != "tools/call" {
        return None;
    }
    let params = value.get("params")?;
    let meta = params.get("_meta")?.as_object()?;
    meta.get(VERSION_META_KEY)?.as_str()?;
    let tool = params.get("name")?.as_str()?;
    if tools.settled(tool) {
        return None;
    }
    // Not a progress token or anything else of this one call's.
    let envelope: serde_json::Map<String, Value> = meta
        .iter()
        .filter(|(key, _)| key.starts_with(PROTOCOL_META_PREFIX))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Some((Value::Object(envelope), tool.to_owned()))
}

/// The bridge's own `tools/list` request of the stateless revision (page `n`, from `cursor`,
/// with the call's protocol `_meta`), sent before a call of a tool it has not seen listed, so
/// that the call gets its `Mcp-Param-*` headers; its reply is read here, never passed to the
/// client.
pub(crate) fn list_request(meta: &Value, n: usize, cursor: Option<&str>) -> (String, Vec<u8>) {
    let id = format!("{OWN_LIST_ID}{n}");
    let mut params = serde_json::json!({ "_meta": meta });
    if let Some(cursor) = cursor {
        params["cursor"] = Value::from(cursor);
    }
    let request =
        serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": params});
    (id, request.to_string().into_bytes())
}

impl ToolHeaders {
    /// Reads a `tools/list` reply: the annotated properties of every tool it lists (a tool with
    /// none is remembered as such; pages add to what earlier ones said).
    pub(crate) fn learn(&self, reply: &[u8]) {
        let Ok(value) = serde_json::from_slice::<Value>(reply) else {
            return;
        };
        let Some(tools) = value.pointer("/result/tools").and_then(Value::as_array) else {
            return;
        };
        let next = value
            .pointer("/result/nextCursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if next.is_none() {
            self.complete.store(true, Ordering::Relaxed);
        }
        if let Some(id) = value.get("id").and_then(Value::as_str)
            && id.starts_with(OWN_LIST_ID)
        {
            let mut cursors = self.own_cursors.lock().unwrap_or_else(|p| p.into_inner());
            cursors.insert(id.to_owned(), next);
        }
        let mut known = self.tools.lock().unwrap_or_else(|p| p.into_inner());
        for tool in tools {
            let Some(name) = tool.get("name").and_then(Value::as_str) else {
                continue;
            };
            let mut annotated = Vec::new();
            if let Some(schema) = tool.get("inputSchema") {
                annotated_properties(schema, &mut Vec::new(), &mut annotated);
            }
            known.insert(name.to_owned(), annotated);
        }
    }

    /// Whether `tool` was named by a listing.
    pub(crate) fn knows(&self, tool: &str) -> bool {
        let known = self.tools.lock().unwrap_or_else(|p| p.into_inner());
        known.contains_key(tool)
    }

    /// Whether the listings seen tell all there is to know of `tool`: they named it, or one was
    /// read to its end.
    pub(crate) fn settled(&self, tool: &str) -> bool {
        self.complete.load(Ordering::Relaxed) || self.knows(tool)
    }

    /// The next page of the bridge's own listing `id` (`Some(None)`: that was the last page;
    /// `None`: no reply to it was read).
    pub(crate) fn own_next_page(&self, id: &str) -> Option<Option<String>> {
        let mut cursors = self.own_cursors.lock().unwrap_or_else(|p| p.into_inner());
        cursors.remove(id)
    }

    /// The `Mcp-Param-*` headers of a call of `tool` with `arguments`: one per annotated
    /// property that has a value with a header form.
    fn params_of(&self, tool: &str, arguments: &Value) -> Vec<(HeaderName, HeaderValue)> {
        let known = self.tools.lock().unwrap_or_else(|p| p.into_inner());
        let Some(annotated) = known.get(tool) else {
            return Vec::new();
        };
        annotated
            .iter()
            .filter_map(|(path, token)| {
                let value = path.iter().try_fold(arguments, |node, key| node.get(key))?;
                let text = argument_text(value)?;
                let name =
                    HeaderName::from_bytes(format!("{PARAM_HEADER_PREFIX}{token}").as_bytes())
                        .ok()?;
                Some((name, HeaderValue::from_str(&header_text(&text)).ok()?))
            })
            .collect()
    }
}

/// Collects the `x-mcp-header` tokens of `schema`'s properties, nested through `properties`
/// only (an annotation under `items`, `anyOf`… names no single value), with their paths.
fn annotated_properties(schema: &Value, path: &mut Vec<String>, found: &mut Vec<Annotated>) {
    // Schemas nest as deep as a server writes them; arguments nest no deeper than this in practice.
    if path.len() > 32 {
        return;
    }
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (key, property) in properties {
        path.push(key.clone());
        if let Some(token) = property.get(X_MCP_HEADER).and_then(Value::as_str) {
            found.push((path.clone(), token.to_owned()));
        }
        annotated_properties(property, path, found);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(headers: &HeaderMap, name: &str) -> Option<String> {
        headers
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_owned())
    }

    const META: &str = r#""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#;

    #[test]
    fn a_stateless_request_is_routed_by_its_version_method_and_name() {
        let tools = ToolHeaders::default();
        let call = format!(
            r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{"name":"add",{META},"arguments":{{"a":1}}}}}}"#
        );
        let headers = routing_headers(call.as_bytes(), &tools).expect("stateless");
        assert_eq!(
            header(&headers, "mcp-protocol-version").as_deref(),
            Some("2026-07-28")
        );
        assert_eq!(
            header(&headers, "mcp-method").as_deref(),
            Some("tools/call")
        );
        assert_eq!(header(&headers, "mcp-name").as_deref(), Some("add"));
        assert_eq!(headers.len(), 3);

        let read = format!(
            r#"{{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{{{META},"uri":"file:///notes/é.txt"}}}}"#
        );
        let headers = routing_headers(read.as_bytes(), &tools).expect("stateless");
        // Not ASCII: wrapped, so that the server reads back the same text.
        assert_eq!(
            header(&headers, "mcp-name").as_deref(),
            Some("=?base64?ZmlsZTovLy9ub3Rlcy/DqS50eHQ=?=")
        );

        let discover =
            format!(r#"{{"jsonrpc":"2.0","id":0,"method":"server/discover","params":{{{META}}}}}"#);
        let headers = routing_headers(discover.as_bytes(), &tools).expect("stateless");
        assert_eq!(
            header(&headers, "mcp-method").as_deref(),
            Some("server/discover")
        );
        assert_eq!(header(&headers, "mcp-name"), None);
    }

    #[test]
    fn messages_of_the_handshake_revisions_get_no_routing_headers() {
        let tools = ToolHeaders::default();
        for msg in [
            r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{},"_meta":{"progressToken":1}}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":{}}"#,
            // The key's text inside a string is not a version.
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"io.modelcontextprotocol/protocolVersion"}}}"#,
        ] {
            assert!(routing_headers(msg.as_bytes(), &tools).is_none(), "{msg}");
        }
    }

    #[test]
    fn a_call_of_a_tool_no_listing_named_asks_for_a_listing_with_the_calls_protocol_meta() {
        let tools = ToolHeaders::default();
        let call = |tool: &str| {
            format!(
                r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{"_meta":{{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{{}},"progressToken":7}},"name":"{tool}","arguments":{{}}}}}}"#
            )
        };
        let (meta, tool) =
            call_of_unlisted_tool(call("deploy").as_bytes(), &tools).expect("unlisted");
        assert_eq!(tool, "deploy");
        // The protocol's keys, not the call's own progress token.
        assert_eq!(
            meta,
            serde_json::json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {}})
        );
        let (id, request) = list_request(&meta, 0, Some("page-2"));
        let request: Value = serde_json::from_slice(&request).unwrap();
        assert_eq!(request["id"], id.as_str());
        assert_eq!(request["method"], "tools/list");
        assert_eq!(request["params"]["cursor"], "page-2");
        assert_eq!(request["params"]["_meta"], meta);
        // A call of the handshake revisions (no `_meta` version) asks for nothing.
        let old = br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"deploy"}}"#;
        assert!(call_of_unlisted_tool(old, &tools).is_none());

        // A page of the bridge's own listing: its cursor is kept for the next request.
        tools.learn(
            format!(r#"{{"jsonrpc":"2.0","id":"{id}","result":{{"tools":[{{"name":"add"}}],"nextCursor":"c2"}}}}"#)
                .as_bytes(),
        );
        assert_eq!(tools.own_next_page(&id), Some(Some("c2".to_owned())));
        assert!(call_of_unlisted_tool(call("add").as_bytes(), &tools).is_none());
        assert!(call_of_unlisted_tool(call("deploy").as_bytes(), &tools).is_some());
        // The last page (the client's own, here): a tool it did not name is not listed again.
        tools.learn(br#"{"jsonrpc":"2.0","id":9,"result":{"tools":[{"name":"sum"}]}}"#);
        assert!(call_of_unlisted_tool(call("deploy").as_bytes(), &tools).is_none());
    }

    #[test]
    fn a_call_mirrors_the_arguments_its_tool_marks_into_param_headers() {
        let tools = ToolHeaders::default();
        tools.learn(br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[
            {"name":"deploy","inputSchema":{"type":"object","properties":{
                "region":{"type":"string","x-mcp-header":"Region"},
                "dry":{"type":"boolean","x-mcp-header":"Dry-Run"},
                "count":{"type":"integer","x-mcp-header":"Count"},
                "target":{"type":"object","properties":{"env":{"type":"string","x-mcp-header":"Env"}}},
                "note":{"type":"string"},
                "list":{"type":"array","items":{"type":"string","x-mcp-header":"Item"}}}}},
            {"name":"plain","inputSchema":{"type":"object","properties":{"a":{"type":"string"}}}}]}}"#);
        let call = format!(
            r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{{META},"name":"deploy","arguments":{{"region":"eu west ","dry":true,"count":3,"target":{{"env":"prod"}},"note":"n","list":["x"]}}}}}}"#
        );
        let headers = routing_headers(call.as_bytes(), &tools).expect("stateless");
        assert_eq!(
            header(&headers, "mcp-param-region").as_deref(),
            Some("=?base64?ZXUgd2VzdCA=?=")
        );
        assert_eq!(
            header(&headers, "mcp-param-dry-run").as_deref(),
            Some("true")
        );
        assert_eq!(header(&headers, "mcp-param-count").as_deref(), Some("3"));
        assert_eq!(header(&headers, "mcp-param-env").as_deref(), Some("prod"));
        assert_eq!(header(&headers, "mcp-param-item"), None);
        assert_eq!(headers.len(), 3 + 4, "{headers:?}");

        // An annotated argument left out has no header; a tool not listed, none at all.
        let call = format!(
            r#"{{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{{{META},"name":"deploy","arguments":{{"dry":false}}}}}}"#
        );
        let headers = routing_headers(call.as_bytes(), &tools).expect("stateless");
        assert_eq!(
            header(&headers, "mcp-param-dry-run").as_deref(),
            Some("false")
        );
        assert_eq!(headers.len(), 3 + 1);
        let call = format!(
            r#"{{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{{{META},"name":"other","arguments":{{"region":"x"}}}}}}"#
        );
        assert_eq!(
            routing_headers(call.as_bytes(), &tools)
                .expect("stateless")
                .len(),
            3
        );
    }

    #[test]
    fn header_values_that_would_not_survive_are_wrapped() {
        assert_eq!(header_text("get_weather"), "get_weather");
        assert_eq!(header_text("a b"), "a b");
        assert_eq!(header_text(" a"), "=?base64?IGE=?=");
        assert_eq!(header_text("line\nbreak"), "=?base64?bGluZQpicmVhaw==?=");
        assert_eq!(
            header_text("=?base64?abc?="),
            "=?base64?PT9iYXNlNjQ/YWJjPz0=?="
        );
        assert_eq!(
            argument_text(&serde_json::json!(2.0)).as_deref(),
            Some("2.0")
        );
        assert_eq!(argument_text(&serde_json::json!(-7)).as_deref(), Some("-7"));
        assert_eq!(argument_text(&serde_json::json!(null)), None);
    }
}
