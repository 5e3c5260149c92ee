//! Turning what READMEs tell people to paste into config entries.
//!
//! Accepted: a whole `{"mcpServers": {…}}`, a bare `{"name": {…}}` map, a single entry (named by the
//! caller or after its package or host), VS Code's `{"servers": {…}}` (also inside `"mcp"`), a URL
//! (found in prose as linkifiers find one), an `npx mcp-remote URL …` command line, and a
//! `claude mcp add …` or `claude mcp add-json …` line; any of them inside a Markdown code fence. Entries with `url`/`type` (which Claude Desktop's config
//! cannot take) become bridge entries (`mcp-tray bridge URL`), and so do entries that run
//! `npx mcp-remote URL` (what mcp-remote was told carried over,
//! [`super::mcp_remote`], or the entry kept with why). Snippets are parsed leniently
//! (comments and trailing commas are common in READMEs); what is written is always plain JSON.
//! Secret header values move into the entry's `env` and are referenced as `${VAR}`.

use std::ops::Range;
use std::path::Path;

use jsonc_parser::ParseOptions;
use serde_json::{Map, Value, json};

use super::ConfigError;
use super::mcp_remote::{is_mcp_remote, migrate};
use crate::bridge::check_url;

/// Entries read from a snippet, in order, with notes about conversions made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snippet {
    pub entries: Vec<(String, Value)>,
    /// Conversions made on the way (`"linear": url entry turned into a bridge entry`).
    pub notes: Vec<String>,
    /// Entries of a snippet of several that cannot be taken, each with why (starting with its
    /// quoted name): the others are (one bad entry does not cost the rest). A snippet none of
    /// whose entries can be taken is an error instead, its first entry's.
    pub refused: Vec<(String, String)>,
}

/// Reads a snippet. `name` names a single entry (otherwise it is derived). `exe` is the `mcp-tray`
/// binary bridge entries start.
pub fn parse_snippet(text: &str, name: Option<&str>, exe: &Path) -> Result<Snippet, ConfigError> {
    parse_snippet_with(text, name, exe, false)
}

/// [`parse_snippet`], with plain `http://` to a host other than this machine allowed for every
/// URL it holds when `allow_http` (the bridge entries then say `--allow-http`).
///
/// A text holding Markdown code fences (a README section copied whole) is read as the content of
/// its first block that holds a snippet.
pub fn parse_snippet_with(
    text: &str,
    name: Option<&str>,
    exe: &Path,
    allow_http: bool,
) -> Result<Snippet, ConfigError> {
    if text.trim().trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(ConfigError::Invalid("the snippet is empty".into()));
    }
    let blocks = fenced_blocks(text);
    if blocks.is_empty() {
        return parse_part(text, 0..text.len(), name, exe, allow_http);
    }
    let mut first: Option<(bool, ConfigError)> = None;
    for block in blocks {
        let looks_like_json = looks_like_json(&text[block.clone()]);
        match parse_part(text, block, name, exe, allow_http) {
            Ok(snippet) => return Ok(snippet),
            // The error said is the first JSON block's, or else the first block's.
            Err(e) => match &first {
                Some((true, _)) => {}
                Some((false, _)) if !looks_like_json => {}
                _ => first = Some((looks_like_json, e)),
            },
        }
    }
    match first {
        // No block holds JSON: the text around them may hold the URL (`Its URL is https://…`).
        Some((false, e)) => parse_part(text, 0..text.len(), name, exe, allow_http).map_err(|_| e),
        Some((true, e)) => Err(e),
        None => Err(ConfigError::Invalid("the snippet is empty".into())),
    }
}

/// Reads `text[part]`: JSON, a `claude mcp add` line, a URL or an `npx mcp-remote URL` line.
fn parse_part(
    text: &str,
    part: Range<usize>,
    name: Option<&str>,
    exe: &Path,
    allow_http: bool,
) -> Result<Snippet, ConfigError> {
    let content = text[part.clone()]
        .trim()
        .trim_start_matches('\u{feff}')
        .trim();
    if content.is_empty() {
        return Err(ConfigError::Invalid("the snippet is empty".into()));
    }
    // A quoted key opens a snippet without its braces (`"fetch": {…}`); a quoted URL is a URL.
    if content.starts_with('{') || content.starts_with('"') && looks_like_json(content) {
        return parse_json(text, part, name, exe, allow_http);
    }
    let lines = command_lines(content);
    if let Some(words) = lines.iter().map(|l| split_words(l)).find(|w| {
        w.len() >= 3 && w[0] == "claude" && w[1] == "mcp" && (w[2] == "add" || w[2] == "add-json")
    }) {
        return parse_claude_add(&words[2..], name, exe, allow_http);
    }
    // JSON after a sentence (`Add this to your config: {…}`): read as JSON, and when it does not
    // parse, its error is the answer (not a URL picked out of it).
    if looks_like_json(content) {
        let here = &text[part.clone()];
        let open = here.find('{').unwrap_or(0);
        let end = here
            .rfind('}')
            .filter(|&c| c > open)
            .map_or(here.len(), |c| c + 1);
        return parse_json(
            text,
            part.start + open..part.start + end,
            name,
            exe,
            allow_http,
        );
    }
    parse_command_line(&lines.join("\n"), name, exe, allow_http)
}

/// Whether a text is meant as JSON: a `{` and a key of a config's (`"mcpServers":`, `"command":`…).
fn looks_like_json(text: &str) -> bool {
    text.contains('{')
        && [
            "mcpServers",
            "servers",
            "command",
            "url",
            "serverUrl",
            "httpUrl",
        ]
        .iter()
        .any(|key| {
            let quoted = format!("\"{key}\"");
            text.match_indices(&quoted)
                .any(|(at, _)| text[at + quoted.len()..].trim_start().starts_with(':'))
        })
}

/// The JSON of `text[part]`. The rest of `text` is blanked out (its line breaks kept) rather than
/// cut, so that an error's line and column are those of the text as pasted.
fn parse_json(
    text: &str,
    part: Range<usize>,
    name: Option<&str>,
    exe: &Path,
    allow_http: bool,
) -> Result<Snippet, ConfigError> {
    let blank = |s: &str| -> String {
        s.chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect()
    };
    // A byte order mark that opens the text is a space to the parser.
    let here = &text[part.clone()];
    let lead = here.len() - here.trim_start().len();
    let inner = match here[lead..].strip_prefix('\u{feff}') {
        Some(rest) => format!("{} {rest}", &here[..lead]),
        None => here.to_owned(),
    };
    let view = format!("{}{inner}", blank(&text[..part.start]));
    let (read, parsed) = match parse_lenient(&view) {
        Ok(read) => (read, view),
        Err(first) => {
            let braced = format!("{{{}}}", inner.trim());
            (parse_lenient(&braced).map_err(|_| first)?, braced)
        }
    };
    let mut snippet = snippet_from_value(read.value, name, exe, allow_http)?;
    let doubled = read.doubled.is_some();
    snippet.notes.splice(
        0..0,
        duplicate_notes(read.doubled.as_deref().unwrap_or(&parsed)),
    );
    if doubled {
        snippet.notes.insert(0, BACKSLASHES_DOUBLED.to_owned());
    }
    Ok(snippet)
}

/// What a name given twice in the servers' map of a JSON snippet costs: the value read takes the
/// last copy of a key (as Claude Desktop's `JSON.parse` does with its own config), silently, so
/// each name given twice is said, and so is a servers' map given twice (`"mcpServers"`), with
/// the servers of its other copies left out. The map is the one [`snippet_from_value`] reads.
fn duplicate_notes(text: &str) -> Vec<String> {
    use jsonc_parser::ast::{Object, Value as Ast};
    let Ok(parsed) =
        jsonc_parser::parse_to_ast(text, &Default::default(), &ParseOptions::default())
    else {
        return Vec::new();
    };
    let Some(Ast::Object(top)) = parsed.value else {
        return Vec::new();
    };
    // The last copy of `key`, when an object: the one the value read holds.
    fn object_at<'o, 'a>(obj: &'o Object<'a>, key: &str) -> Option<&'o Object<'a>> {
        match &obj
            .properties
            .iter()
            .rev()
            .find(|p| p.name.as_str() == key)?
            .value
        {
            Ast::Object(o) => Some(o),
            _ => None,
        }
    }
    fn names<'o>(obj: &'o Object) -> impl Iterator<Item = &'o str> {
        obj.properties.iter().map(|p| p.name.as_str())
    }
    fn said(count: usize) -> String {
        format!(
            "is in the snippet {count} times: its last copy is the one taken, as Claude Desktop \
             does with its own config"
        )
    }
    // A map given twice under `key` of `obj`, the servers of its copies being `servers` of each.
    let twice = |obj: &Object, key: &str, servers: &dyn Fn(&Object) -> Option<Vec<String>>| {
        let copies: Vec<&Ast> = obj
            .properties
            .iter()
            .filter(|p| p.name.as_str() == key)
            .map(|p| &p.value)
            .collect();
        let count = copies.len();
        if count < 2 {
            return None;
        }
        let kept = object_at(obj, key).and_then(servers).unwrap_or_default();
        let mut lost: Vec<String> = Vec::new();
        for copy in copies {
            let Ast::Object(copy) = copy else { continue };
            for name in servers(copy).unwrap_or_default() {
                if !kept.contains(&name) && !lost.contains(&name) {
                    lost.push(name);
                }
            }
        }
        let lost = match lost.len() {
            0 => String::new(),
            n => format!(
                ", so {} {} left out",
                lost.iter()
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                if n == 1 { "is" } else { "are" }
            ),
        };
        Some(format!("\"{key}\" {}{lost}", said(count)))
    };
    let own = |o: &Object| Some(names(o).map(str::to_owned).collect::<Vec<_>>());
    let mut notes = Vec::new();
    let map = if let Some(m) = object_at(&top, "mcpServers") {
        notes.extend(twice(&top, "mcpServers", &own));
        m
    } else if let Some(m) = object_at(&top, "servers") {
        notes.extend(twice(&top, "servers", &own));
        m
    } else if let Some((mcp, m)) =
        object_at(&top, "mcp").and_then(|mcp| Some((mcp, object_at(mcp, "servers")?)))
    {
        notes.extend(twice(&top, "mcp", &|o: &Object| {
            object_at(o, "servers").and_then(own)
        }));
        notes.extend(twice(mcp, "servers", &own));
        m
    } else if names(&top).any(|k| ["command", "url", "serverUrl", "httpUrl"].contains(&k)) {
        // A single entry: no map of names.
        return notes;
    } else {
        &top
    };
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for name in names(map) {
        match seen.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => seen.push((name, 1)),
        }
    }
    notes.extend(
        seen.into_iter()
            .filter(|(_, count)| *count > 1)
            .map(|(name, count)| format!("\"{name}\" {}", said(count))),
    );
    notes
}

fn snippet_from_value(
    value: Value,
    name: Option<&str>,
    exe: &Path,
    allow_http: bool,
) -> Result<Snippet, ConfigError> {
    let Value::Object(obj) = value else {
        return Err(ConfigError::Invalid(
            "the snippet must be a JSON object".into(),
        ));
    };
    let map = if let Some(Value::Object(m)) = obj.get("mcpServers") {
        m.clone()
    } else if let Some(Value::Object(m)) = obj.get("servers") {
        m.clone()
    } else if let Some(Value::Object(m)) = obj.get("mcp").and_then(|m| m.get("servers")) {
        m.clone()
    } else if is_entry(&obj) {
        let entry = Value::Object(obj);
        let name = match name {
            Some(n) => n.to_owned(),
            None => suggest_name_for_entry(&entry),
        };
        let mut m = Map::new();
        m.insert(name, entry);
        m
    } else if obj.values().all(|v| v.as_object().is_some_and(is_entry)) {
        obj
    } else {
        Map::new()
    };
    // `{}`, and an empty `"mcpServers": {}` as much: nothing to add is not a success.
    if map.is_empty() {
        return Err(ConfigError::Invalid(
            "the snippet holds no server entries: expected {\"mcpServers\": {…}}, {\"name\": {\"command\": …}}, \
             a single {\"command\": …} or {\"url\": …} entry, a URL, an `npx mcp-remote URL` line or a `claude mcp add` line"
                .into(),
        ));
    }
    let mut out = Snippet::default();
    let mut first_refusal = None;
    for (name, entry) in map {
        let noted = out.notes.len();
        match convert_entry(&name, entry, exe, allow_http, &mut out.notes) {
            Ok(converted) => out.entries.push((name, converted)),
            Err(e) => {
                // A conversion it was on the way to (`turned into a bridge entry`) did not happen.
                out.notes.truncate(noted);
                // Said with its entry's name, as most of the reasons already are.
                let why = e.to_string();
                let why = if why.starts_with(&format!("\"{name}\"")) {
                    why
                } else {
                    format!("\"{name}\": {why}")
                };
                out.refused.push((name, why));
                first_refusal.get_or_insert(e);
            }
        }
    }
    match first_refusal {
        Some(e) if out.entries.is_empty() => Err(e),
        _ => Ok(out),
    }
}

/// The contents of the Markdown code blocks of `text` (```` ``` ````, `~~~`, with or without a
/// language, indented or not), in order. A block left open runs to the end of the text; a fence
/// closed on its own line (```` ```json {…} ``` ````) holds what is between.
fn fenced_blocks(text: &str) -> Vec<Range<usize>> {
    let mut blocks = Vec::new();
    // The open fence: its character, its length, where its content starts.
    let mut open: Option<(char, usize, usize)> = None;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let Some(c @ ('`' | '~')) = body.chars().next() else {
            continue;
        };
        let run = body.len() - body.trim_start_matches(c).len();
        if run < 3 {
            continue;
        }
        match open {
            None => {
                let fence = &body[..run];
                let after = &body[run..];
                if let Some(end) = after.find(fence) {
                    let first = start + indent + run;
                    let skip = language_len(after);
                    blocks.push(first + skip..first + end.max(skip));
                } else {
                    open = Some((c, run, pos));
                }
            }
            Some((fc, len, content)) if fc == c && run >= len && body[run..].trim().is_empty() => {
                blocks.push(content..start);
                open = None;
            }
            Some(_) => {}
        }
    }
    if let Some((_, _, content)) = open {
        blocks.push(content..text.len());
    }
    blocks
}

/// The length of the language word that opens a one-line block (`json` in ```` ```json {…}``` ````).
fn language_len(after: &str) -> usize {
    let word = after.split(char::is_whitespace).next().unwrap_or("");
    let known = [
        "json",
        "jsonc",
        "json5",
        "js",
        "javascript",
        "ts",
        "typescript",
        "bash",
        "sh",
        "shell",
        "zsh",
        "console",
        "terminal",
        "powershell",
        "ps1",
        "cmd",
        "text",
        "txt",
    ];
    if known.contains(&word.to_ascii_lowercase().as_str()) {
        word.len()
    } else {
        0
    }
}

/// The command lines of a pasted text: `\`-continued lines joined, a shell prompt (`$ `) and
/// comment lines (`# …`) left out, and inline code's backticks taken off.
fn command_lines(text: &str) -> Vec<String> {
    let text = match text.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
        Some(inner) if !inner.contains('`') => inner,
        _ => text,
    };
    let mut lines: Vec<String> = Vec::new();
    let mut continued = false;
    for raw in text.lines() {
        let line = raw.trim();
        let line = line
            .strip_prefix("$ ")
            .or_else(|| line.strip_prefix("% "))
            .unwrap_or(line);
        if !continued && (line.starts_with('#') || line.is_empty()) {
            continue;
        }
        let (line, next) = match line.strip_suffix('\\') {
            Some(l) => (l.trim_end(), true),
            None => (line, false),
        };
        match lines.last_mut() {
            Some(last) if continued => {
                last.push(' ');
                last.push_str(line);
            }
            _ => lines.push(line.to_owned()),
        }
        continued = next;
    }
    lines
}

/// Reads what follows `claude` `mcp`: `add [options] <name> <commandOrUrl> [args...]` (options
/// `--transport/-t`, `--scope/-s`, `--env/-e KEY=value…`, `--header/-H 'K: V'…`, before or after
/// the name) or `add-json [options] <name> '<json>'`. `name`, when given, wins over the line's.
fn parse_claude_add(
    words: &[String],
    name: Option<&str>,
    exe: &Path,
    allow_http: bool,
) -> Result<Snippet, ConfigError> {
    let add_json = words[0] == "add-json";
    let mut transport: Option<String> = None;
    let mut env = Map::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut positional: Vec<&str> = Vec::new();
    let mut notes = Vec::new();
    let is_env = |w: &str| {
        w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty()
                && !k.starts_with(|c: char| c.is_ascii_digit())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let is_header = |w: &str| {
        !w.contains("://")
            && w.split_once(':').is_some_and(|(k, _)| {
                !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
    };
    let mut i = 1;
    while i < words.len() {
        let word = words[i].as_str();
        i += 1;
        if word == "--" {
            positional.extend(words[i..].iter().map(String::as_str));
            break;
        }
        // Once the command of a local server is known, what follows is its own.
        let local_command = positional.len() >= 2 && !is_url(positional[1]);
        if !word.starts_with('-') || word == "-" || local_command && !is_claude_option(word) {
            positional.push(word);
            continue;
        }
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (word, None),
        };
        let mut value = || {
            inline.clone().or_else(|| {
                let v = words.get(i).cloned();
                i += usize::from(v.is_some());
                v
            })
        };
        match flag {
            "-t" | "--transport" => transport = value(),
            // Where Claude Code keeps it: this config is Claude Desktop's, the only one.
            "-s" | "--scope" => drop(value()),
            "--client-id" | "--callback-port" => {
                drop(value());
                notes.push(format!(
                    "{flag} is an option of Claude Code's `claude mcp add`, left out"
                ));
            }
            "-e" | "--env" => {
                let mut values: Vec<String> = value().into_iter().collect();
                while words.get(i).is_some_and(|w| is_env(w)) {
                    values.push(words[i].clone());
                    i += 1;
                }
                for v in values {
                    if let Some((k, v)) = v.split_once('=') {
                        env.insert(k.to_owned(), json!(v));
                    }
                }
            }
            "-H" | "--header" => {
                let mut values: Vec<String> = value().into_iter().collect();
                while words.get(i).is_some_and(|w| is_header(w)) {
                    values.push(words[i].clone());
                    i += 1;
                }
                for v in values {
                    if let Some((k, v)) = crate::transport::split_header(&v) {
                        headers.push((k.to_owned(), v.to_owned()));
                    }
                }
            }
            _ => notes.push(format!(
                "{flag} is an option of Claude Code's `claude mcp add`, left out"
            )),
        }
    }
    let usage = if add_json {
        "`claude mcp add-json` needs a name and the server's JSON: claude mcp add-json NAME '{\"type\": \"http\", \"url\": …}'"
    } else {
        "`claude mcp add` needs a name and a command or URL: claude mcp add [options] NAME URL, or \
         claude mcp add [options] NAME -- COMMAND [ARGS…]"
    };
    let [given, target, args @ ..] = positional.as_slice() else {
        return Err(ConfigError::Invalid(usage.into()));
    };
    let name = name.unwrap_or(given).to_owned();
    if add_json {
        let read = parse_lenient(target)?;
        if read.doubled.is_some() {
            notes.push(BACKSLASHES_DOUBLED.to_owned());
        }
        let value = read.value;
        if !value.as_object().is_some_and(is_entry) {
            return Err(ConfigError::Invalid(usage.into()));
        }
        let entry = convert_entry(&name, value, exe, allow_http, &mut notes)?;
        return Ok(Snippet {
            entries: vec![(name, entry)],
            notes,
            refused: Vec::new(),
        });
    }
    let remote = match transport.as_deref() {
        Some("http") => Some(Some("http")),
        Some("sse") => Some(Some("sse")),
        Some("stdio") => None,
        Some(other) => {
            return Err(ConfigError::Invalid(format!(
                "`--transport {}`: Claude Code's transports are stdio, http and sse",
                shown(other)
            )));
        }
        // A URL without `--transport`: Claude Code would start it as a command, which cannot be meant.
        None if is_url(target) => Some(None),
        None => None,
    };
    let entry = match remote {
        Some(transport) => {
            check_cut(target, args.first().copied())?;
            notes.push(format!(
                "\"{name}\": remote server turned into a bridge entry (Claude Desktop only starts commands)"
            ));
            bridge_entry(&name, target, &headers, transport, allow_http, exe)?
        }
        None => {
            let mut entry = Map::new();
            entry.insert("command".into(), json!(target));
            entry.insert("args".into(), json!(args));
            if !env.is_empty() {
                entry.insert("env".into(), Value::Object(env));
            }
            convert_entry(&name, Value::Object(entry), exe, allow_http, &mut notes)?
        }
    };
    Ok(Snippet {
        entries: vec![(name, entry)],
        notes,
        refused: Vec::new(),
    })
}

fn is_claude_option(word: &str) -> bool {
    let flag = word.split_once('=').map_or(word, |(f, _)| f);
    [
        "-t",
        "--transport",
        "-s",
        "--scope",
        "-e",
        "--env",
        "-H",
        "--header",
    ]
    .contains(&flag)
}

fn is_url(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    ["http://", "https://", "ws://", "wss://"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// The first URL of a text, as linkifiers find one: inside `(…)`, `<…>`, quotes or a Markdown
/// link, without the sentence's punctuation after it (`.`, `,`, `;`, `:`, `!`, `?`, a closing
/// quote or bracket), but with a `)` that closes a `(` of its own (`…/wiki/Foo_(bar)`).
/// Found where its (lowercase) scheme is one `accept` takes; the answer is where it is in `text`.
fn find_url(text: &str, accept: impl Fn(&str) -> bool) -> Option<Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("://").map(|i| from + i) {
        from = at + 3;
        let scheme_start = lower[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| !c.is_ascii_alphanumeric())
            .map_or(0, |(i, c)| i + c.len_utf8());
        if !accept(&lower[scheme_start..at]) {
            continue;
        }
        let end = from + url_end(&text[from..]);
        let url = trim_url(&text[scheme_start..end]);
        if url.len() > at + 3 - scheme_start {
            return Some(scheme_start..scheme_start + url.len());
        }
    }
    None
}

/// Where a URL that starts `text` ends at the latest: a space, or a bracket or quote around it.
fn url_end(text: &str) -> usize {
    text.find(|c: char| {
        c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`' | '“' | '”' | '‘' | '’' | '«' | '»')
    })
    .unwrap_or(text.len())
}

/// The word right after a URL, when a space (not a line break) is all that stands between:
/// `after` is the text that follows the URL. Its sentence's punctuation is left out.
fn word_after(after: &str) -> Option<&str> {
    let rest = after.strip_prefix([' ', '\t', '\u{a0}'])?;
    let rest = rest.trim_start_matches([' ', '\t', '\u{a0}']);
    let word = trim_url(&rest[..url_end(rest)]);
    (!word.is_empty()).then_some(word)
}

fn trim_url(url: &str) -> &str {
    // A Markdown link whose text is its URL: `[https://…](https://…)`.
    let mut url = url.find("](").map_or(url, |i| &url[..i]);
    let unbalanced =
        |u: &str, open: char, close: char| u.matches(open).count() < u.matches(close).count();
    while let Some(last) = url.chars().last() {
        let cut = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~' => true,
            ')' => unbalanced(url, '(', ')'),
            ']' => unbalanced(url, '[', ']'),
            '}' => unbalanced(url, '{', '}'),
            _ => false,
        };
        if !cut {
            break;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
    url
}

/// A pasted text as an error message may quote it: its runs of spaces and lines as one space, its
/// credentials masked ([`crate::redact::mask_text`]), and cut after [`SHOWN_CHARS`] characters.
fn shown(text: &str) -> String {
    // Enough to mask what the first characters hold, whatever the length of the text.
    const LOOKED_AT: usize = 4096;
    let mut collapsed = String::new();
    let mut cut = false;
    for (n, word) in text.split_whitespace().enumerate() {
        if collapsed.len() + word.len() > LOOKED_AT {
            let room = LOOKED_AT.saturating_sub(collapsed.len());
            let end = (0..=room.min(word.len()))
                .rev()
                .find(|&i| word.is_char_boundary(i))
                .unwrap_or(0);
            if n > 0 {
                collapsed.push(' ');
            }
            collapsed.push_str(&word[..end]);
            cut = true;
            break;
        }
        if n > 0 {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    let masked = crate::redact::mask_text(&collapsed);
    let mut out: String = masked.chars().take(SHOWN_CHARS).collect();
    if cut || masked.chars().nth(SHOWN_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// How many characters of a pasted text an error message quotes.
const SHOWN_CHARS: usize = 80;

/// Whether a line starts a local server (`npx …`, `uvx …`, `python …`, a path to a program).
fn looks_like_command(first_word: &str) -> bool {
    let launchers = [
        "npx", "npm", "pnpm", "pnpx", "yarn", "bun", "bunx", "node", "deno", "uvx", "uv", "pipx",
        "python", "python3", "py", "docker", "podman", "java", "go", "dotnet", "ruby", "php",
        "cargo",
    ];
    let lower = first_word.to_ascii_lowercase();
    let file = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    launchers.contains(&file.trim_end_matches(".exe").trim_end_matches(".cmd"))
        || [".exe", ".js", ".mjs", ".py", ".sh", ".cmd", ".bat"]
            .iter()
            .any(|ext| file.ends_with(ext))
        || ["/", "./", "../", "~/"]
            .iter()
            .any(|p| lower.starts_with(p))
        || lower.get(1..3) == Some(":\\")
}

/// What a pasted snippet had done to it when its Windows paths were typed with single backslashes.
const BACKSLASHES_DOUBLED: &str = "Windows paths typed with single backslashes (C:\\Users\\you) \
     kept as typed: each backslash is written twice in the entry, as JSON needs";

/// A snippet's JSON as read, and the text it was read from when its backslashes had to be written
/// twice first.
struct Lenient {
    value: Value,
    doubled: Option<String>,
}

/// Reads a snippet's JSON as people paste it (comments, trailing commas, single quotes), with
/// JSON's escapes only: an extended escape would read `C:\Users` as `C:Users` and `\new` as a
/// line break without a word. A string holding an escape JSON does not know, as a Windows path
/// typed with single backslashes does, is read with its backslashes written twice (the config
/// file's own repair, [`super::repair::double_backslashes`]), which the caller notes.
fn parse_lenient(text: &str) -> Result<Lenient, ConfigError> {
    let options = ParseOptions {
        allow_extended_string_escapes: false,
        ..ParseOptions::default()
    };
    let read = |text: &str| {
        jsonc_parser::parse_to_serde_value::<Option<Value>>(text, &options).map_err(|e| {
            let (line, column) = super::document::line_col(text, e.range().start);
            let invalid_escape = super::document::is_invalid_escape(e.kind());
            (
                ConfigError::Invalid(format!(
                    "the snippet is not valid JSON at line {line}, column {column}: {}",
                    e.kind()
                )),
                invalid_escape,
            )
        })
    };
    let empty = || ConfigError::Invalid("the snippet is empty".into());
    match read(text) {
        Ok(value) => Ok(Lenient {
            value: value.ok_or_else(empty)?,
            doubled: None,
        }),
        Err((first, true)) => {
            let Some(doubled) = super::repair::double_backslashes(text) else {
                return Err(first);
            };
            match read(&doubled) {
                Ok(value) => Ok(Lenient {
                    value: value.ok_or_else(empty)?,
                    doubled: Some(doubled),
                }),
                // Said where the text as pasted breaks.
                Err(_) => Err(first),
            }
        }
        Err((first, false)) => Err(first),
    }
}

fn is_entry(obj: &Map<String, Value>) -> bool {
    ["command", "url", "serverUrl", "httpUrl"]
        .iter()
        .any(|k| obj.contains_key(*k))
}

fn entry_url(obj: &Map<String, Value>) -> Option<&str> {
    ["url", "serverUrl", "httpUrl"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
}

fn convert_entry(
    name: &str,
    entry: Value,
    exe: &Path,
    allow_http: bool,
    notes: &mut Vec<String>,
) -> Result<Value, ConfigError> {
    let Value::Object(mut obj) = entry else {
        return Err(ConfigError::Invalid(format!(
            "\"{name}\": a server entry must be a JSON object"
        )));
    };
    if obj.get("command").is_some_and(Value::is_string) {
        if obj.get("type").and_then(Value::as_str) == Some("stdio") {
            obj.remove("type");
        }
        if let Some(url) = mcp_remote_url(&obj) {
            let args: Vec<String> = obj
                .get("args")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            return Ok(match migrate(name, &url, &args, obj.get("env"), exe) {
                Ok(m) => {
                    notes.push(format!(
                        "\"{name}\": `npx mcp-remote {url}` turned into a bridge entry (MCP Tray's native bridge; its options, headers and env carried over).{}",
                        m.said()
                    ));
                    m.entry
                }
                Err(why) => {
                    notes.push(format!(
                        "\"{name}\" uses `npx mcp-remote {url}` and is kept as it is: {why}"
                    ));
                    Value::Object(obj)
                }
            });
        }
        return Ok(Value::Object(obj));
    }
    let Some(url) = entry_url(&obj) else {
        return Err(ConfigError::Invalid(format!(
            "\"{name}\" has neither \"command\" nor \"url\""
        )));
    };
    let headers: Vec<(String, String)> = obj
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let transport = match obj.get("type").and_then(Value::as_str) {
        Some("sse") => Some("sse"),
        Some("http" | "streamable-http" | "streamableHttp") => Some("http"),
        _ => None,
    };
    notes.push(format!(
        "\"{name}\": url entry turned into a bridge entry (Claude Desktop only starts commands)"
    ));
    bridge_entry(name, url, &headers, transport, allow_http, exe)
}

fn mcp_remote_url(obj: &Map<String, Value>) -> Option<String> {
    let args = obj.get("args")?.as_array()?;
    let pos = args
        .iter()
        .position(|a| a.as_str().is_some_and(is_mcp_remote))?;
    args[pos + 1..]
        .iter()
        .filter_map(Value::as_str)
        .find(|a| a.starts_with("http://") || a.starts_with("https://"))
        .map(str::to_owned)
}

/// The entry that runs MCP Tray's bridge for `url`. Secret-looking header values go into `env`.
/// A plain `http://` URL to another host is refused (the bridge would refuse it at every start)
/// unless `allow_http`, which the entry then passes on as `--allow-http`.
pub fn bridge_entry(
    name: &str,
    url: &str,
    headers: &[(String, String)],
    transport: Option<&str>,
    allow_http: bool,
    exe: &Path,
) -> Result<Value, ConfigError> {
    // Spaces copied around a URL are no part of it.
    let url = url.trim();
    check_remote_url(url, allow_http)?;
    let mut args = vec![json!("bridge"), json!(url), json!("--name"), json!(name)];
    if allow_http && url.to_ascii_lowercase().starts_with("http://") {
        args.push(json!("--allow-http"));
    }
    if let Some(t) = transport {
        args.push(json!("--transport"));
        args.push(json!(t));
    }
    let mut env = Map::new();
    for (key, value) in headers {
        args.push(json!("--header"));
        args.push(json!(header_arg(key, value, &mut env)));
    }
    let mut entry = Map::new();
    entry.insert("command".into(), json!(exe.to_string_lossy()));
    entry.insert("args".into(), Value::Array(args));
    if !env.is_empty() {
        entry.insert("env".into(), Value::Object(env));
    }
    Ok(Value::Object(entry))
}

/// `converted`, the bridge entry standing in for `original`, with every key of `original` the
/// conversion did not translate (`translated`: the ones it turned into the bridge's `command`,
/// `args` and `env`) kept as it was: the user's own notes and settings stay, as in every other
/// edit. The bridge entry's keys take the place of the first translated key, the kept ones keep
/// their order around it. Returns the entry and the names of the keys kept.
pub fn keep_other_keys(
    original: &Value,
    converted: Value,
    translated: &[&str],
) -> (Value, Vec<String>) {
    let (Some(original), Value::Object(mut bridge)) = (original.as_object(), converted.clone())
    else {
        return (converted, Vec::new());
    };
    let owned: Vec<String> = bridge.keys().cloned().collect();
    let mut out = Map::new();
    let mut kept = Vec::new();
    for (key, value) in original {
        if translated.contains(&key.as_str()) {
            out.append(&mut bridge);
        } else if owned.contains(key) {
            // A key the bridge entry writes too (an `env` beside a url entry's secret headers):
            // both objects' members are kept, the bridge's where a name is in both.
            out.append(&mut bridge);
            if let (Some(Value::Object(theirs)), Value::Object(mine)) = (out.get_mut(key), value) {
                for (k, v) in mine {
                    theirs.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        } else {
            out.insert(key.clone(), value.clone());
            kept.push(key.clone());
        }
    }
    out.append(&mut bridge);
    (Value::Object(out), kept)
}

/// The bridge's `--header` argument for `key: value`. A secret-looking header's value goes into
/// `env` as `MCP_TRAY_HEADER_<KEY>` and the argument names it (`${MCP_TRAY_HEADER_<KEY>}`), so that
/// the credential is not in the args that process lists and logs show.
pub fn header_arg(key: &str, value: &str, env: &mut Map<String, Value>) -> String {
    let value = if crate::redact::is_secret_header(key) && !value.contains("${") {
        let var = format!(
            "MCP_TRAY_HEADER_{}",
            key.to_ascii_uppercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        env.insert(var.clone(), json!(value));
        format!("${{{var}}}")
    } else {
        value.to_owned()
    };
    format!("{key}: {value}")
}

/// Refuses URLs the bridge cannot use: one with a space inside, WebSocket, anything but http(s)
/// (naming the scheme found, or the URL meant when a scheme is missing), port 0, and plain
/// `http://` to a host other than this machine unless `allow_http` (the bridge's own rule,
/// [`check_url`]). Spaces around the URL are not counted.
pub fn check_remote_url(url: &str, allow_http: bool) -> Result<(), ConfigError> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    // Quoted without its credentials, and cut.
    let quoted = shown(url);
    if url.contains(char::is_whitespace) {
        return Err(ConfigError::Invalid(format!(
            "the URL \"{quoted}\" contains a space, and a URL holds none: remove it (a space that \
             belongs in the URL is written %20)"
        )));
    }
    if lower.starts_with("ws://") || lower.starts_with("wss://") {
        return Err(ConfigError::Invalid(format!(
            "{quoted} is a WebSocket URL, and MCP has no WebSocket transport. Remote MCP servers speak \
             Streamable HTTP (usually a URL ending in /mcp) or the older HTTP+SSE (ending in /sse); \
             look for that URL in the server's documentation"
        )));
    }
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        if let Some(scheme) = scheme_of(&lower) {
            return Err(other_scheme(&quoted, scheme));
        }
        let meant = bare_url(url)
            .map(|m| format!(": did you mean {}?", shown(&m)))
            .unwrap_or_default();
        return Err(ConfigError::Invalid(format!(
            "{quoted} is not an http:// or https:// URL{meant}"
        )));
    }
    // Port 0 too is refused there, as the bridge refuses it at runtime.
    check_url(url, allow_http).map(|_| ()).map_err(|d| {
        let fix = d
            .fix
            .as_deref()
            .map(|f| format!(". {f}"))
            .unwrap_or_default();
        ConfigError::Invalid(format!("{}{fix}", d.summary))
    })
}

/// The refusal of a URL whose scheme (`ftp`) is not http or https.
fn other_scheme(quoted: &str, scheme: &str) -> ConfigError {
    ConfigError::Invalid(format!(
        "{quoted} starts with {scheme}://, but MCP servers are reached over http:// or https://: \
         look for that URL in the server's documentation"
    ))
}

/// The scheme of `url` (`ftp` of `ftp://…`), when it starts with one and `://`.
fn scheme_of(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once("://")?;
    (scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// The URL meant by a host (with a port, a path) written without its scheme
/// (`mcp.example.com/mcp`): `https://` before it, or `http://` for this machine's own
/// (`localhost:3000/mcp`). `None` when what comes before the path is not a domain name
/// (`example.com`), `localhost` or an IPv4 address.
fn bare_url(text: &str) -> Option<String> {
    let end = text.find(['/', '?', '#']).unwrap_or(text.len());
    let authority = &text[..end];
    let host = match authority.split_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        Some(_) => return None,
        None => authority,
    };
    let ip = host.parse::<std::net::Ipv4Addr>().ok();
    let local = host.eq_ignore_ascii_case("localhost") || ip.is_some_and(|ip| ip.is_loopback());
    let labels: Vec<&str> = host.split('.').collect();
    let domain = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if !(local || domain || ip.is_some()) {
        return None;
    }
    let scheme = if local { "http" } else { "https" };
    Some(format!("{scheme}://{text}"))
}

/// Refuses a URL that a space seems to have cut (`https://exa mple.com/mcp` read as
/// `https://exa`). `next` is the word right after the URL, when a space is all that stands
/// between them. A cut is seen when the URL ends at its host (no port, path, query or fragment
/// tells that the host is whole), the word could go on with it (it starts with a letter, a digit,
/// `.`, `:` or `/`), and either the host is one label that names no machine of its own
/// (`localhost`, an address) or the word holds a `/` (the rest of the host and its path). A host
/// of one label with a port or a path (`http://intranet:8080/mcp`) is never taken for a cut.
fn check_cut(url: &str, next: Option<&str>) -> Result<(), ConfigError> {
    let Some(next) = next
        .filter(|w| w.starts_with(|c: char| c.is_alphanumeric() || matches!(c, '.' | ':' | '/')))
    else {
        return Ok(());
    };
    let Some((_, rest)) = url.split_once("://") else {
        return Ok(());
    };
    if rest.contains(['/', '?', '#']) {
        return Ok(());
    }
    let host = rest.rsplit('@').next().unwrap_or(rest);
    if host.is_empty() || host.contains([':', '[']) {
        return Ok(());
    }
    let one_label = !host.contains('.')
        && !host.eq_ignore_ascii_case("localhost")
        && !host.chars().all(|c| c.is_ascii_digit());
    let path_after = next.contains('/') && next.starts_with(char::is_alphanumeric);
    if !(one_label || path_after) {
        return Ok(());
    }
    Err(ConfigError::Invalid(format!(
        "the URL {} seems cut at a space ({}): a URL holds no spaces; fix the snippet{ADD_BY_URL}",
        shown(url),
        shown(&format!("{url} {next}"))
    )))
}

/// Reads a URL or an `npx mcp-remote URL [--header 'K: V']…` line.
fn parse_command_line(
    line: &str,
    name: Option<&str>,
    exe: &Path,
    allow_http: bool,
) -> Result<Snippet, ConfigError> {
    let words = split_words(line);
    // In an `npx mcp-remote URL` line the URL is a word of its own; elsewhere it is found as
    // linkifiers find one in prose. The word after it tells whether a space cut it.
    let mcp_remote = words.iter().position(|w| is_mcp_remote(w));
    let (url, next) = match mcp_remote {
        Some(_) => words
            .iter()
            .position(|w| is_url(w))
            .map(|i| (words[i].as_str(), words.get(i + 1).map(String::as_str))),
        None => None,
    }
    .or_else(|| {
        let at = find_url(line, |s| ["http", "https", "ws", "wss"].contains(&s))?;
        Some((&line[at.clone()], word_after(&line[at.end..])))
    })
    .ok_or_else(|| no_url(line, &words))?;
    check_cut(url, next)?;
    let name = name.map_or_else(|| suggest_name_for_url(url), str::to_owned);
    // `npx mcp-remote URL …` is read as the entry it would be, and replaced as such (everything
    // mcp-remote was told carried over, or the entry kept with why).
    if let Some(pos) = mcp_remote
        && (url.starts_with("http://") || url.starts_with("https://"))
    {
        let (command, args) = match pos {
            0 => (
                "npx",
                std::iter::once("-y")
                    .chain(words.iter().map(String::as_str))
                    .collect::<Vec<_>>(),
            ),
            _ => (
                words[0].as_str(),
                words[1..].iter().map(String::as_str).collect(),
            ),
        };
        let entry = json!({"command": command, "args": args});
        let mut notes = Vec::new();
        let entry = convert_entry(&name, entry, exe, allow_http, &mut notes)?;
        return Ok(Snippet {
            entries: vec![(name, entry)],
            notes,
            refused: Vec::new(),
        });
    }
    let mut headers = Vec::new();
    let mut transport = None;
    let mut allow_http = allow_http;
    let mut iter = words.iter();
    while let Some(w) = iter.next() {
        match w.as_str() {
            // mcp-remote's own flag for plain http:// to another host, and the bridge's.
            "--allow-http" => allow_http = true,
            "--header" => {
                if let Some((k, v)) = iter.next().and_then(|h| crate::transport::split_header(h)) {
                    headers.push((k.to_owned(), v.to_owned()));
                }
            }
            "--transport" => {
                transport = match iter.next().map(String::as_str) {
                    Some("sse-only") => Some("sse"),
                    Some("http-only") => Some("http"),
                    _ => None,
                };
            }
            _ => {}
        }
    }
    let entry = bridge_entry(&name, url, &headers, transport, allow_http, exe)?;
    // A pasted line that starts with the URL and goes on after a space: the rest is not part of
    // it (a URL holds no spaces), which the preview must say, since the test of a cut URL fails
    // for a reason (a 404) that does not point at the space.
    let mut notes = Vec::new();
    let first_line = line.lines().next().unwrap_or_default().trim();
    if let Some(rest) = first_line.strip_prefix(url)
        && rest.starts_with(char::is_whitespace)
        && !rest.trim().is_empty()
    {
        notes.push(format!(
            "Only {} was read: \"{}\" after the space is not part of it, as a URL holds no \
             spaces (write a space in a URL as %20).",
            shown(url),
            shown(rest.trim())
        ));
    }
    Ok(Snippet {
        entries: vec![(name, entry)],
        notes,
        refused: Vec::new(),
    })
}

/// How a snippet's advice ends at a terminal ([`crate::diagnose::message_in`] leaves it out of
/// the app's, which has its URL field).
pub const ADD_BY_URL: &str = ", or add the server with `mcp-tray add NAME --url URL`";

/// Why no URL was taken from `line` (its `words`): a local server's command, a URL of another
/// scheme than http(s) (`ftp://…`), a host and path without a scheme (`mcp.example.com/mcp`,
/// with the URL meant), or nothing like a URL.
fn no_url(line: &str, words: &[String]) -> ConfigError {
    let quoted = shown(line);
    if words.first().is_some_and(|first| looks_like_command(first)) {
        return ConfigError::Invalid(format!(
            "this looks like the command of a local server, not a URL or a JSON snippet: add it \
             by its command, with \"Add a local server by its command\" in the app, or \
             `mcp-tray add NAME -- {quoted}` on the command line"
        ));
    }
    let scheme = |s: &str| s.starts_with(|c: char| c.is_ascii_alphabetic());
    if let Some(at) = find_url(line, scheme) {
        let url = &line[at];
        let lower = url.to_ascii_lowercase();
        return other_scheme(&shown(url), scheme_of(&lower).unwrap_or("?"));
    }
    // A scheme alone (`https://`): the rest of the URL is what is missing.
    if let Some(scheme) = ["https://", "http://"]
        .into_iter()
        .find(|s| line.trim().eq_ignore_ascii_case(s))
    {
        return ConfigError::Invalid(format!(
            "\"{quoted}\" has no address after {scheme}: paste the server's whole URL (e.g. \
             {scheme}example.com/mcp)"
        ));
    }
    // A host and path (`mcp.example.com/mcp`), or a host and port (`localhost:1234`).
    let host_port = |w: &str| {
        w.split_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
    };
    let meant = line.split_whitespace().find_map(|w| {
        let w = trim_url(w.trim_start_matches(['(', '<', '"', '\'', '`', '“', '‘', '«', '[']));
        (w.contains('/') || host_port(w))
            .then(|| bare_url(w))
            .flatten()
    });
    ConfigError::Invalid(match meant {
        Some(m) => format!("no URL found in \"{quoted}\": did you mean {}?", shown(&m)),
        None => format!("no URL found in \"{quoted}\""),
    })
}

/// The words of a command line typed whole where one program belongs (a `"command"`, the app's
/// Command field), as [`split_words`] splits it; `None` when a quote does not wrap whole words
/// (`print('hi')`, `O'Brien`) or is left open, which a split would change: the line is then not
/// guessed at.
pub fn command_line_words(line: &str) -> Option<Vec<String>> {
    let mut open: Option<char> = None;
    let mut before = ' ';
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match open {
            Some(q) if c == q => {
                if chars.peek().is_some_and(|n| !n.is_whitespace()) {
                    return None;
                }
                open = None;
            }
            Some(_) => {}
            None if c == '"' || c == '\'' => {
                if !before.is_whitespace() {
                    return None;
                }
                open = Some(c);
            }
            None => {}
        }
        before = c;
    }
    open.is_none().then(|| split_words(line))
}

/// Splits a command line into words, honouring single and double quotes; a backslash is kept as
/// it is (a Windows path's separator, not an escape). The one rule by which MCP Tray reads a
/// command line typed whole (the doctor's finding, the app's Command field, a pasted snippet).
pub fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// A server name from a URL's host: `https://mcp.linear.app/sse` → `linear`.
pub fn suggest_name_for_url(url: &str) -> String {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p))
            if p.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(']') || h.starts_with('[') =>
        {
            (h, Some(p))
        }
        _ => (authority, None),
    };
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    if host == "localhost" || is_ip {
        return match port {
            Some(p) => format!("local-{p}"),
            None => "local".into(),
        };
    }
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let skip = ["www", "mcp", "api", "server", "remote", "app"];
    let meaningful: Vec<&str> = match labels.len() {
        0 => Vec::new(),
        1 => labels.clone(),
        n => labels[..n - 1]
            .iter()
            .copied()
            .filter(|l| !skip.contains(l))
            .collect(),
    };
    // The registrable name is the last meaningful label before the TLD (`mcp.linear.app` → linear).
    let pick = meaningful
        .last()
        .or(labels.first())
        .copied()
        .unwrap_or("remote");
    sanitize_name(pick)
}

/// A server name from an entry: its package (`@modelcontextprotocol/server-github` → `github`),
/// its URL's host, or its command.
pub fn suggest_name_for_entry(entry: &Value) -> String {
    let obj = entry.as_object();
    if let Some(url) = obj.and_then(entry_url) {
        return suggest_name_for_url(url);
    }
    let args: Vec<&str> = obj
        .and_then(|o| o.get("args"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(pkg) = args.iter().find(|a| !a.starts_with('-')) {
        let base = pkg.rsplit('/').next().unwrap_or(pkg);
        let base = base.split('@').next().unwrap_or(base);
        let base = base.trim_end_matches(".py").trim_end_matches(".js");
        let stripped = base
            .strip_prefix("mcp-server-")
            .or_else(|| base.strip_prefix("server-"))
            .or_else(|| base.strip_suffix("-mcp-server"))
            .or_else(|| base.strip_suffix("-mcp"))
            .unwrap_or(base);
        if !stripped.is_empty() {
            return sanitize_name(stripped);
        }
    }
    let cmd = obj
        .and_then(|o| o.get("command"))
        .and_then(Value::as_str)
        .unwrap_or("server");
    let file = cmd.rsplit(['/', '\\']).next().unwrap_or(cmd);
    sanitize_name(file.split('.').next().unwrap_or(file))
}

fn sanitize_name(s: &str) -> String {
    let name: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-').to_owned();
    if name.is_empty() {
        "server".into()
    } else {
        name
    }
}

#[cfg(test)]
#[path = "snippet_tests.rs"]
mod tests;
