//! The config file as text and as a model: strict parsing with precise errors, and the entries of
//! `mcpServers` read as what they mean.
//!
//! Parsing is strict JSON, like Claude Desktop's own parser: comments, trailing commas, single
//! quotes and bare words are errors, reported as `path:line:col` with what was expected. The text is
//! kept exactly as read so edits can be applied to it; this module never changes it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jsonc_parser::ast;
use jsonc_parser::common::Ranged;
use jsonc_parser::cst::CstRootNode;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions};
use serde::Serialize;
use serde_json::Value;

use super::ConfigError;

const BOM: &str = "\u{feff}";

/// Parse options matching Claude Desktop's `JSON.parse`: plain JSON only.
pub(crate) fn strict_options() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// A parsed config file: its exact text, and the model read from it.
#[derive(Debug, Clone)]
pub struct ConfigDocument {
    pub path: PathBuf,
    /// Whether the file existed. A missing file reads as an empty document.
    pub exists: bool,
    /// The text after the byte-order mark, if there was one.
    pub text: String,
    /// Whether the file started with a UTF-8 byte-order mark (kept on write).
    pub bom: bool,
    /// The entries of `mcpServers`, in file order.
    pub servers: Vec<ServerEntry>,
    /// Whether `mcpServers` exists as an object.
    pub has_servers_object: bool,
    /// Where things are in `text`, for edits.
    pub(crate) layout: Layout,
}

/// Byte ranges in the text: the value of every top-level property but `mcpServers`, the
/// `mcpServers` object, and the value of every entry in it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    pub top_values: Vec<(usize, usize)>,
    pub entry_values: Vec<(usize, usize)>,
}

impl ConfigDocument {
    /// Parses `bytes` read from `path`. `allow_bom` lets a file with a byte-order mark through.
    pub fn parse(path: &Path, bytes: &[u8], allow_bom: bool) -> Result<Self, ConfigError> {
        Self::parse_with(path, bytes, allow_bom, true)
    }

    /// Parses for an edit's own check: the layout and `has_servers_object`, but no entry models
    /// (`servers` stays empty), which halves the work on a large file.
    pub(crate) fn parse_layout(path: &Path, bytes: &[u8]) -> Result<Self, ConfigError> {
        Self::parse_with(path, bytes, true, false)
    }

    fn parse_with(
        path: &Path,
        bytes: &[u8],
        allow_bom: bool,
        models: bool,
    ) -> Result<Self, ConfigError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let offset = e.valid_up_to();
            ConfigError::NotUtf8 {
                path: path.to_path_buf(),
                offset,
                line: bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1,
            }
        })?;
        let (bom, text) = match text.strip_prefix(BOM) {
            Some(rest) if allow_bom => (true, rest),
            Some(_) => {
                return Err(ConfigError::ByteOrderMark {
                    path: path.to_path_buf(),
                });
            }
            None => (false, text),
        };
        let mut doc = ConfigDocument {
            path: path.to_path_buf(),
            exists: true,
            text: text.to_owned(),
            bom,
            servers: Vec::new(),
            has_servers_object: false,
            layout: Layout::default(),
        };
        doc.read_model(models)?;
        Ok(doc)
    }

    /// The document of a file that does not exist yet.
    pub fn missing(path: &Path) -> Self {
        ConfigDocument {
            path: path.to_path_buf(),
            exists: false,
            text: String::new(),
            bom: false,
            servers: Vec::new(),
            has_servers_object: false,
            layout: Layout::default(),
        }
    }

    /// The bytes to write for `text`, with the byte-order mark put back when there was one.
    pub fn bytes_for(&self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() + 3);
        if self.bom {
            out.extend_from_slice(BOM.as_bytes());
        }
        out.extend_from_slice(text.as_bytes());
        out
    }

    /// The entry named `name`.
    pub fn server(&self, name: &str) -> Option<&ServerEntry> {
        self.servers.iter().find(|s| s.name == name)
    }

    fn read_model(&mut self, models: bool) -> Result<(), ConfigError> {
        let source = if self.text.trim().is_empty() {
            "{}"
        } else {
            self.text.as_str()
        };
        let collect = CollectOptions {
            comments: CommentCollectionStrategy::Off,
            tokens: false,
        };
        let parsed = jsonc_parser::parse_to_ast(source, &collect, &strict_options())
            .map_err(|e| parse_error(&self.path, source, &e))?;
        let Some(value) = parsed.value else {
            return Ok(());
        };
        let ast::Value::Object(top) = value else {
            return Err(ConfigError::Shape {
                path: self.path.clone(),
                message: "the file must hold a JSON object ({ … }) at the top level".into(),
            });
        };
        let mut layout = Layout::default();
        let mut servers_value = None;
        for prop in top.properties {
            if prop.name.as_str() == "mcpServers" && servers_value.is_none() {
                servers_value = Some(prop.value);
            } else {
                let r = prop.value.range();
                layout.top_values.push((r.start, r.end));
            }
        }
        if let Some(value) = servers_value {
            let ast::Value::Object(servers) = value else {
                let r = value.range();
                return Err(ConfigError::Shape {
                    path: self.path.clone(),
                    message: format!(
                        "line {}: \"mcpServers\" must be an object mapping server names to entries \
                         ({{\"name\": {{\"command\": …}}}}), not {}",
                        line_of(source, r.start),
                        kind_name(serde_json::from_str(&source[r.start..r.end]).ok().as_ref())
                    ),
                });
            };
            self.has_servers_object = true;
            for prop in servers.properties {
                let r = prop.value.range();
                layout.entry_values.push((r.start, r.end));
                if !models {
                    continue;
                }
                let name_range = prop.name.range();
                let raw = source[r.start..r.end].to_owned();
                let value = ast_to_json(&prop.value);
                let mut entry = ServerEntry::from_value(prop.name.as_str().to_owned(), value, raw);
                entry.raw_key = source[name_range.start..name_range.end].to_owned();
                entry.separator = source[name_range.end..r.start].to_owned();
                self.servers.push(entry);
            }
        }
        self.layout = layout;
        Ok(())
    }
}

/// The JSON value of an AST node, without scanning its text again.
fn ast_to_json(value: &ast::Value) -> Value {
    match value {
        ast::Value::StringLit(s) => Value::String(s.value.to_string()),
        ast::Value::NumberLit(n) => serde_json::from_str(n.value).unwrap_or(Value::Null),
        ast::Value::BooleanLit(b) => Value::Bool(b.value),
        ast::Value::NullKeyword(_) => Value::Null,
        ast::Value::Array(a) => Value::Array(a.elements.iter().map(ast_to_json).collect()),
        ast::Value::Object(o) => Value::Object(
            o.properties
                .iter()
                .map(|p| (p.name.as_str().to_owned(), ast_to_json(&p.value)))
                .collect(),
        ),
    }
}

fn parse_error(path: &Path, source: &str, e: &jsonc_parser::errors::ParseError) -> ConfigError {
    let offset = e.range().start;
    let (line, column) = line_col(source, offset);
    ConfigError::Parse {
        path: path.to_path_buf(),
        line,
        column,
        message: explain_parse_error(e.kind(), source, offset),
    }
}

/// Builds the concrete syntax tree of `text` for editing (an empty text is an empty object).
/// The CST keeps comments as nodes whatever the options say; strictness is checked on the AST.
pub(crate) fn parse_cst(path: &Path, text: &str) -> Result<CstRootNode, ConfigError> {
    let source = if text.trim().is_empty() { "{}" } else { text };
    CstRootNode::parse(source, &strict_options()).map_err(|e| parse_error(path, source, &e))
}

fn explain_parse_error(
    kind: &jsonc_parser::errors::ParseErrorKind,
    text: &str,
    at: usize,
) -> String {
    use jsonc_parser::errors::ParseErrorKind as K;
    let rest = text.get(at..).unwrap_or("");
    match kind {
        K::TrailingCommasNotAllowed => {
            "trailing comma: JSON does not allow a comma after the last item; remove it".into()
        }
        K::CommentsNotAllowed => "comment: JSON does not allow comments; remove it".into(),
        K::UnterminatedObject => {
            "unexpected end of file: an object is missing its closing }".into()
        }
        K::UnterminatedArray => "unexpected end of file: an array is missing its closing ]".into(),
        K::ExpectedObjectValue if rest.trim().is_empty() => {
            "unexpected end of file: expected a value after the colon".into()
        }
        K::ExpectedComma | K::UnexpectedTokenInObject => {
            "expected a comma between two items (or a closing brace)".into()
        }
        K::SingleQuotedStringsNotAllowed => {
            "single-quoted string: JSON strings use double quotes".into()
        }
        K::ExpectedStringObjectProperty | K::UnexpectedWord => {
            "expected a double-quoted property name".into()
        }
        K::MultipleRootJsonValues => {
            "text after the end of the top-level object (a stray brace or a second object?)".into()
        }
        other => {
            let mut s = other.to_string();
            if let Some(first) = s.get_mut(0..1) {
                first.make_ascii_lowercase();
            }
            s
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn line_of(text: &str, offset: usize) -> usize {
    line_col(text, offset).0
}

fn kind_name(v: Option<&Value>) -> &'static str {
    match v {
        None | Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "an array",
        Some(Value::Object(_)) => "an object",
    }
}

/// One entry of `mcpServers`, read as what it means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerEntry {
    pub name: String,
    /// What the entry is: a local command, a remote server through a bridge, a tapped command…
    pub kind: EntryKind,
    pub command: Option<String>,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    /// Keys of the entry other than `command`, `args` and `env`; kept untouched by every edit.
    pub other_keys: Vec<String>,
    /// The entry's exact text in the file.
    #[serde(skip)]
    pub raw: String,
    /// The name's exact text in the file, quotes included.
    #[serde(skip)]
    pub raw_key: String,
    /// The exact text between name and value (`: `).
    #[serde(skip)]
    pub separator: String,
    /// The entry's JSON value.
    #[serde(skip)]
    pub value: Value,
}

/// What an entry means.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EntryKind {
    /// A stdio server Claude starts directly.
    Local,
    /// A remote server through MCP Tray's bridge (`mcp-tray bridge URL`).
    Remote { url: String },
    /// A remote server through `npx mcp-remote URL` (replaceable by the native bridge).
    McpRemote { url: String },
    /// A local server run through MCP Tray's tap (`mcp-tray wrap --name N -- CMD …`).
    Tapped { command: String, args: Vec<String> },
    /// A `url`/`type` entry, which Claude Desktop's config does not support.
    UrlEntry { url: String },
    /// An entry Claude cannot start: not an object, or no `command`.
    Invalid { reason: String },
}

impl EntryKind {
    /// A short word for tables: local, remote, tapped…
    pub fn label(&self) -> &'static str {
        match self {
            EntryKind::Local => "local",
            EntryKind::Remote { .. } => "remote",
            EntryKind::McpRemote { .. } => "mcp-remote",
            EntryKind::Tapped { .. } => "tapped",
            EntryKind::UrlEntry { .. } => "url-entry",
            EntryKind::Invalid { .. } => "invalid",
        }
    }
}

impl ServerEntry {
    pub fn from_value(name: String, value: Value, raw: String) -> Self {
        let obj = value.as_object();
        let command = obj
            .and_then(|o| o.get("command"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let args: Vec<String> = obj
            .and_then(|o| o.get("args"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let env = obj
            .and_then(|o| o.get("env"))
            .and_then(Value::as_object)
            .map(|e| {
                e.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let other_keys = obj
            .map(|o| {
                o.keys()
                    .filter(|k| !matches!(k.as_str(), "command" | "args" | "env"))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let url = obj
            .and_then(|o| o.get("url").or_else(|| o.get("serverUrl")))
            .and_then(Value::as_str);
        let kind = match (obj, &command, url) {
            (None, _, _) => EntryKind::Invalid {
                reason: "the entry is not an object".into(),
            },
            (Some(_), None, Some(url)) => EntryKind::UrlEntry {
                url: url.to_owned(),
            },
            (Some(_), None, None) => EntryKind::Invalid {
                reason: "the entry has no \"command\"".into(),
            },
            (Some(_), Some(cmd), _) => classify_command(cmd, &args),
        };
        ServerEntry {
            name,
            kind,
            command,
            args,
            env,
            other_keys,
            raw,
            raw_key: String::new(),
            separator: String::new(),
            value,
        }
    }
}

/// Whether `command` is MCP Tray's CLI (`…/mcp-tray` or `…\mcp-tray.exe`).
pub fn is_mcp_tray_command(command: &str) -> bool {
    let file = command.rsplit(['/', '\\']).next().unwrap_or(command);
    let stem = file
        .strip_suffix(".exe")
        .or_else(|| file.strip_suffix(".EXE"))
        .unwrap_or(file);
    stem == "mcp-tray"
}

fn classify_command(command: &str, args: &[String]) -> EntryKind {
    if is_mcp_tray_command(command) {
        match args.first().map(String::as_str) {
            Some("bridge") => {
                if let Some(url) = args.get(1) {
                    return EntryKind::Remote { url: url.clone() };
                }
            }
            Some("wrap") => {
                if let Some(sep) = args.iter().position(|a| a == "--")
                    && let Some(cmd) = args.get(sep + 1)
                {
                    return EntryKind::Tapped {
                        command: cmd.clone(),
                        args: args[sep + 2..].to_vec(),
                    };
                }
            }
            _ => {}
        }
        return EntryKind::Local;
    }
    let file = command.rsplit(['/', '\\']).next().unwrap_or(command);
    if matches!(file, "npx" | "npx.cmd" | "npx.exe" | "bunx" | "pnpx")
        && let Some(pos) = args
            .iter()
            .position(|a| a == "mcp-remote" || a.starts_with("mcp-remote@"))
        && let Some(url) = args[pos + 1..]
            .iter()
            .find(|a| a.starts_with("http://") || a.starts_with("https://"))
    {
        return EntryKind::McpRemote { url: url.clone() };
    }
    EntryKind::Local
}

/// Whether an environment variable's name suggests a secret (its value is masked when shown).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "PRIVATE",
        "CREDENTIAL",
        "AUTH",
    ]
    .iter()
    .any(|w| upper.contains(w))
        || upper.ends_with("_KEY")
        || upper == "KEY"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigDocument, ConfigError> {
        ConfigDocument::parse(Path::new("c.json"), text.as_bytes(), false)
    }

    #[test]
    fn trailing_comma_is_reported_with_line_and_column() {
        let err = parse("{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"},\n  }\n}\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("c.json:3:"), "{err}");
        assert!(err.contains("trailing comma"), "{err}");
    }

    #[test]
    fn truncated_file_says_unexpected_end() {
        let err = parse("{\"mcpServers\": {\"a\": ").unwrap_err().to_string();
        assert!(err.contains("unexpected end of file"), "{err}");
        assert!(err.starts_with("c.json:1:"), "{err}");
    }

    #[test]
    fn comments_are_refused_like_claude_does() {
        let err = parse("{\n// hi\n}").unwrap_err().to_string();
        assert!(err.contains("c.json:2:1"), "{err}");
        assert!(err.contains("comment"), "{err}");
    }

    #[test]
    fn byte_order_mark_is_refused_unless_allowed() {
        let bytes = "\u{feff}{}".as_bytes();
        let err = ConfigDocument::parse(Path::new("c.json"), bytes, false).unwrap_err();
        assert!(matches!(err, ConfigError::ByteOrderMark { .. }));
        let doc = ConfigDocument::parse(Path::new("c.json"), bytes, true).unwrap();
        assert!(doc.bom);
        assert_eq!(doc.bytes_for(&doc.text), bytes);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let err = ConfigDocument::parse(Path::new("c.json"), b"{\n\"a\": \"\xff\"}", false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not valid UTF-8") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn servers_of_wrong_type_are_a_shape_error() {
        let err = parse("{\"mcpServers\": [1]}").unwrap_err().to_string();
        assert!(
            err.contains("must be an object") && err.contains("an array"),
            "{err}"
        );
    }

    #[test]
    fn entries_are_read_as_what_they_mean() {
        let doc = parse(
            r#"{"mcpServers": {
  "fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"], "env": {"API_KEY": "s3"}, "disabled": false},
  "remote": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://example.com/mcp", "--name", "remote"]},
  "tap": {"command": "C:\\Program Files\\MCP Tray\\mcp-tray.exe", "args": ["wrap", "--name", "tap", "--", "uvx", "mcp-server-git"]},
  "old": {"command": "npx", "args": ["-y", "mcp-remote@0.1.0", "https://x.dev/sse"]},
  "url": {"type": "http", "url": "https://y.dev/mcp"},
  "none": {"args": []}
}}"#,
        )
        .unwrap();
        let kinds: Vec<_> = doc.servers.iter().map(|s| s.kind.label()).collect();
        assert_eq!(
            kinds,
            [
                "local",
                "remote",
                "tapped",
                "mcp-remote",
                "url-entry",
                "invalid"
            ]
        );
        assert_eq!(doc.servers[0].other_keys, ["disabled"]);
        assert_eq!(doc.servers[0].env["API_KEY"], "s3");
        assert_eq!(
            doc.servers[2].kind,
            EntryKind::Tapped {
                command: "uvx".into(),
                args: vec!["mcp-server-git".into()]
            }
        );
        assert_eq!(
            doc.servers[1].raw,
            r#"{"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://example.com/mcp", "--name", "remote"]}"#
        );
    }

    #[test]
    fn secret_looking_names() {
        assert!(is_secret_name("GITHUB_PERSONAL_ACCESS_TOKEN"));
        assert!(is_secret_name("OPENAI_API_KEY"));
        assert!(!is_secret_name("PATH"));
        assert!(!is_secret_name("NODE_ENV"));
    }
}
