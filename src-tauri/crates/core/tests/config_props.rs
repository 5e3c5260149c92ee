//! Property tests of the config engine: random documents with arbitrary extra keys and formatting
//! survive any sequence of edits, and everything outside the edited entry stays byte-identical.

use std::path::Path;

use mcp_tray_core::config::{ConfigDocument, ConfigFile, Edit};
use proptest::prelude::*;
use serde_json::{Value, json};

/// How a generated document is laid out.
#[derive(Debug, Clone)]
struct Style {
    indent: &'static str,
    newline: &'static str,
    colon: &'static str,
    trailing_newline: bool,
    compact_entries: bool,
    /// Server entries set apart by a blank line.
    spaced_entries: bool,
}

fn style() -> impl Strategy<Value = Style> {
    (
        prop::sample::select(vec!["  ", "    ", "\t", " "]),
        prop::sample::select(vec!["\n", "\r\n"]),
        prop::sample::select(vec![": ", ":", " : "]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(indent, newline, colon, trailing_newline, compact_entries, spaced_entries)| Style {
                indent,
                newline,
                colon,
                trailing_newline,
                compact_entries,
                spaced_entries,
            },
        )
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-zA-Z0-9 ._/\\\\:é漢🙂-]{0,12}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn entry() -> impl Strategy<Value = Value> {
    (
        "[a-z/\\\\.:]{1,12}",
        prop::collection::vec("[a-zA-Z0-9@/._ -]{0,10}", 0..4),
        prop::collection::btree_map("[A-Z_]{1,8}", "[a-z0-9]{0,6}", 0..3),
        prop::collection::btree_map("x[a-z]{1,5}", value(), 0..2),
    )
        .prop_map(|(command, args, env, extra)| {
            let mut m = serde_json::Map::new();
            m.insert("command".into(), json!(command));
            m.insert("args".into(), json!(args));
            if !env.is_empty() {
                m.insert("env".into(), json!(env));
            }
            for (k, v) in extra {
                m.insert(k, v);
            }
            Value::Object(m)
        })
}

fn render(v: &Value, s: &Style, depth: usize, compact: bool) -> String {
    let pad = |d: usize| s.indent.repeat(d);
    match v {
        Value::Object(m) if !m.is_empty() && !compact => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}{}{}{}",
                        pad(depth + 1),
                        serde_json::to_string(k).unwrap(),
                        s.colon,
                        render(v, s, depth + 1, compact)
                    )
                })
                .collect();
            format!(
                "{{{nl}{}{nl}{}}}",
                items.join(&format!(",{}", s.newline)),
                pad(depth),
                nl = s.newline
            )
        }
        other => serde_json::to_string(other).unwrap(),
    }
}

/// A document: unknown top-level keys around an `mcpServers` object, in the given style.
fn document() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        style(),
        prop::collection::btree_map("[a-z]{1,8}", value(), 0..3),
        prop::collection::btree_map("[a-zA-Z0-9 é漢_-]{1,10}", entry(), 0..5),
        prop::collection::btree_map("[a-z]{1,8}", value(), 0..3),
    )
        .prop_map(|(s, before, servers, after)| {
            let mut parts = Vec::new();
            for (k, v) in &before {
                parts.push((format!("pre_{k}"), render(v, &s, 1, false)));
            }
            let names: Vec<String> = servers.keys().cloned().collect();
            let entries: Vec<String> = servers
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}{}{}{}",
                        s.indent.repeat(2),
                        serde_json::to_string(k).unwrap(),
                        s.colon,
                        render(v, &s, 2, s.compact_entries)
                    )
                })
                .collect();
            let servers_text = if entries.is_empty() {
                "{}".to_owned()
            } else {
                let gap = if s.spaced_entries { s.newline } else { "" };
                format!(
                    "{{{nl}{}{nl}{}}}",
                    entries.join(&format!(",{}{gap}", s.newline)),
                    s.indent,
                    nl = s.newline
                )
            };
            parts.push(("mcpServers".to_owned(), servers_text));
            for (k, v) in &after {
                parts.push((format!("post_{k}"), render(v, &s, 1, false)));
            }
            let body: Vec<String> = parts
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}{}{}{}",
                        s.indent,
                        serde_json::to_string(k).unwrap(),
                        s.colon,
                        v
                    )
                })
                .collect();
            let mut text = format!(
                "{{{nl}{}{nl}}}",
                body.join(&format!(",{}", s.newline)),
                nl = s.newline
            );
            if s.trailing_newline {
                text.push_str(s.newline);
            }
            (text, names)
        })
}

#[derive(Debug, Clone)]
enum Op {
    Add(String, Value),
    Remove(usize),
    Rename(usize, String),
    Update(usize, Value),
    Disable(usize),
    Enable(usize),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        ("[a-z漢 -]{1,8}", entry()).prop_map(|(n, e)| Op::Add(n, e)),
        any::<usize>().prop_map(Op::Remove),
        (any::<usize>(), "[a-z]{1,8}").prop_map(|(i, n)| Op::Rename(i, n)),
        (any::<usize>(), entry()).prop_map(|(i, e)| Op::Update(i, e)),
        any::<usize>().prop_map(Op::Disable),
        any::<usize>().prop_map(Op::Enable),
    ];
    prop::collection::vec(op, 1..8)
}

fn parse(text: &str) -> ConfigDocument {
    ConfigDocument::parse(Path::new("c.json"), text.as_bytes(), false)
        .expect("a written file always parses")
}

/// The text outside `mcpServers`' braces: what no edit of an entry may touch.
fn outside_servers(text: &str) -> (String, String) {
    let key = text.find("\"mcpServers\"").expect("mcpServers key");
    let open = key + text[key..].find('{').expect("servers object");
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in text[open..].char_indices() {
        match (in_str, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_str = false,
            (true, false, _) => {}
            (false, _, '"') => in_str = true,
            (false, _, '{') => depth += 1,
            (false, _, '}') => {
                depth -= 1;
                if depth == 0 {
                    return (text[..open].to_owned(), text[open + i + 1..].to_owned());
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced servers object");
}

/// A new server's name, as a strategy (a regex).
const NEW_NAME: &str = "[a-z漢]{1,6}_new";

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn any_edit_sequence_touches_only_the_edited_entries((text, _names) in document(), ops in ops()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("claude_desktop_config.json");
        std::fs::write(&path, &text).unwrap();
        let file = ConfigFile::new(&path, dir.path().join("home"));
        let (pre, post) = outside_servers(&text);
        for op in ops {
            let before = std::fs::read_to_string(&path).unwrap();
            let doc = parse(&before);
            let disabled = file.disabled().unwrap();
            let pick = |i: usize| doc.servers.get(i % doc.servers.len().max(1)).map(|s| s.name.clone());
            let (result, touched) = match op {
                Op::Add(name, entry) => (file.apply(&Edit::Add { name: name.clone(), entry }).map(|_| ()), vec![name]),
                Op::Remove(i) => match pick(i) {
                    Some(n) => (file.apply(&Edit::Remove { name: n.clone() }).map(|_| ()), vec![n]),
                    None => continue,
                },
                Op::Rename(i, to) => match pick(i) {
                    Some(n) => (file.apply(&Edit::Rename { from: n.clone(), to: to.clone() }).map(|_| ()), vec![n, to]),
                    None => continue,
                },
                Op::Update(i, entry) => match pick(i) {
                    Some(n) => (file.apply(&Edit::Update { name: n.clone(), entry }).map(|_| ()), vec![n]),
                    None => continue,
                },
                Op::Disable(i) => match pick(i) {
                    Some(n) => (file.disable(&n).map(|_| ()), vec![n]),
                    None => continue,
                },
                Op::Enable(i) => match disabled.get(i % disabled.len().max(1)) {
                    Some(d) => (file.enable(&d.name).map(|_| ()), vec![d.name.clone()]),
                    None => continue,
                },
            };
            let after = std::fs::read_to_string(&path).unwrap();
            if result.is_err() {
                prop_assert_eq!(&after, &before, "a refused edit writes nothing");
                continue;
            }
            let new_doc = parse(&after);
            // Outside mcpServers: byte-identical, whatever happened inside.
            let (pre2, post2) = outside_servers(&after);
            prop_assert_eq!(&pre2, &pre);
            prop_assert_eq!(&post2, &post);
            // Every entry not touched keeps its exact text.
            for s in &doc.servers {
                if touched.contains(&s.name) { continue; }
                let kept = new_doc.server(&s.name).map(|e| e.raw.as_str());
                prop_assert_eq!(kept, Some(s.raw.as_str()), "entry {} changed", &s.name);
            }
        }
    }

    #[test]
    fn add_then_remove_gives_back_the_file((text, _names) in document(), name in NEW_NAME, e in entry()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("claude_desktop_config.json");
        std::fs::write(&path, &text).unwrap();
        let file = ConfigFile::new(&path, dir.path().join("home"));
        file.apply(&Edit::Add { name: name.clone(), entry: e }).unwrap();
        prop_assert!(parse(&std::fs::read_to_string(&path).unwrap()).server(&name).is_some());
        file.apply(&Edit::Remove { name }).unwrap();
        prop_assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn disable_then_enable_gives_back_the_file((text, names) in document(), pick in any::<usize>()) {
        prop_assume!(!names.is_empty());
        let name = &names[pick % names.len()];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("claude_desktop_config.json");
        std::fs::write(&path, &text).unwrap();
        let file = ConfigFile::new(&path, dir.path().join("home"));
        file.disable(name).unwrap();
        let disabled = std::fs::read_to_string(&path).unwrap();
        prop_assert!(parse(&disabled).server(name).is_none());
        file.enable(name).unwrap();
        prop_assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}
