//! Benchmark: redaction of journaled messages, on the journal writer's thread.
//!
//! Side by side in one run, per message kind: the copy the journal makes anyway (no redaction),
//! MCP Tray's byte scanner (`redact::redact`), and the obvious alternative, parsing the message
//! into a `serde_json::Value`, masking secret keys in the tree and serialising it again (which
//! also loses the message's own bytes: key order, spacing, number spelling). Prints MB/s and ns
//! per message. Run with `cargo bench -p mcp-tray-core --bench redact`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use mcp_tray_core::redact::{MARKER, redact};
use serde_json::{Value, json};

fn messages() -> Vec<(&'static str, Vec<u8>)> {
    let call = json!({"jsonrpc": "2.0", "id": 42, "method": "tools/call", "params": {
        "name": "search_issues", "arguments": {"query": "label:bug state:open", "limit": 20},
        "_meta": {"progressToken": 42}}});
    let secret_call = json!({"jsonrpc": "2.0", "id": 43, "method": "tools/call", "params": {
        "name": "deploy", "arguments": {"service": "api", "api_key": "sk-live-0123456789abcdef",
        "headers": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"}}}});
    let rows: Vec<Value> = (0..400)
        .map(|i| json!({"id": i, "title": format!("Issue number {i} about the parser"), "state": "open",
            "labels": ["bug", "parser"], "body": "Steps to reproduce: run the thing, see the error."}))
        .collect();
    let big_text = serde_json::to_string(&rows).expect("serialise");
    let big_result = json!({"jsonrpc": "2.0", "id": 42, "result": {"content": [{"type": "text", "text": big_text}]}});
    let structured =
        json!({"jsonrpc": "2.0", "id": 44, "result": {"structuredContent": {"items": rows}}});
    vec![
        (
            "tools/call request",
            serde_json::to_vec(&call).expect("json"),
        ),
        (
            "tools/call with 2 secrets",
            serde_json::to_vec(&secret_call).expect("json"),
        ),
        (
            "tool result, JSON as text",
            serde_json::to_vec(&big_result).expect("json"),
        ),
        (
            "structured result",
            serde_json::to_vec(&structured).expect("json"),
        ),
    ]
}

/// The alternative: a parsed tree, masked, serialised again.
fn redact_tree(msg: &[u8]) -> Vec<u8> {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    let key = k.to_ascii_lowercase().replace(['_', '-'], "");
                    if ["apikey", "password", "secret", "authorization", "cookie"]
                        .iter()
                        .any(|s| key.contains(s))
                        || (key.ends_with("token") && key != "progresstoken")
                    {
                        *v = Value::String(MARKER.to_owned());
                    } else {
                        walk(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_slice::<Value>(msg) {
        Ok(mut v) => {
            walk(&mut v);
            serde_json::to_vec(&v).unwrap_or_default()
        }
        Err(_) => msg.to_vec(),
    }
}

/// Time per call of `f` over about 300 ms.
fn time(mut f: impl FnMut()) -> Duration {
    let mut n = 0u32;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        f();
        n += 1;
    }
    start.elapsed() / n
}

fn main() {
    println!("Redaction of one journaled message (best of 3 runs of ~300 ms each)\n");
    println!(
        "| message | copy only | byte scanner (redact) | parse + mask + serialise | scanner ÷ tree |"
    );
    println!("|---|---|---|---|---|");
    for (name, msg) in messages() {
        let best = |f: &mut dyn FnMut()| (0..3).map(|_| time(&mut *f)).min().unwrap_or_default();
        let copy = best(&mut || {
            black_box(black_box(&msg).to_vec());
        });
        let scan = best(&mut || {
            black_box(redact(black_box(&msg)).into_owned());
        });
        let tree = best(&mut || {
            black_box(redact_tree(black_box(&msg)));
        });
        let rate = |d: Duration| msg.len() as f64 / d.as_secs_f64() / 1e6;
        println!(
            "| {name} ({} B) | {:.0} ns, {:.0} MB/s | {:.0} ns, {:.0} MB/s | {:.0} ns, {:.0} MB/s | {:.2} |",
            msg.len(),
            copy.as_nanos(),
            rate(copy),
            scan.as_nanos(),
            rate(scan),
            tree.as_nanos(),
            rate(tree),
            scan.as_secs_f64() / tree.as_secs_f64(),
        );
    }
}
