//! The config file as text and as a model: strict parsing with precise errors, and the entries of
//! `mcpServers` read as what they mean.
//!
//! Parsing is strict JSON, like Claude Desktop's own parser: comments, trailing commas, single
//! quotes and bare words are errors, reported as `path:line:col` with what was expected. The text is
//! kept exactly as read so edits can be applied to it; this module never changes it.
//!
//! A key written twice in one object is not an error to `JSON.parse` either: the last copy wins.
//! The model reads the file the same way, so every view (list, show, doctor, the app's Servers
//! list) shows what Claude Desktop runs: of two top-level `"mcpServers"` keys the last one, of a
//! server name written twice in it the last entry (kept at the first copy's place, as in the
//! object Claude builds). Each such key is listed in [`ConfigDocument::duplicates`], which the
//! edits (`edit`) and the doctor look at.

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
    /// Keys written more than once where Claude looks: the top-level `mcpServers`, and server names
    /// inside the `mcpServers` Claude uses. In file order (a top-level duplicate first).
    pub duplicates: Vec<DuplicateKey>,
    /// Where things are in `text`, for edits.
    pub(crate) layout: Layout,
}

/// Byte ranges in the text: the value of every top-level property but the `mcpServers` Claude uses
/// (the last one; any earlier copy is a plain top-level value here), and the value of every entry
/// in it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    pub top_values: Vec<(usize, usize)>,
    pub entry_values: Vec<(usize, usize)>,
    /// For each of `servers`, the index among the entries in the file of the copy read (they
    /// differ after a name written twice); empty when no models were read.
    pub entry_index: Vec<usize>,
    /// The top-level object, braces included (`None` for an empty text).
    pub top_object: Option<(usize, usize)>,
    /// The `mcpServers` object Claude reads, braces included.
    pub servers_object: Option<(usize, usize)>,
}

/// A key written more than once in one object. Claude Desktop's `JSON.parse` keeps the last copy
/// and ignores the others, and so does [`ConfigDocument`]'s model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuplicateKey {
    /// `None` for the top-level `"mcpServers"`; the server's name for a name written twice or more
    /// inside `mcpServers`.
    pub server: Option<String>,
    /// The 1-based line and column of each copy's key, in file order. The last is the copy Claude
    /// uses.
    pub places: Vec<(usize, usize)>,
    /// For the top-level `"mcpServers"`: the names of the servers that are only in the copies
    /// Claude ignores (in file order), which is what the user loses until the copies are merged.
    /// Empty for a server name.
    pub ignored_servers: Vec<String>,
    /// For the top-level `"mcpServers"`: each earlier copy that is not an object (a string, an
    /// array, `null`…), as its line and what it is. It holds no server, but it is the user's: the
    /// merge refuses to delete it (see `Edit::MergeServers`). Empty for a server name.
    pub not_objects: Vec<(usize, &'static str)>,
}

/// How the copies of `"mcpServers"` are merged at a terminal ([`crate::diagnose::message_in`]
/// names the app's Fix button instead).
pub const MERGE_WITH_DOCTOR: &str = "with `mcp-tray doctor --fix`";

impl DuplicateKey {
    /// Where the copy Claude uses (the last one) is, for `line …`: its line, or `line:column`
    /// when copies share a line (a config written on one line).
    pub fn used_place(&self) -> String {
        self.places
            .last()
            .map(|p| self.place_text(*p))
            .unwrap_or_default()
    }

    /// Where the copies Claude ignores (all but the last) are, as [`DuplicateKey::used_place`].
    pub fn ignored_places(&self) -> Vec<String> {
        self.places[..self.places.len().saturating_sub(1)]
            .iter()
            .map(|p| self.place_text(*p))
            .collect()
    }

    fn place_text(&self, (line, column): (usize, usize)) -> String {
        let shared = self
            .places
            .iter()
            .enumerate()
            .any(|(i, a)| self.places[..i].iter().any(|b| b.0 == a.0));
        if shared {
            format!("{line}:{column}")
        } else {
            line.to_string()
        }
    }

    /// `"mcpServers"` or `the server "NAME"`, for messages.
    pub fn what(&self) -> String {
        match &self.server {
            None => "\"mcpServers\"".to_owned(),
            Some(name) => format!("the server \"{name}\""),
        }
    }

    /// How many copies, as words: `twice`, `3 times`.
    pub fn times(&self) -> String {
        match self.places.len() {
            2 => "twice".to_owned(),
            n => format!("{n} times"),
        }
    }

    /// What to do about the copies that are not objects (see [`DuplicateKey::not_objects`]): `the
    /// one on line 2 (a string) holds no server; keep what it says elsewhere…`. Empty when there
    /// are none.
    pub fn not_objects_advice(&self) -> String {
        let each: Vec<String> = self
            .not_objects
            .iter()
            .map(|(line, what)| format!("{line} ({what})"))
            .collect();
        let (which, holds, it) = match each.len() {
            0 => return String::new(),
            1 => (format!("the one on line {}", each[0]), "holds", "it"),
            _ => (
                format!("the ones on lines {}", join_and(&each)),
                "hold",
                "them",
            ),
        };
        format!(
            "{which} {holds} no server; keep what it says elsewhere if you need it and delete \
             {it}, then merge the rest into one \"mcpServers\" by hand or {MERGE_WITH_DOCTOR}"
        )
    }

    /// The lines as words: `2 and 5`, `2, 5 and 9` (`1:15 and 1:60` when copies share a line).
    pub fn lines_text(&self) -> String {
        let mut all = self.ignored_places();
        all.push(self.used_place());
        join_and(&all)
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl ConfigDocument {
    /// The credentials its servers are started with ([`crate::redact::known_secrets`] of each
    /// entry's arguments and env), to be masked wherever they show up in what MCP Tray shows of
    /// Claude's logs.
    pub fn known_secrets(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        for server in &self.servers {
            let secrets = crate::redact::known_secrets(
                &server.args,
                server.env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            for secret in secrets {
                if !all.contains(&secret) {
                    all.push(secret);
                }
            }
        }
        all
    }

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
        if super::encoding::is_utf16(bytes) {
            return Err(ConfigError::Utf16 {
                path: path.to_path_buf(),
            });
        }
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
            duplicates: Vec::new(),
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
            duplicates: Vec::new(),
            layout: Layout::default(),
        }
    }

    /// The top-level `"mcpServers"` key when it is written more than once.
    pub fn duplicate_servers_key(&self) -> Option<&DuplicateKey> {
        self.duplicates.iter().find(|d| d.server.is_none())
    }

    /// The duplicate of server name `name`, when it is written more than once.
    pub fn duplicate_server(&self, name: &str) -> Option<&DuplicateKey> {
        self.duplicates
            .iter()
            .find(|d| d.server.as_deref() == Some(name))
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

    /// Where the entry `servers[i]` stands among the entries in the file (its copy read, when its
    /// name is written twice).
    pub(crate) fn file_index(&self, i: usize) -> usize {
        self.layout.entry_index.get(i).copied().unwrap_or(i)
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
        let mut layout = Layout {
            top_object: (!self.text.trim().is_empty()).then_some((top.range.start, top.range.end)),
            ..Layout::default()
        };
        // Every top-level "mcpServers", in file order: Claude uses the last one.
        let mut copies = Vec::new();
        for prop in top.properties {
            if prop.name.as_str() == "mcpServers" {
                copies.push(prop);
            } else {
                let r = prop.value.range();
                layout.top_values.push((r.start, r.end));
            }
        }
        let used = copies.pop();
        for ignored in &copies {
            let r = ignored.value.range();
            layout.top_values.push((r.start, r.end));
        }
        if let Some(used) = used {
            let value = used.value;
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
            layout.servers_object = Some((servers.range.start, servers.range.end));
            if !copies.is_empty() {
                let used_names: std::collections::HashSet<&str> =
                    servers.properties.iter().map(|p| p.name.as_str()).collect();
                let mut ignored_servers: Vec<String> = Vec::new();
                let mut not_objects = Vec::new();
                for copy in &copies {
                    let ast::Value::Object(obj) = &copy.value else {
                        let r = copy.value.range();
                        let what =
                            kind_name(serde_json::from_str(&source[r.start..r.end]).ok().as_ref());
                        not_objects.push((line_of(source, copy.name.range().start), what));
                        continue;
                    };
                    for p in &obj.properties {
                        let name = p.name.as_str();
                        if !used_names.contains(name) && !ignored_servers.iter().any(|n| n == name)
                        {
                            ignored_servers.push(name.to_owned());
                        }
                    }
                }
                let places = copies
                    .iter()
                    .map(|c| c.name.range().start)
                    .chain([used.name.range().start])
                    .map(|offset| line_col(source, offset))
                    .collect();
                self.duplicates.push(DuplicateKey {
                    server: None,
                    places,
                    ignored_servers,
                    not_objects,
                });
            }
            // Where each name first stood (in `servers` when models are read) and the offsets of
            // its keys: a later copy replaces the entry but keeps its place, as in `JSON.parse`.
            let mut seen: std::collections::HashMap<&str, (usize, Vec<usize>)> =
                std::collections::HashMap::with_capacity(servers.properties.len());
            let mut repeated: Vec<&str> = Vec::new();
            for prop in &servers.properties {
                let r = prop.value.range();
                layout.entry_values.push((r.start, r.end));
                let name_range = prop.name.range();
                let name = prop.name.as_str();
                let slot = match seen.get_mut(name) {
                    Some((slot, offsets)) => {
                        if offsets.len() == 1 {
                            repeated.push(name);
                        }
                        offsets.push(name_range.start);
                        Some(*slot)
                    }
                    None => {
                        seen.insert(name, (self.servers.len(), vec![name_range.start]));
                        None
                    }
                };
                if !models {
                    continue;
                }
                let raw = source[r.start..r.end].to_owned();
                let value = ast_to_json(&prop.value);
                let mut entry = ServerEntry::from_value(name.to_owned(), value, raw);
                entry.raw_key = source[name_range.start..name_range.end].to_owned();
                entry.separator = source[name_range.end..r.start].to_owned();
                let index = layout.entry_values.len() - 1;
                match slot {
                    Some(i) => {
                        self.servers[i] = entry;
                        layout.entry_index[i] = index;
                    }
                    None => {
                        self.servers.push(entry);
                        layout.entry_index.push(index);
                    }
                }
            }
            for name in repeated {
                let places = seen[name]
                    .1
                    .iter()
                    .map(|offset| line_col(source, *offset))
                    .collect();
                self.duplicates.push(DuplicateKey {
                    server: Some(name.to_owned()),
                    places,
                    ignored_servers: Vec::new(),
                    not_objects: Vec::new(),
                });
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
        invalid_escape: is_invalid_escape(e.kind()) && mended_by_doubling(source),
    }
}

/// Whether `source`, which stops at a backslash, parses once the backslashes of its strings with
/// unknown escapes are written twice ([`super::repair::double_backslashes`]): only then is the
/// repair offered (a file that breaks elsewhere too is for an editor).
fn mended_by_doubling(source: &str) -> bool {
    super::repair::double_backslashes(source).is_some_and(|doubled| {
        jsonc_parser::parse_to_ast(&doubled, &CollectOptions::default(), &strict_options()).is_ok()
    })
}

/// Whether the parser stopped at a backslash that starts no escape JSON knows (`\U`, or `\u`
/// without four hex digits): how a Windows path typed with single backslashes breaks the file.
pub(crate) fn is_invalid_escape(kind: &jsonc_parser::errors::ParseErrorKind) -> bool {
    use jsonc_parser::ParseStringErrorKind as S;
    use jsonc_parser::errors::ParseErrorKind as K;
    matches!(
        kind,
        K::String(
            S::InvalidEscape
                | S::InvalidEscapeInDoubleQuoteString
                | S::ExpectedFourHexDigits
                | S::InvalidUnicodeEscapeSequence(_),
        )
    )
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
    use jsonc_parser::ParseStringErrorKind as S;
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
        // `"a",, "b"`: the error points at the second comma.
        K::ExpectedComma | K::UnexpectedTokenInObject
            if rest.starts_with(',')
                && text
                    .get(..at)
                    .is_some_and(|before| before.trim_end().ends_with(',')) =>
        {
            "two commas in a row: remove one".into()
        }
        // `{,` or `{:`: the token stands where a property name belongs (after `{` or a comma),
        // so a comma is not what is missing; the parser says only that the token was unexpected.
        K::UnexpectedTokenInObject
            if text
                .get(..at)
                .is_some_and(|before| before.trim_end().ends_with(['{', ','])) =>
        {
            let token = match rest.chars().next() {
                Some(',') => "comma".to_owned(),
                Some(':') => "colon".to_owned(),
                Some(c) => format!("`{c}`"),
                None => "end of file".to_owned(),
            };
            format!(
                "unexpected {token}: expected a property name (a quoted key) or a closing brace"
            )
        }
        K::ExpectedComma | K::UnexpectedTokenInObject => {
            "expected a comma between two items (or a closing brace)".into()
        }
        // `"\ud83d"`: half of a character's UTF-16 pair, which JavaScript's `JSON.parse` (and so
        // Claude Desktop) reads as a broken character, and no Rust string can hold. Nothing to do
        // with Windows paths.
        K::String(S::InvalidUnicodeEscapeSequence(detail)) if detail.contains("surrogate") => {
            let hex = detail.split_whitespace().next().unwrap_or_default();
            format!(
                "\\u{hex} is half of a character (an unpaired UTF-16 surrogate, as when one of the \
                 two escapes of an emoji was lost): Claude Desktop reads it as a broken character, \
                 and MCP Tray cannot keep it; write the character itself or both halves of its \
                 escape (\\u{hex}\\u…), or remove it"
            )
        }
        // `"C:\Users\me"` typed with single backslashes: the commonest way a Windows path
        // breaks the file (`\U` is no escape, `\u` wants four hex digits after it).
        K::String(
            S::InvalidEscape
            | S::InvalidEscapeInDoubleQuoteString
            | S::ExpectedFourHexDigits
            | S::InvalidUnicodeEscapeSequence(_),
        ) => {
            let escape = text
                .get(..(at + 2).min(text.len()))
                .and_then(|upto| upto.rfind('\\'))
                .and_then(|i| text.get(i..).and_then(|from| from.chars().take(2).nth(1)))
                .map_or_else(String::new, |c| format!("\\{c}"));
            format!(
                "{}a backslash in a string starts an escape (\\n, \\\"…): write each backslash \
                 of a Windows path twice (C:\\\\Users\\\\you\\\\…), or use / instead",
                match escape.as_str() {
                    "" | "\\u" => String::new(),
                    _ => format!("{escape} is no escape JSON knows: "),
                }
            )
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
    /// An entry Claude cannot start: not an object, no `command`, or a `command`, `args` or `env`
    /// of the wrong type (`"args": "a b"`); the reason says which. Kept as it is by every edit.
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
        let problems = obj.map(type_problems).unwrap_or_default();
        let kind = match (obj, &command, url) {
            (None, _, _) => EntryKind::Invalid {
                reason: "the entry is not an object".into(),
            },
            (Some(o), None, Some(url)) if !o.contains_key("command") => EntryKind::UrlEntry {
                url: url.to_owned(),
            },
            (Some(_), _, _) if !problems.is_empty() => EntryKind::Invalid {
                reason: problems.join("; "),
            },
            (Some(_), None, _) => EntryKind::Invalid {
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

/// What Claude Desktop would refuse in the types of an entry's `command`, `args` and `env` (it
/// wants a string, an array of strings and an object of strings), in words; empty when they are
/// right or absent. Values are never quoted: an arg or env value may be a secret.
pub(crate) fn type_problems(entry: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    match entry.get("command") {
        None | Some(Value::String(_)) => {}
        Some(other) => out.push(format!(
            "\"command\" is {}; it must be a string: the program to start",
            kind_name(Some(other))
        )),
    }
    match entry.get("args") {
        None => {}
        Some(Value::Array(items)) => {
            let wrong: Vec<String> = items
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_string())
                .map(|(i, v)| format!("item {} is {}", i + 1, kind_name(Some(v))))
                .collect();
            if !wrong.is_empty() {
                out.push(format!(
                    "\"args\" must hold only strings: {}",
                    wrong.join(", ")
                ));
            }
        }
        Some(other) => out.push(format!(
            "\"args\" is {}; it must be an array of strings, one per argument",
            kind_name(Some(other))
        )),
    }
    match entry.get("env") {
        None => {}
        Some(Value::Object(vars)) => {
            let wrong: Vec<String> = vars
                .iter()
                .filter(|(_, v)| !v.is_string())
                .map(|(k, v)| {
                    let k = serde_json::to_string(k).unwrap_or_default();
                    format!("the value of {k} in \"env\" is {}", kind_name(Some(v)))
                })
                .collect();
            if !wrong.is_empty() {
                out.push(format!(
                    "{}; env values must be strings (in quotes)",
                    wrong.join(", ")
                ));
            }
        }
        Some(other) => out.push(format!(
            "\"env\" is {}; it must be an object of names and string values",
            kind_name(Some(other))
        )),
    }
    out
}

/// Whether `command` is MCP Tray's CLI (`…/mcp-tray` or `…\mcp-tray.exe`).
pub fn is_mcp_tray_command(command: &str) -> bool {
    // Any case: Windows file names are (`MCP-Tray.EXE`).
    let file = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(command)
        .to_ascii_lowercase();
    file.strip_suffix(".exe").unwrap_or(&file) == "mcp-tray"
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
    // Windows configs often run it through the shell (`cmd /c npx -y mcp-remote URL`), as the
    // advice for `npx.cmd` goes: the command after `/c` says what it is.
    if matches!(file.to_ascii_lowercase().as_str(), "cmd" | "cmd.exe")
        && let Some(at) = args.iter().position(|a| a.eq_ignore_ascii_case("/c"))
        && let Some(inner) = args.get(at + 1)
        && let kind @ EntryKind::McpRemote { .. } = classify_command(inner, &args[at + 2..])
    {
        return kind;
    }
    if matches!(file, "npx" | "npx.cmd" | "npx.exe" | "bunx" | "pnpx")
        && let Some(pos) = args
            .iter()
            .position(|a| a == "mcp-remote" || a.starts_with("mcp-remote@"))
        && let Some(url) = args[pos + 1..].iter().find(|a| {
            // A WebSocket URL too: mcp-remote cannot use one either, and the doctor says why.
            let a = a.to_ascii_lowercase();
            ["http://", "https://", "ws://", "wss://"]
                .iter()
                .any(|scheme| a.starts_with(scheme))
        })
    {
        return EntryKind::McpRemote { url: url.clone() };
    }
    EntryKind::Local
}

/// Whether an environment variable's name suggests a secret (its value is masked when shown):
/// [`crate::redact::is_secret_variable`]'s rule, the one the journals mask by, for a variable
/// whose value is not looked at (`PWD` is then the working directory).
pub fn is_secret_name(name: &str) -> bool {
    crate::redact::is_secret_variable(name, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigDocument, ConfigError> {
        ConfigDocument::parse(Path::new("c.json"), text.as_bytes(), false)
    }

    #[test]
    fn mcp_tray_is_known_by_its_file_name_in_any_case() {
        for yes in [
            "/usr/local/bin/mcp-tray",
            r"C:\Program Files\MCP Tray\MCP-Tray.EXE",
            "mcp-tray.exe",
        ] {
            assert!(is_mcp_tray_command(yes), "{yes}");
        }
        for no in ["/opt/mcp-tray-app", "mcp-tray.cmd", "/mcp-tray/node"] {
            assert!(!is_mcp_tray_command(no), "{no}");
        }
    }

    #[test]
    fn mcp_remote_run_through_cmd_on_windows_is_known_as_mcp_remote() {
        let doc = parse(
            r#"{"mcpServers": {
                "a": {"command": "cmd", "args": ["/c", "npx", "-y", "mcp-remote", "https://a.example/mcp"]},
                "b": {"command": "C:\\Windows\\System32\\cmd.exe", "args": ["/C", "npx.cmd", "mcp-remote@0.1.29", "https://b.example/sse"]},
                "c": {"command": "cmd", "args": ["/c", "npx", "-y", "@modelcontextprotocol/server-filesystem", "C:\\"]},
                "d": {"command": "npx", "args": ["-y", "mcp-remote", "wss://d.example/ws"]}
            }}"#,
        )
        .unwrap();
        let kinds: Vec<_> = doc.servers.iter().map(|s| s.kind.clone()).collect();
        assert_eq!(
            kinds,
            [
                EntryKind::McpRemote {
                    url: "https://a.example/mcp".into()
                },
                EntryKind::McpRemote {
                    url: "https://b.example/sse".into()
                },
                EntryKind::Local,
                EntryKind::McpRemote {
                    url: "wss://d.example/ws".into()
                },
            ]
        );
    }

    #[test]
    fn two_commas_in_a_row_are_named_as_such_at_the_second() {
        let err = parse("{\"mcpServers\": {\"a\": {\"command\": \"echo\",, \"args\": []}}}")
            .expect_err("two commas");
        match err {
            ConfigError::Parse {
                line,
                column,
                message,
                ..
            } => {
                assert_eq!((line, column), (1, 41));
                assert_eq!(message, "two commas in a row: remove one");
            }
            other => panic!("{other:?}"),
        }
        // A missing comma is still said as one.
        let err = parse("{\"mcpServers\": {\"a\": {\"command\": \"echo\" \"args\": []}}}")
            .expect_err("missing comma");
        assert!(err.to_string().contains("expected a comma"), "{err}");
    }

    #[test]
    fn a_stray_comma_where_a_name_belongs_is_called_a_comma() {
        // QA's `"sse2": {,`: a comma where the first property name belongs, not a missing one.
        let err = parse("{\"mcpServers\": {\"sse2\": {,\n\"url\": \"http://x\"}}}")
            .expect_err("stray comma");
        match err {
            ConfigError::Parse {
                line,
                column,
                message,
                ..
            } => {
                assert_eq!((line, column), (1, 26));
                assert_eq!(
                    message,
                    "unexpected comma: expected a property name (a quoted key) or a closing brace"
                );
            }
            other => panic!("{other:?}"),
        }
        // Something else where a name belongs is named as what it is.
        let err = parse("{\"mcpServers\": {: 1}}").expect_err("stray colon");
        assert!(
            err.to_string()
                .contains("unexpected colon: expected a property name"),
            "{err}"
        );
        // After a value, a token that is no name still means a comma is missing.
        let err = parse("{\"mcpServers\": {\"a\": {} {}}}").expect_err("missing comma");
        assert!(err.to_string().contains("expected a comma"), "{err}");
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
    fn half_of_a_characters_escape_is_told_as_such_not_as_a_windows_path() {
        for (text, hex) in [
            (
                "{\"mcpServers\": {\"a\": {\"command\": \"x\", \"args\": [\"\\ud83d\"]}}}",
                "d83d",
            ),
            (
                "{\"mcpServers\": {\"a\": {\"command\": \"x\", \"args\": [\"\\uDE00 \"]}}}",
                "DE00",
            ),
        ] {
            let err = parse(text).expect_err("refused").to_string();
            assert!(
                err.contains(&format!("\\u{hex} is half of a character")),
                "{text}: {err}"
            );
            assert!(!err.contains("Windows path"), "{err}");
            assert!(!err.contains("doctor --fix"), "no fix is offered: {err}");
        }
    }

    #[test]
    fn a_windows_path_with_single_backslashes_is_told_how_to_write_it() {
        let path = "C:\\Program Files\\nodejs\\node.exe";
        let cases = [
            // `\P` is no escape.
            format!("{{\n  \"mcpServers\": {{\"a\": {{\"command\": \"{path}\"}}}}\n}}"),
            // `\u` wants four hex digits: `\users` has none.
            "{\"mcpServers\": {\"a\": {\"command\": \"node\", \"args\": [\"C:\\users\\me\\s.js\"]}}}"
                .to_owned(),
        ];
        for (text, escape) in cases.iter().zip(["\\P is no escape JSON knows: ", ""]) {
            let err = parse(text).expect_err("not JSON").to_string();
            assert!(
                err.contains(&format!(
                    "{escape}a backslash in a string starts an escape (\\n, \\\"…): write each \
                     backslash of a Windows path twice (C:\\\\Users\\\\you\\\\…), or use / instead"
                )),
                "{err}"
            );
        }
        assert!(
            parse(&cases[0])
                .unwrap_err()
                .to_string()
                .starts_with("c.json:2:")
        );
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
    fn a_second_mcp_servers_key_is_read_as_claude_reads_it_the_last_copy_wins() {
        // JSON.parse keeps the last copy of a key: Claude runs y and never x.
        let doc = parse(
            "{\n  \"mcpServers\": {\"x\": {\"command\": \"one\"}, \"y\": {\"command\": \"old\"}},\n  \
             \"globalShortcut\": \"\",\n  \"mcpServers\": {\"y\": {\"command\": \"two\"}}\n}\n",
        )
        .unwrap();
        let names: Vec<_> = doc.servers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["y"]);
        assert_eq!(doc.servers[0].command.as_deref(), Some("two"));
        assert_eq!(
            doc.duplicates,
            [DuplicateKey {
                server: None,
                places: vec![(2, 3), (4, 3)],
                ignored_servers: vec!["x".into()],
                not_objects: Vec::new(),
            }]
        );
        let dup = doc.duplicate_servers_key().unwrap();
        assert_eq!(
            (dup.used_place(), dup.ignored_places()),
            ("4".into(), vec!["2".into()])
        );
        assert_eq!(dup.times(), "twice");
        // The copy Claude ignores is a plain top-level value to the edits, and may be anything.
        let doc =
            parse("{\"mcpServers\": null, \"mcpServers\": {\"a\": {\"command\": \"x\"}}}").unwrap();
        assert_eq!(doc.servers.len(), 1);
        assert_eq!(doc.duplicates[0].places, [(1, 2), (1, 22)]);
        // Copies on one line are told apart by their columns.
        assert_eq!(doc.duplicates[0].lines_text(), "1:2 and 1:22");
        assert_eq!(doc.duplicates[0].used_place(), "1:22");
        assert_eq!(doc.duplicates[0].not_objects, [(1, "null")]);
        let doc =
            parse("{\"mcpServers\": \"see notes\",\n\"mcpServers\": [1],\n\"mcpServers\": {}}")
                .unwrap();
        assert_eq!(
            doc.duplicates[0].not_objects,
            [(1, "a string"), (2, "an array")]
        );
        assert!(
            doc.duplicates[0]
                .not_objects_advice()
                .starts_with("the ones on lines 1 (a string) and 2 (an array) hold no server;"),
            "{:?}",
            doc.duplicates[0]
        );
        assert!(parse("{\"mcpServers\": {}, \"mcpServers\": 3}").is_err());
    }

    #[test]
    fn a_server_name_written_twice_is_read_as_its_last_entry_in_the_first_place() {
        let text = "{\"mcpServers\": {\n  \"a\": {\"command\": \"first\"},\n  \"b\": {\"command\": \"sh\"},\n  \
                    \"a\": {\"command\": \"second\"},\n  \"a\": {\"command\": \"third\"}\n}}";
        let doc = parse(text).unwrap();
        let seen: Vec<_> = doc
            .servers
            .iter()
            .map(|s| (s.name.as_str(), s.command.as_deref().unwrap()))
            .collect();
        assert_eq!(seen, [("a", "third"), ("b", "sh")]);
        assert_eq!(doc.server("a").unwrap().raw, r#"{"command": "third"}"#);
        assert_eq!(
            doc.duplicates,
            [DuplicateKey {
                server: Some("a".into()),
                places: vec![(2, 3), (4, 3), (5, 3)],
                ignored_servers: Vec::new(),
                not_objects: Vec::new(),
            }]
        );
        assert_eq!(doc.duplicates[0].lines_text(), "2, 4 and 5");
        assert_eq!(doc.duplicates[0].times(), "3 times");
        // The layout still knows every copy: edits keep them all.
        let layout = ConfigDocument::parse_layout(Path::new("c.json"), text.as_bytes()).unwrap();
        assert_eq!(layout.layout.entry_values.len(), 4);
        assert_eq!(layout.duplicates, doc.duplicates);
        assert!(
            parse("{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}")
                .unwrap()
                .duplicates
                .is_empty()
        );
    }

    #[test]
    fn wrongly_typed_fields_make_the_entry_invalid_and_say_which_but_keep_it_whole() {
        let cases = [
            (
                r#"{"command": "x", "args": "a b"}"#,
                "\"args\" is a string; it must be an array of strings, one per argument",
            ),
            (
                r#"{"command": "x", "args": [1, true]}"#,
                "\"args\" must hold only strings: item 1 is a number, item 2 is a boolean",
            ),
            (
                r#"{"command": "x", "env": ["A=1"]}"#,
                "\"env\" is an array; it must be an object of names and string values",
            ),
            (
                r#"{"command": "x", "env": {"A": 1, "B": "2", "C": null}}"#,
                "the value of \"A\" in \"env\" is a number, the value of \"C\" in \"env\" is null; \
                 env values must be strings (in quotes)",
            ),
            (
                r#"{"command": 5}"#,
                "\"command\" is a number; it must be a string: the program to start",
            ),
            (
                r#"{"command": ["npx", "-y"], "args": "x"}"#,
                "\"command\" is an array; it must be a string: the program to start; \"args\" is \
                 a string; it must be an array of strings, one per argument",
            ),
            (
                r#"{"command": "x", "args": null}"#,
                "\"args\" is null; it must be an array of strings, one per argument",
            ),
        ];
        for (raw, reason) in cases {
            let doc = parse(&format!("{{\"mcpServers\": {{\"s\": {raw}}}}}")).unwrap();
            let entry = &doc.servers[0];
            assert_eq!(
                entry.kind,
                EntryKind::Invalid {
                    reason: reason.into()
                },
                "{raw}"
            );
            assert_eq!(entry.raw, raw);
        }
        // What can be read is still read, for `show`.
        let doc =
            parse(r#"{"mcpServers": {"s": {"command": "x", "args": ["a", 1], "env": {"A": 1}}}}"#)
                .unwrap();
        assert_eq!(doc.servers[0].args, ["a", "1"]);
        assert_eq!(doc.servers[0].env["A"], "1");
        // A well-typed entry is what it was.
        let doc =
            parse(r#"{"mcpServers": {"s": {"command": "x", "args": [], "env": {}}}}"#).unwrap();
        assert_eq!(doc.servers[0].kind, EntryKind::Local);
    }

    #[test]
    fn secret_looking_names() {
        assert!(is_secret_name("GITHUB_PERSONAL_ACCESS_TOKEN"));
        assert!(is_secret_name("OPENAI_API_KEY"));
        assert!(!is_secret_name("PATH"));
        assert!(!is_secret_name("NODE_ENV"));
    }

    /// `list --json` masked the X display's cookie file, the SSH agent's socket and a book's
    /// author: places and people are no secrets, whatever their names hold (the rule is
    /// [`crate::redact`]'s, which masks the same values in journals).
    #[test]
    fn env_names_of_places_and_people_are_not_masked_and_credentials_still_are() {
        for plain in [
            "XAUTHORITY",
            "SSH_AUTH_SOCK",
            "AUTHOR",
            "GIT_AUTHOR_NAME",
            "AWS_SHARED_CREDENTIALS_FILE",
            "POSTGRES_PASSWORD_FILE",
            "PASSWORD_STORE_DIR",
            "SECRETS_PATH",
            "SSH_KEY_PATH",
            "CREDENTIALS_DIRECTORY",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "PWD",
            "OLDPWD",
            "TOKENIZERS_PARALLELISM",
            "MAX_TOKENS",
        ] {
            assert!(!is_secret_name(plain), "{plain}");
        }
        for secret in [
            "GITHUB_TOKEN",
            "GITHUB_PERSONAL_ACCESS_TOKEN",
            "API_KEY",
            "OPENAI_API_KEY",
            "CLIENT_SECRET",
            "AWS_SECRET_ACCESS_KEY",
            "PASSWORD",
            "PGPASSWORD",
            "DB_PASSWD",
            "PRIVATE_KEY",
            "SUPABASE_SERVICE_ROLE_KEY",
            "ENCRYPTION_KEY",
            "KEY",
            "NPM_AUTH",
            "AUTH",
            "SESSION_COOKIE",
            "google_credentials",
        ] {
            assert!(is_secret_name(secret), "{secret}");
        }
    }
}
