//! Minimal edits of `mcpServers`, applied to the concrete syntax tree so that only the touched
//! entry's bytes change.
//!
//! An [`Edit`] is a value, not a closure, so that it can be applied again to a file someone else
//! rewrote meanwhile (see `write`). Applying an edit never touches the disk.

use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode, ObjectPropName};
use serde_json::Value;

use super::ConfigError;
use super::document::ConfigDocument;

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
    },
    /// Removes an entry.
    Remove { name: String },
    /// Renames an entry, keeping its value and position.
    Rename { from: String, to: String },
    /// Replaces an entry's value.
    Update { name: String, entry: Value },
    /// Replaces an entry's value with exact text (used to unwrap a tapped entry).
    ReplaceRaw { name: String, raw: String },
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
        }
    }
}

/// What applying an edit produced.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    pub text: String,
    /// Whether the edit created the `mcpServers` object.
    pub created_servers_object: bool,
}

/// Applies `edit` to `doc`, returning the new text. `drop_empty_servers` removes `mcpServers` when
/// the edit leaves it empty (used when MCP Tray created it, so add-then-remove gives back the file).
pub(crate) fn apply(
    doc: &ConfigDocument,
    edit: &Edit,
    drop_empty_servers: bool,
) -> Result<Applied, ConfigError> {
    let root = doc.cst()?;
    let top = top_object(doc, &root)?;
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
            servers.append(name, to_input(entry));
        }
        Edit::InsertRaw {
            name,
            raw,
            index,
            key_and_separator,
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
            if drop_empty_servers && servers.properties().is_empty() {
                if let Some(prop) = top.get("mcpServers") {
                    prop.remove();
                }
            }
        }
        Edit::Rename { from, to } => {
            let servers = existing.ok_or_else(|| missing(from))?;
            if from != to && servers.get(to).is_some() {
                return Err(taken(to));
            }
            let prop = servers.get(from).ok_or_else(|| missing(from))?;
            match prop.name() {
                Some(ObjectPropName::String(lit)) => lit.set_raw_value(json_string(to)),
                Some(ObjectPropName::Word(word)) => word.set_raw_value(json_string(to)),
                None => return Err(missing(from)),
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
    }
    let mut text = root.to_string();
    if !doc.exists && !text.ends_with('\n') {
        text.push('\n');
    }
    // The edit must leave a file that parses; the raw insertions make this worth checking.
    super::document::parse_cst(&doc.path, &text).map_err(|e| {
        ConfigError::Invalid(format!(
            "the edit would produce an invalid file ({e}); nothing was written"
        ))
    })?;
    Ok(Applied {
        text,
        created_servers_object: created,
    })
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

fn servers_object(doc: &ConfigDocument, top: &CstObject) -> Result<Option<CstObject>, ConfigError> {
    match top.get("mcpServers") {
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
