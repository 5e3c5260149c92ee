//! Minimal edits of `mcpServers`, applied to the concrete syntax tree so that only the touched
//! entry's bytes change. An `mcpServers` written on one line (`{"mcpServers":{"a":{…}}}`) is
//! edited on its text instead, since the CST would break it over lines: an added entry is written
//! on that line in the spacing around it, so that removing it gives back the file.
//!
//! An [`Edit`] is a value, not a closure, so that it can be applied again to a file someone else
//! rewrote meanwhile (see `write`). Applying an edit never touches the disk.
//!
//! Keys written twice. Claude Desktop reads the file with `JSON.parse`, where the last copy of a key
//! wins, and the document's model reads it the same way (see `document`). An edit must never land
//! in a copy Claude ignores, nor drop text of the user's, so:
//! - a file whose top level holds `"mcpServers"` more than once (a pasted README snippet, often) is
//!   not edited at all: every edit is refused with the lines of the copies, the one Claude reads,
//!   and the servers it ignores. Which copy the user meant cannot be guessed, and editing the last
//!   one would leave the others' servers silently unused. The one exception is
//!   [`Edit::MergeServers`] (what `doctor --fix` does), which moves the entries of the earlier
//!   copies into the last one and so changes nothing Claude runs today but adds what it ignored;
//! - a server name written twice inside `mcpServers` refuses the edits that touch that name (remove,
//!   update, rename from or to it, disable, tap…), naming both lines: removing or changing one copy
//!   would leave Claude running the other, or bring an ignored copy back to life. Edits of other
//!   names go on as usual, since they touch neither copy.

use jsonc_parser::ast;
use jsonc_parser::common::Ranged;
use jsonc_parser::cst::{CstInputValue, CstObject, CstObjectProp, CstRootNode, ObjectPropName};
use jsonc_parser::{CollectOptions, CommentCollectionStrategy};
use serde_json::Value;

use super::ConfigError;
use super::document::{ConfigDocument, parse_cst, strict_options};

/// How MCP Tray merges the copies of `"mcpServers"`, said at a terminal and in the app alike
/// ([`crate::diagnose::message_in`] keeps only the app's way in the window).
pub const MERGE_EITHER_WAY: &str = "(`mcp-tray doctor --fix`, or Fix in the app; it can be undone)";

/// One change to `mcpServers`.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Adds an entry; the name must be free.
    Add { name: String, entry: Value },
    /// Inserts an entry from its exact text at a position (used to enable a disabled entry).
    InsertRaw {
        name: String,
        raw: String,
        index: usize,
        /// The name's exact text and the text between name and value, when known.
        key_and_separator: Option<(String, String)>,
        /// The exact text the entry's removal took out of a file that writes entries on lines of
        /// their own ([`Applied::removed_lines`]): put back where it was when the servers around still
        /// stand that way, so that blank lines between entries come back too.
        lines: Option<String>,
    },
    /// Removes an entry.
    Remove { name: String },
    /// Renames an entry, keeping its value and position.
    Rename { from: String, to: String },
    /// Replaces an entry's value.
    Update { name: String, entry: Value },
    /// Replaces an entry's value with exact text (used to unwrap a tapped entry).
    ReplaceRaw { name: String, raw: String },
    /// Merges every top-level `"mcpServers"` object into the last one, the one Claude Desktop
    /// reads: the entries of the earlier copies move, as their exact text and in file order, to the
    /// front of the last copy, and the earlier copies are removed. A name that is in an earlier copy
    /// and in the last one is kept twice, the last copy's entry after the other, so Claude goes on
    /// running what it runs today and nothing is dropped (the doctor then names the duplicate).
    /// Fails, writing nothing, when an earlier copy is not an object (a string, an array, `null`…):
    /// it holds no server, but it is what the user wrote there, and a merge must not delete it
    /// (a backup is not a place a user looks for it). Only the user knows whether it is a note to
    /// keep elsewhere or a mistake, so they delete it, and the merge is then offered again. Fails
    /// when `"mcpServers"` is written only once.
    MergeServers,
}

impl Edit {
    /// A short description for history and messages: `add github`, `rename a → b`.
    pub fn describe(&self) -> String {
        match self {
            Edit::Add { name, .. } => format!("add {name}"),
            Edit::InsertRaw { name, .. } => format!("enable {name}"),
            Edit::Remove { name } => format!("remove {name}"),
            Edit::Rename { from, to } => format!("rename {from} → {to}"),
            Edit::Update { name, .. } | Edit::ReplaceRaw { name, .. } => format!("update {name}"),
            Edit::MergeServers => "merge mcpServers".to_owned(),
        }
    }

    /// The server names the edit touches (reads, changes, or takes).
    fn names(&self) -> Vec<&str> {
        match self {
            Edit::Add { name, .. }
            | Edit::InsertRaw { name, .. }
            | Edit::Remove { name }
            | Edit::Update { name, .. }
            | Edit::ReplaceRaw { name, .. } => vec![name.as_str()],
            Edit::Rename { from, to } => vec![from.as_str(), to.as_str()],
            Edit::MergeServers => Vec::new(),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// Refuses an edit that would land in a copy Claude ignores (see the module's comment).
fn refuse_duplicates(doc: &ConfigDocument, edit: &Edit) -> Result<(), ConfigError> {
    use super::document::join_and;
    if !matches!(edit, Edit::MergeServers)
        && let Some(dup) = doc.duplicate_servers_key()
    {
        let ignored_lines = dup.ignored_places();
        let servers = if dup.ignored_servers.is_empty() {
            String::new()
        } else {
            format!(" ({})", join_and(&dup.ignored_servers))
        };
        let ignored = if dup.ignored_servers.is_empty() {
            "ignores"
        } else {
            "ignores the servers in"
        };
        let way_out = if dup.not_objects.is_empty() {
            format!(
                "merge them into one \"mcpServers\" by hand, or let MCP Tray merge them into the \
                 last one {MERGE_EITHER_WAY}"
            )
        } else {
            dup.not_objects_advice()
        };
        return Err(ConfigError::Shape {
            path: doc.path.clone(),
            message: format!(
                "\"mcpServers\" is written {} (lines {}). Claude Desktop reads only the last \
                 one (line {}) and {ignored} the one{} on line{} {}{servers}. Nothing was \
                 written: {way_out}",
                dup.times(),
                dup.lines_text(),
                dup.used_place(),
                plural(ignored_lines.len()),
                plural(ignored_lines.len()),
                join_and(&ignored_lines),
            ),
        });
    }
    for name in edit.names() {
        if let Some(dup) = doc.duplicate_server(name) {
            return Err(ConfigError::Shape {
                path: doc.path.clone(),
                message: format!(
                    "the server \"{name}\" is written {} in \"mcpServers\" (lines {}); Claude \
                     Desktop uses only the last one (line {}) and ignores the one{} on line{} {}. \
                     Nothing was written, so that no edit lands on a copy Claude ignores: delete \
                     the copy you do not want, then try again",
                    dup.times(),
                    dup.lines_text(),
                    dup.used_place(),
                    plural(dup.places.len() - 1),
                    plural(dup.places.len() - 1),
                    join_and(&dup.ignored_places()),
                ),
            });
        }
    }
    Ok(())
}

/// What applying an edit produced.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    /// The new document (its `text` is what gets written).
    pub doc: ConfigDocument,
    /// Whether the edit created the `mcpServers` object.
    pub created_servers_object: bool,
    /// For a removal made on whole lines ([`remove_whole_lines`]), the exact text it took out,
    /// the entry's own text in it: what enabling it puts back.
    pub removed_lines: Option<String>,
    /// Whether the edit only adds an entry (an add, an enable): every entry of the file before it
    /// is still in it, as it was.
    pub only_adds: bool,
}

/// Applies `edit` to `doc`. `drop_empty_servers` removes `mcpServers` when the edit leaves it
/// empty (used when MCP Tray created it, so add-then-remove gives back the file).
///
/// The CST is built from a *skeleton* of the document in which every top-level value and every
/// entry's value is replaced by a short placeholder (its index): names, separators, commas and
/// whitespace, which are all an edit looks at, stay as they are, while the tree stays small. The
/// placeholders are put back afterwards. A 500-server file is edited in a few milliseconds this
/// way instead of tens; the property tests check the bytes are the same.
pub(crate) fn apply(
    doc: &ConfigDocument,
    edit: &Edit,
    drop_empty_servers: bool,
) -> Result<Applied, ConfigError> {
    refuse_duplicates(doc, edit)?;
    refuse_control_characters(edit)?;
    let (skeleton, originals) = if introduces_number(edit) {
        (doc.text.clone(), Vec::new())
    } else {
        skeleton(doc)
    };
    let mut removed_lines = None;
    let on_text = edit_on_one_line(doc, &skeleton, edit, drop_empty_servers)
        .or_else(|| {
            let (text, removed) = remove_whole_lines(doc, &skeleton, edit)?;
            removed_lines = Some(removed);
            Some(Ok((text, false)))
        })
        .or_else(|| insert_whole_lines(&skeleton, edit).map(|text| Ok((text, false))));
    let (mut text, created) = match on_text {
        Some(done) => done?,
        None => {
            let root = parse_cst(&doc.path, &skeleton)?;
            let created = edit_tree(doc, &root, edit, drop_empty_servers)?;
            (root.to_string(), created)
        }
    };
    if !originals.is_empty() {
        text = restore(&doc.path, &text, &originals)?;
    }
    // A file MCP Tray creates, or fills from empty (nothing but whitespace, which the edit
    // replaces), ends with a newline; any other keeps its own ending.
    if (!doc.exists || doc.text.trim().is_empty()) && !text.ends_with('\n') {
        text.push('\n');
    }
    // The edit must leave a file that parses; the raw insertions make this worth checking.
    let mut new_doc = ConfigDocument::parse_layout(&doc.path, text.as_bytes()).map_err(|e| {
        ConfigError::Invalid(format!(
            "the edit would produce an invalid file ({e}); nothing was written"
        ))
    })?;
    new_doc.bom = doc.bom;
    Ok(Applied {
        doc: new_doc,
        created_servers_object: created,
        removed_lines,
        only_adds: matches!(edit, Edit::Add { .. } | Edit::InsertRaw { .. }),
    })
}

/// How an object written on one line spaces its members, read from the object itself.
struct LineStyle {
    /// Between `{` and the first member, and between the last and `}`: `""`, `" "`.
    pad: String,
    /// Between a name and its value: `":"`, `": "`.
    colon: String,
    /// Between two members, comma included: `","`, `", "`.
    comma: String,
}

impl LineStyle {
    /// The style of `obj`, a non-empty object of `text`.
    fn of(text: &str, obj: &ast::Object) -> Option<LineStyle> {
        let first = obj.properties.first()?;
        let colon = text
            .get(first.name.range().end..first.value.range().start)?
            .to_owned();
        let comma = match obj.properties.get(1) {
            Some(second) => text
                .get(first.value.range().end..second.range.start)?
                .to_owned(),
            None if colon.ends_with(' ') => ", ".to_owned(),
            None => ",".to_owned(),
        };
        Some(LineStyle {
            pad: text.get(obj.range.start + 1..first.range.start)?.to_owned(),
            colon,
            comma,
        })
    }

    /// `value` on one line in this style (arrays get no padding: `["a", "b"]`).
    fn write(&self, value: &Value) -> String {
        match value {
            Value::Object(map) if !map.is_empty() => {
                let members: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{}{}{}", json_string(k), self.colon, self.write(v)))
                    .collect();
                format!(
                    "{{{pad}{}{pad}}}",
                    members.join(&self.comma),
                    pad = self.pad
                )
            }
            Value::Array(items) if !items.is_empty() => {
                let items: Vec<String> = items.iter().map(|v| self.write(v)).collect();
                format!("[{}]", items.join(&self.comma))
            }
            other => other.to_string(),
        }
    }
}

/// `text` with `member` put into `obj` at `index` (at the end past it), in `style`: what removing
/// it again with [`remove_member`] takes away.
fn insert_member(
    text: &str,
    obj: &ast::Object,
    style: &LineStyle,
    index: usize,
    member: &str,
) -> String {
    let props = &obj.properties;
    let (start, end, new) = match (props.get(index), props.last()) {
        (_, None) => (
            obj.range.start + 1,
            obj.range.end - 1,
            format!("{pad}{member}{pad}", pad = style.pad),
        ),
        (Some(at), _) => (
            at.range.start,
            at.range.start,
            format!("{member}{}", style.comma),
        ),
        (None, Some(last)) => {
            let end = last.value.range().end;
            (end, end, format!("{}{member}", style.comma))
        }
    };
    format!("{}{new}{}", &text[..start], &text[end..])
}

/// `text` without member `index` of `obj`, its comma and the space after the comma included; the
/// braces of an object left empty hold nothing.
fn remove_member(text: &str, obj: &ast::Object, index: usize) -> String {
    let props = &obj.properties;
    let (start, end) = match (index.checked_sub(1), props.get(index + 1)) {
        _ if props.len() == 1 => (obj.range.start + 1, obj.range.end - 1),
        (_, Some(next)) => (props[index].range.start, next.range.start),
        (Some(before), None) => (
            props[before].value.range().end,
            props[index].value.range().end,
        ),
        (None, None) => return text.to_owned(),
    };
    format!("{}{}", &text[..start], &text[end..])
}

/// The last `mcpServers` object of `text`, parsed, to `then`.
fn with_servers<T>(text: &str, then: impl FnOnce(&ast::Object) -> Option<T>) -> Option<T> {
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &collect, &strict_options()).ok()?;
    let Some(ast::Value::Object(top)) = parsed.value else {
        return None;
    };
    let servers = top
        .properties
        .iter()
        .rev()
        .find(|p| p.name.as_str() == "mcpServers")?;
    match &servers.value {
        ast::Value::Object(servers) => then(servers),
        _ => None,
    }
}

/// Where the line holding `offset` starts, when nothing but indentation comes before it there.
fn line_start(text: &str, offset: usize) -> Option<usize> {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[start..offset].trim().is_empty().then_some(start)
}

/// The text a removal of entry `at` takes out of an `mcpServers` written over several lines: the
/// entry's whole lines and the blank lines after it, up to the next entry's line; for the last
/// entry, from the end of the one before it (its comma and the blank lines before the entry go
/// too). `None` when an entry shares a line with another member, or is the only one.
fn whole_lines(text: &str, servers: &ast::Object, at: usize) -> Option<(usize, usize)> {
    let props = &servers.properties;
    let only_comma = |from: usize, to: usize| text[from..to].trim() == ",";
    match (at.checked_sub(1), props.get(at + 1)) {
        (_, Some(next)) => {
            let start = line_start(text, props[at].range.start)?;
            let end = line_start(text, next.range.start)?;
            only_comma(props[at].value.range().end, next.range.start).then_some((start, end))
        }
        (Some(before), None) => {
            let from = props[before].value.range().end;
            line_start(text, props[at].range.start)?;
            only_comma(from, props[at].range.start).then_some((from, props[at].value.range().end))
        }
        (None, None) => None,
    }
}

/// A removal from an `mcpServers` written over several lines, made on `text` (the document's
/// skeleton): the entry goes with its [`whole_lines`], so that a blank line that set it apart is
/// not left doubled, or stranded before the closing brace. Gives the new text, and the text taken
/// out with the entry's own text in place of its placeholder (what enabling it puts back). `None`
/// where [`whole_lines`] is (the CST path removes).
fn remove_whole_lines(doc: &ConfigDocument, text: &str, edit: &Edit) -> Option<(String, String)> {
    let Edit::Remove { name } = edit else {
        return None;
    };
    let raw = &doc.server(name)?.raw;
    let (start, end, value) = with_servers(text, |servers| {
        let at = servers
            .properties
            .iter()
            .position(|p| p.name.as_str() == name)?;
        let (start, end) = whole_lines(text, servers, at)?;
        let value = servers.properties[at].value.range();
        Some((start, end, (value.start, value.end)))
    })?;
    let removed = format!("{}{raw}{}", &text[start..value.0], &text[value.1..end]);
    Some((format!("{}{}", &text[..start], &text[end..]), removed))
}

/// An enable that puts back the exact text its disable took out ([`Applied::removed_lines`]): before the
/// line of the entry that now stands at its place, or after the last entry when it was the last.
/// `None` when the servers around no longer stand on lines of their own, or the name is taken
/// (the CST path inserts, or refuses).
fn insert_whole_lines(text: &str, edit: &Edit) -> Option<String> {
    let Edit::InsertRaw {
        name,
        index,
        lines: Some(lines),
        ..
    } = edit
    else {
        return None;
    };
    let at = with_servers(text, |servers| {
        let props = &servers.properties;
        if props.iter().any(|p| p.name.as_str() == name) {
            return None;
        }
        if lines.starts_with(',') {
            // It was the last entry, and is again.
            let last = props.last().filter(|_| *index >= props.len())?;
            line_start(text, last.range.start)?;
            Some(last.value.range().end)
        } else {
            line_start(text, props.get(*index)?.range.start)
        }
    })?;
    let out = format!("{}{lines}{}", &text[..at], &text[at..]);
    with_servers(&out, |servers| {
        servers
            .properties
            .iter()
            .any(|p| p.name.as_str() == name)
            .then_some(())
    })?;
    Some(out)
}

/// An edit of an `mcpServers` written on one line (`{"a":{…},"b":{…}}`, the whole file often),
/// made on the text: the CST would first break the object over lines. An entry added or changed
/// there is written on that line, spaced as the object spaces its members, so that the file keeps
/// its look and removing the entry gives back its bytes; an `mcpServers` created in a top-level
/// object written on one line is written the same way. `None` when the objects concerned span
/// lines, or when the edit does not apply (the CST path says why).
fn edit_on_one_line(
    doc: &ConfigDocument,
    text: &str,
    edit: &Edit,
    drop_empty_servers: bool,
) -> Option<Result<(String, bool), ConfigError>> {
    let one_line = |range: Option<(usize, usize)>| {
        range
            .and_then(|(start, end)| doc.text.get(start..end))
            .is_some_and(|t| !t.contains('\n'))
    };
    let layout = &doc.layout;
    let entries = layout.entry_values.len();
    let concerned = match (edit, layout.servers_object) {
        (Edit::Add { .. } | Edit::InsertRaw { .. }, None) => {
            !layout.top_values.is_empty() && one_line(layout.top_object)
        }
        (Edit::Add { .. } | Edit::InsertRaw { .. }, Some(_)) if entries == 0 => {
            one_line(layout.top_object)
        }
        (Edit::Remove { .. }, servers) if entries == 1 && drop_empty_servers => {
            one_line(servers) && one_line(layout.top_object)
        }
        (
            Edit::Add { .. } | Edit::InsertRaw { .. } | Edit::Remove { .. } | Edit::Update { .. },
            servers,
        ) => entries > 0 && one_line(servers),
        _ => false,
    };
    if !concerned {
        return None;
    }
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &collect, &strict_options()).ok()?;
    let Some(ast::Value::Object(top)) = parsed.value else {
        return None;
    };
    let servers_prop = top
        .properties
        .iter()
        .rposition(|p| p.name.as_str() == "mcpServers");
    let servers = match servers_prop.map(|i| &top.properties[i].value) {
        Some(ast::Value::Object(servers)) => Some(servers),
        Some(_) => return None,
        None => None,
    };
    let position = |name: &str| {
        servers.and_then(|s| s.properties.iter().position(|p| p.name.as_str() == name))
    };
    // Members of an empty `mcpServers` are spaced as the top-level object spaces its own.
    let style = match servers {
        Some(s) if !s.properties.is_empty() => LineStyle::of(text, s)?,
        _ => LineStyle::of(text, &top)?,
    };
    let names = || {
        servers
            .map(|s| {
                s.properties
                    .iter()
                    .map(|p| p.name.as_str().to_owned())
                    .collect()
            })
            .unwrap_or_else(Vec::new)
    };
    let added = |name: &str, entry: &Value| -> Result<String, ConfigError> {
        check_entry(entry)?;
        refuse_case_only_difference(name, None, names())?;
        Ok(format!(
            "{}{}{}",
            json_string(name),
            style.colon,
            style.write(entry)
        ))
    };
    let (member, index) = match edit {
        Edit::Add { name, entry } if position(name).is_none() => match added(name, entry) {
            Ok(member) => (member, usize::MAX),
            Err(e) => return Some(Err(e)),
        },
        Edit::InsertRaw {
            name,
            raw,
            index,
            key_and_separator,
            ..
        } if position(name).is_none() => {
            let member = match key_and_separator {
                Some((key, separator)) => format!("{key}{separator}{raw}"),
                None => format!("{}{}{raw}", json_string(name), style.colon),
            };
            (member, *index)
        }
        Edit::Remove { name } => {
            let (servers, at) = (servers?, position(name)?);
            let out = match (servers.properties.len(), servers_prop) {
                (1, Some(prop)) if drop_empty_servers => remove_member(text, &top, prop),
                _ => remove_member(text, servers, at),
            };
            return Some(Ok((out, false)));
        }
        Edit::Update { name, entry } => {
            let at = position(name)?;
            if let Err(e) = check_entry(entry) {
                return Some(Err(e));
            }
            let range = servers?.properties[at].value.range();
            let out = format!(
                "{}{}{}",
                &text[..range.start],
                style.write(entry),
                &text[range.end..]
            );
            return Some(Ok((out, false)));
        }
        _ => return None,
    };
    Some(Ok(match servers {
        Some(servers) => (insert_member(text, servers, &style, index, &member), false),
        None => {
            let created = format!(
                "\"mcpServers\"{}{{{pad}{member}{pad}}}",
                style.colon,
                pad = style.pad
            );
            (
                insert_member(text, &top, &style, usize::MAX, &created),
                true,
            )
        }
    }))
}

/// Whether the edit brings in a bare number, which the skeleton's placeholders could be taken for.
fn introduces_number(edit: &Edit) -> bool {
    match edit {
        Edit::InsertRaw { raw, .. } | Edit::ReplaceRaw { raw, .. } => {
            !raw.trim_start().starts_with(['{', '[', '"', 't', 'f', 'n'])
        }
        Edit::Add { entry, .. } | Edit::Update { entry, .. } => entry.is_number(),
        // A rename also looks inside the entry (the `--name` of MCP Tray's shims), and a merge
        // moves the entries' text.
        Edit::Rename { .. } | Edit::MergeServers => true,
        Edit::Remove { .. } => false,
    }
}

/// The document with each top-level value and each entry's value replaced by its index.
fn skeleton(doc: &ConfigDocument) -> (String, Vec<&str>) {
    let mut ranges: Vec<(usize, usize)> = doc
        .layout
        .top_values
        .iter()
        .chain(&doc.layout.entry_values)
        .copied()
        .collect();
    ranges.sort_unstable();
    let mut out = String::with_capacity(doc.text.len() / 4);
    let mut originals = Vec::with_capacity(ranges.len());
    let mut last = 0;
    for (start, end) in ranges {
        out.push_str(&doc.text[last..start]);
        out.push_str(&originals.len().to_string());
        originals.push(&doc.text[start..end]);
        last = end;
    }
    out.push_str(&doc.text[last..]);
    (out, originals)
}

/// Puts the original values back where the placeholders are.
fn restore(
    path: &std::path::Path,
    skeleton: &str,
    originals: &[&str],
) -> Result<String, ConfigError> {
    use jsonc_parser::ast::Value as V;
    let collect = jsonc_parser::CollectOptions {
        comments: jsonc_parser::CommentCollectionStrategy::Off,
        tokens: false,
    };
    let broken = |why: &str| {
        ConfigError::Invalid(format!(
            "internal: {why} in {}; nothing was written",
            path.display()
        ))
    };
    let parsed = jsonc_parser::parse_to_ast(skeleton, &collect, &Default::default())
        .map_err(|_| broken("the edited skeleton does not parse"))?;
    let Some(V::Object(top)) = parsed.value else {
        return Err(broken("the edited skeleton lost its top-level object"));
    };
    let mut spots: Vec<(usize, usize, usize)> = Vec::with_capacity(originals.len());
    let mut placeholder = |value: &V| {
        if let V::NumberLit(n) = value
            && let Ok(i) = n.value.parse::<usize>()
        {
            spots.push((n.range.start, n.range.end, i));
        }
    };
    // Only the `mcpServers` the layout models is an object here: any other copy is a placeholder.
    for prop in &top.properties {
        match &prop.value {
            V::Object(servers) if prop.name.as_str() == "mcpServers" => {
                for entry in &servers.properties {
                    placeholder(&entry.value);
                }
            }
            other => placeholder(other),
        }
    }
    // Each placeholder at most once (a removed entry's is gone, which is the point).
    let mut seen = vec![false; originals.len()];
    for (_, _, i) in &spots {
        match seen.get_mut(*i) {
            Some(flag) if !*flag => *flag = true,
            _ => return Err(broken("a placeholder was duplicated or unknown")),
        }
    }
    spots.sort_unstable();
    let mut out =
        String::with_capacity(skeleton.len() + originals.iter().map(|o| o.len()).sum::<usize>());
    let mut last = 0;
    for (start, end, i) in spots {
        let original = originals
            .get(i)
            .ok_or_else(|| broken("an unknown placeholder"))?;
        out.push_str(&skeleton[last..start]);
        out.push_str(original);
        last = end;
    }
    out.push_str(&skeleton[last..]);
    Ok(out)
}

/// Applies the edit to the tree; returns whether it created `mcpServers`.
fn edit_tree(
    doc: &ConfigDocument,
    root: &CstRootNode,
    edit: &Edit,
    drop_empty_servers: bool,
) -> Result<bool, ConfigError> {
    let top = top_object(doc, root)?;
    let existing = servers_object(doc, &top)?;
    let created = existing.is_none() && matches!(edit, Edit::Add { .. } | Edit::InsertRaw { .. });
    let missing = |name: &str| {
        ConfigError::Invalid(format!(
            "no server named \"{name}\" in {}",
            doc.path.display()
        ))
    };
    let taken = |name: &str| {
        ConfigError::Invalid(format!(
            "a server named \"{name}\" already exists in {}; choose another name or remove it first",
            doc.path.display()
        ))
    };
    match edit {
        Edit::Add { name, entry } => {
            let servers = existing.unwrap_or_else(|| top.object_value_or_set("mcpServers"));
            if servers.get(name).is_some() {
                return Err(taken(name));
            }
            check_entry(entry)?;
            refuse_case_only_difference(
                name,
                None,
                servers.properties().iter().filter_map(|p| p.decoded_name()),
            )?;
            servers.append(name, to_input(entry));
        }
        Edit::InsertRaw {
            name,
            raw,
            index,
            key_and_separator,
            lines: _,
        } => {
            let servers = existing.unwrap_or_else(|| top.object_value_or_set("mcpServers"));
            if servers.get(name).is_some() {
                return Err(taken(name));
            }
            let index = (*index).min(servers.properties().len());
            let prop = servers.insert(index, name, CstInputValue::String(String::new()));
            set_raw(&prop, raw)?;
            if let Some((key, separator)) = key_and_separator {
                set_raw_key(&prop, key, separator);
            }
        }
        Edit::Remove { name } => {
            let servers = existing.ok_or_else(|| missing(name))?;
            servers.get(name).ok_or_else(|| missing(name))?.remove();
            if drop_empty_servers
                && servers.properties().is_empty()
                && let Some(prop) = top.get("mcpServers")
            {
                prop.remove();
            }
        }
        Edit::Rename { from, to } => {
            let servers = existing.ok_or_else(|| missing(from))?;
            if from != to && servers.get(to).is_some() {
                return Err(taken(to));
            }
            let prop = servers.get(from).ok_or_else(|| missing(from))?;
            refuse_case_only_difference(
                to,
                Some(from),
                servers.properties().iter().filter_map(|p| p.decoded_name()),
            )?;
            match prop.name() {
                Some(ObjectPropName::String(lit)) => lit.set_raw_value(json_string(to)),
                Some(ObjectPropName::Word(word)) => word.set_raw_value(json_string(to)),
                None => return Err(missing(from)),
            }
            if let Some(entry) = prop.value().and_then(|v| v.as_object()) {
                rename_shim_name(&entry, from, to);
            }
        }
        Edit::Update { name, entry } => {
            let servers = existing.ok_or_else(|| missing(name))?;
            check_entry(entry)?;
            let prop = servers.get(name).ok_or_else(|| missing(name))?;
            prop.set_value(to_input(entry));
        }
        Edit::ReplaceRaw { name, raw } => {
            let servers = existing.ok_or_else(|| missing(name))?;
            let prop = servers.get(name).ok_or_else(|| missing(name))?;
            prop.set_value(CstInputValue::String(String::new()));
            set_raw(&prop, raw)?;
        }
        Edit::MergeServers => merge_servers(doc, &top)?,
    }
    Ok(created)
}

/// Refuses a server name holding a control character (`"a\nb"`, NUL, an escape) as the name of a
/// new or renamed server: Claude Desktop shows the name and names a log file after it, where such
/// a character garbles or breaks both. Names already in the file are left as they are.
fn refuse_control_characters(edit: &Edit) -> Result<(), ConfigError> {
    let introduced = match edit {
        Edit::Add { name, .. } => name,
        Edit::Rename { to, .. } => to,
        _ => return Ok(()),
    };
    if introduced.chars().any(char::is_control) {
        return Err(ConfigError::Invalid(format!(
            "the server name {introduced:?} holds a control character (a line break, a tab, \
             NUL, an escape…); choose a name without one"
        )));
    }
    Ok(())
}

/// Refuses `name` for a new or renamed server when another server's name (`others`, the one
/// renamed, `renamed`, left out) differs from it only in case. Claude Desktop tells them apart,
/// but it logs each server to `mcp-server-NAME.log`, and on macOS and Windows (case-insensitive
/// file systems) the two names are one file: their logs mix, and so do the diagnoses drawn from
/// them. (MCP Tray's journals are apart: `journal` names a mixed-case name with a hash.) A file
/// that already holds two such names is the user's and stays as it is.
pub(crate) fn refuse_case_only_difference(
    name: &str,
    renamed: Option<&str>,
    others: impl IntoIterator<Item = String>,
) -> Result<(), ConfigError> {
    let key = log_key(name);
    let Some(other) = others
        .into_iter()
        .find(|o| Some(o.as_str()) != renamed && o != name && log_key(o) == key)
    else {
        return Ok(());
    };
    Err(ConfigError::Invalid(format!(
        "a server is named \"{other}\" already, and \"{name}\" differs from it only {}: Claude \
         Desktop would log both to one file on {}. Choose another name",
        how_alike(name, &other),
        where_alike(name, &other)
    )))
}

/// What two names come to as the file name of Claude's log of each on a file system that ignores
/// case and (macOS) how an accented letter is encoded: names with one key share a log file.
pub fn log_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    name.nfc().collect::<String>().to_lowercase()
}

/// How two names of one [`log_key`] differ, for messages: `in case`, or in the encoding of their
/// accented letters (`café` written as é, or as e and a combining accent), which looks the same.
pub fn how_alike(a: &str, b: &str) -> &'static str {
    use unicode_normalization::UnicodeNormalization as _;
    if a.to_lowercase() == b.to_lowercase() {
        "in case"
    } else if a.nfc().eq(b.nfc()) {
        "in how an accented letter is encoded (they look the same)"
    } else {
        "in case and in how an accented letter is encoded"
    }
}

/// Where two names of one [`log_key`] share a log file: macOS and Windows ignore case; only
/// macOS also ignores how an accented letter is encoded.
pub fn where_alike(a: &str, b: &str) -> &'static str {
    if a.to_lowercase() == b.to_lowercase() {
        "macOS and Windows"
    } else {
        "macOS"
    }
}

/// Moves the entries of every `"mcpServers"` but the last into the last one (see
/// [`Edit::MergeServers`]). Runs on the full text, not the skeleton: it moves the entries' text.
fn merge_servers(doc: &ConfigDocument, top: &CstObject) -> Result<(), ConfigError> {
    let copies: Vec<CstObjectProp> = top
        .properties()
        .into_iter()
        .filter(|p| p.decoded_name().as_deref() == Some("mcpServers"))
        .collect();
    let Some((used, earlier)) = copies.split_last().filter(|(_, e)| !e.is_empty()) else {
        return Err(ConfigError::Invalid(format!(
            "\"mcpServers\" is written at most once in {}; there is nothing to merge",
            doc.path.display()
        )));
    };
    let target = used
        .value()
        .and_then(|v| v.as_object())
        .ok_or_else(|| ConfigError::Shape {
            path: doc.path.clone(),
            message: "the last \"mcpServers\" is not an object; fix it by hand".into(),
        })?;
    // A copy that is not an object is the user's text, not servers to move: never deleted here.
    if let Some(dup) = doc
        .duplicate_servers_key()
        .filter(|d| !d.not_objects.is_empty())
    {
        return Err(ConfigError::Shape {
            path: doc.path.clone(),
            message: format!(
                "cannot merge the \"mcpServers\" copies without deleting what you wrote there. \
                 Nothing was written: {}",
                dup.not_objects_advice()
            ),
        });
    }
    let mut index = 0;
    for copy in earlier {
        for entry in copy
            .value()
            .and_then(|v| v.as_object())
            .map(|o| o.properties())
            .unwrap_or_default()
        {
            let (Some(name), Some(key), Some(value)) = (
                entry.decoded_name(),
                entry
                    .name()
                    .and_then(|n| n.as_string_lit())
                    .map(|l| l.to_string()),
                entry.value(),
            ) else {
                return Err(ConfigError::Invalid(format!(
                    "internal: an entry of the \"mcpServers\" to merge cannot be read in {}; \
                     nothing was written",
                    doc.path.display()
                )));
            };
            let prop = target.insert(index, &name, CstInputValue::String(String::new()));
            set_raw(&prop, &value.to_string())?;
            set_raw_key(&prop, &key, &separator_of(&entry));
            index += 1;
        }
    }
    for copy in earlier {
        copy.clone().remove();
    }
    Ok(())
}

/// The exact text between a property's name and its value (`: `).
fn separator_of(prop: &CstObjectProp) -> String {
    let mut out = String::new();
    let mut after_name = false;
    for child in prop.children() {
        if !after_name {
            after_name = child.as_string_lit().is_some();
            continue;
        }
        if child.as_token().is_some_and(|t| t.value() == ':')
            || child.is_whitespace()
            || child.is_newline()
        {
            out.push_str(&child.to_string());
        } else {
            break;
        }
    }
    out
}

/// In an entry that starts one of MCP Tray's shims (`bridge URL --name NAME …`, `wrap --name NAME
/// -- CMD …`), renames the `--name` it journals under, so a renamed server's traffic shows under
/// its new name. Only the shim's own arguments are looked at: nothing after `--` (the server's
/// command line) changes, nor a `--name` that names something else.
fn rename_shim_name(entry: &CstObject, from: &str, to: &str) {
    let shim = entry
        .get("command")
        .and_then(|p| p.value())
        .and_then(|v| v.as_string_lit())
        .and_then(|lit| lit.decoded_value().ok())
        .is_some_and(|command| super::document::is_mcp_tray_command(&command));
    if !shim {
        return;
    }
    let Some(args) = entry
        .get("args")
        .and_then(|p| p.value())
        .and_then(|v| v.as_array())
    else {
        return;
    };
    let words: Vec<_> = args
        .elements()
        .iter()
        .map(|node| node.as_string_lit())
        .collect();
    let text = |i: usize| {
        words
            .get(i)
            .and_then(|w| w.as_ref())
            .and_then(|lit| lit.decoded_value().ok())
    };
    if !matches!(text(0).as_deref(), Some("bridge" | "wrap")) {
        return;
    }
    for i in 1..words.len() {
        match text(i).as_deref() {
            Some("--") => return,
            Some("--name") if text(i + 1).as_deref() == Some(from) => {
                if let Some(Some(lit)) = words.get(i + 1) {
                    lit.set_raw_value(json_string(to));
                }
                return;
            }
            _ => {}
        }
    }
}

fn top_object(doc: &ConfigDocument, root: &CstRootNode) -> Result<CstObject, ConfigError> {
    match root.value() {
        None => Ok(root.object_value_or_set()),
        Some(v) => v.as_object().ok_or_else(|| ConfigError::Shape {
            path: doc.path.clone(),
            message: "the file must hold a JSON object ({ … }) at the top level".into(),
        }),
    }
}

/// The `mcpServers` object Claude reads: the last copy of the key (edits other than a merge never
/// reach a file with two, see [`refuse_duplicates`]).
fn servers_object(doc: &ConfigDocument, top: &CstObject) -> Result<Option<CstObject>, ConfigError> {
    let last = if doc.duplicate_servers_key().is_some() {
        top.properties()
            .into_iter()
            .rfind(|p| p.decoded_name().as_deref() == Some("mcpServers"))
    } else {
        top.get("mcpServers")
    };
    match last {
        None => Ok(None),
        Some(prop) => prop
            .value()
            .and_then(|v| v.as_object())
            .map(Some)
            .ok_or_else(|| ConfigError::Shape {
                path: doc.path.clone(),
                message: "\"mcpServers\" is not an object; fix it by hand before editing servers"
                    .into(),
            }),
    }
}

fn check_entry(entry: &Value) -> Result<(), ConfigError> {
    let Some(obj) = entry.as_object() else {
        return Err(ConfigError::Invalid(
            "a server entry must be a JSON object".into(),
        ));
    };
    if !obj.get("command").is_some_and(Value::is_string) {
        return Err(ConfigError::Invalid(
            "a server entry needs a \"command\" string: Claude Desktop starts only local commands"
                .into(),
        ));
    }
    Ok(())
}

/// Sets a property's value to exact text: the value was inserted as an empty string, whose raw
/// text is swapped for `raw`. The result is re-parsed by the caller.
fn set_raw(prop: &jsonc_parser::cst::CstObjectProp, raw: &str) -> Result<(), ConfigError> {
    let lit = prop
        .value()
        .and_then(|v| v.as_string_lit())
        .ok_or_else(|| {
            ConfigError::Invalid("internal: raw insertion needs a string placeholder".into())
        })?;
    lit.set_raw_value(raw.to_owned());
    Ok(())
}

/// Gives a property its original name text and name–value separator: the separator's nodes are
/// removed and the name's raw text carries both (the result is re-parsed by the caller).
fn set_raw_key(prop: &jsonc_parser::cst::CstObjectProp, key: &str, separator: &str) {
    let Some(ObjectPropName::String(lit)) = prop.name() else {
        return;
    };
    let mut after_name = false;
    for child in prop.children() {
        if !after_name {
            after_name = child.as_string_lit().is_some();
            continue;
        }
        if child.as_token().is_some_and(|t| t.value() == ':')
            || child.is_whitespace()
            || child.is_newline()
        {
            child.remove();
        } else {
            break;
        }
    }
    lit.set_raw_value(format!("{key}{separator}"));
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Converts a JSON value into the CST's input, keeping key order and number text.
pub(crate) fn to_input(value: &Value) -> CstInputValue {
    match value {
        Value::Null => CstInputValue::Null,
        Value::Bool(b) => CstInputValue::Bool(*b),
        Value::Number(n) => CstInputValue::Number(n.to_string()),
        Value::String(s) => CstInputValue::String(s.clone()),
        Value::Array(items) => CstInputValue::Array(items.iter().map(to_input).collect()),
        Value::Object(map) => {
            CstInputValue::Object(map.iter().map(|(k, v)| (k.clone(), to_input(v))).collect())
        }
    }
}
