//! Redaction of journaled messages: the values of secret-looking keys (`token`, `password`,
//! `api_key`, `authorization`, `cookie`, …) are replaced by [`MARKER`]; every other byte stays as
//! it was, whitespace and key order included.
//!
//! It works on bytes, not on a parsed tree, so it also handles what a journal holds besides whole
//! JSON messages: a message cut at the size cap (a value cut short is masked up to the cut), a line
//! that is not JSON at all, and JSON carried as text inside a string (a tool result whose text is
//! `{"api_key":"…"}`). Inside strings it also masks the word after `Bearer ` (whatever it is:
//! `Bearer token missing` too), but not a challenge's parameter (`Bearer realm=\"mcp\"`) nor a
//! variable's reference (`Bearer ${TOKEN}`).
//!
//! It also masks the credentials of a command line shown to a person ([`mask_args`]): the one
//! rule of which header names hold secrets ([`is_secret_header`]) lives here, and so does the one
//! of which values are credentials by their well-known format ([`looks_like_credential`]).
//!
//! This module only ever sees the journal's copy, or a copy to show: it must never be called on
//! the bytes that are forwarded to a client or a server, nor on arguments that are written back.

use std::borrow::Cow;

/// What a masked value becomes (as a JSON string).
pub const MARKER: &str = "[redacted]";

const MARKER_JSON: &[u8] = b"\"[redacted]\"";
const MARKER_ESCAPED: &[u8] = b"\\\"[redacted]\\\"";

/// The message with the values of its secret-looking keys masked; borrowed when nothing was.
pub fn redact(msg: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Rewrite::new(msg);
    let mut i = 0;
    // Only strings matter (keys, and text that may hold JSON or a bearer token): jump from quote
    // to quote.
    while let Some(at) = memchr::memchr(b'"', &msg[i..]) {
        i += at;
        let (end, closed) = string_end(msg, i);
        let colon = skip_ws(msg, end);
        let is_key = closed && msg.get(colon) == Some(&b':');
        if !is_key {
            mask_inside_string(&mut out, i + 1, if closed { end - 1 } else { end });
            i = end;
            continue;
        }
        if !is_secret_key(&key_text(&msg[i..end])) {
            i = end;
            continue;
        }
        let value = skip_ws(msg, colon + 1);
        if value >= msg.len() {
            break;
        }
        let value_end = value_end(msg, value);
        if !is_harmless_literal(&msg[value..value_end]) {
            out.replace(value, value_end, MARKER_JSON);
        }
        i = value_end;
    }
    out.finish()
}

/// Whether an HTTP header's name says it carries credentials: the names whose values a journal
/// masks (`Authorization`, `Cookie`, `X-API-Key`, `X-Auth-Token`…), and any name with `token` in it
/// or ending in `key` (`Private-Token`, `Ocp-Apim-Subscription-Key`). `X-Request-Id` is not one.
pub fn is_secret_header(name: &str) -> bool {
    let name = name.as_bytes();
    is_secret_key(name)
        || name.windows(5).any(|w| w.eq_ignore_ascii_case(b"token"))
        || ends_with_ignore_case(name, b"key")
}

/// How a credential in a command line reads when it is shown ([`mask_args`]).
pub const ARG_MASK: &str = "••••••";

/// The options whose values may hold credentials: `--header` (the bridge's and mcp-remote's),
/// `--oauth-client-secret` (the bridge's) and `--static-oauth-client-info` (mcp-remote's JSON,
/// which may hold a `client_secret`).
const SECRET_OPTIONS: [&str; 3] = [
    "--header",
    "--oauth-client-secret",
    "--static-oauth-client-info",
];

/// What the argument before says of this one (in [`mask_args`]).
enum Before {
    /// One of [`SECRET_OPTIONS`]: this is its value.
    Option(&'static str),
    /// An option named like a credential (`--api-key`, `--token`): this is its value, unless it
    /// is an option itself. `issued` says whether a service issues that credential (a token, a
    /// key) rather than a person choosing it (a password): see [`reads_as_prose`].
    Named { issued: bool },
}

/// A command line's arguments as they may be shown: the value of a `--header` whose name holds
/// credentials becomes `Name: ••••••` (the name kept), the value of `--oauth-client-secret`
/// becomes `••••••`, and the JSON of `--static-oauth-client-info` is [`redact`]ed; so is the value
/// of any option named like a credential (`--api-key`, `--token`, `--password`…, not a file or a
/// URL of one such as `--token-endpoint`), and of a `NAME=VALUE` argument whose name is a
/// credential's (`-e GITHUB_TOKEN=…`); each option as `--flag VALUE` or `--flag=VALUE`. The
/// password of a URL (`postgresql://user:pw@host`) is masked wherever it stands, and so are the
/// values of a query's parameters named like a credential (`/api?token=…&user=…`, only the
/// token's). Every other argument stays as it is, and an empty value too.
pub fn mask_args(args: &[String]) -> Vec<String> {
    let mut before = None;
    args.iter()
        .map(|arg| mask_arg(arg, &mut before, false).unwrap_or_else(|| arg.clone()))
        .collect()
}

/// One argument of a command line masked as [`mask_args`] masks it, knowing what the argument
/// before said of it (`before`, updated for the next one); `None` when it stays as it is.
/// `in_prose`: the argument is an unquoted word of free text ([`mask_text`]), so the value of a
/// credential's option that reads as a word of a sentence (`--token is required`) is kept.
fn mask_arg(arg: &str, before: &mut Option<Before>, in_prose: bool) -> Option<String> {
    match before.take() {
        Some(Before::Option(flag)) => masked_value(flag, arg, in_prose),
        Some(Before::Named { issued }) if !arg.starts_with('-') => {
            let prose = in_prose && reads_as_prose(issued, arg);
            (!arg.is_empty() && !prose).then(|| ARG_MASK.to_owned())
        }
        _ => match arg.split_once('=') {
            Some((flag, value)) if SECRET_OPTIONS.contains(&flag) => {
                masked_value(flag, value, false).map(|v| format!("{flag}={v}"))
            }
            // A path's query (`/api?token=…&user=bob`): only its secret-named values.
            Some((name, _)) if !name.contains("://") && name.contains('?') => {
                let query = name.find('?').map_or(0, |at| at + 1);
                spliced(arg, secret_parameters(arg, query))
            }
            // Not a URL's first query parameter (`https://me:pw@host/?token=…`): its
            // password would stay; the URL's own rule below masks both.
            Some((name, value))
                if (is_secret_option(name)
                    || (!name.starts_with('-') && is_secret_key(name.as_bytes())))
                    && !value.is_empty()
                    && !name.contains("://") =>
            {
                // In a sentence, `token=…&user=bob` is form-encoded: each parameter on its own.
                // On a command line the value is the variable's whole.
                match in_prose && is_form_encoded(arg) {
                    true => spliced(arg, secret_parameters(arg, 0)),
                    false => Some(format!("{name}={ARG_MASK}")),
                }
            }
            // `--env=GITHUB_TOKEN=…`: the variable's name says it.
            Some((flag, variable))
                if flag.starts_with('-')
                    && variable.split_once('=').is_some_and(|(n, v)| {
                        is_secret_key(n.as_bytes())
                            && !v.is_empty()
                            && !n.contains("://")
                            && !n.contains('?')
                    }) =>
            {
                variable
                    .split_once('=')
                    .map(|(n, _)| format!("{flag}={n}={ARG_MASK}"))
            }
            _ => {
                *before = match SECRET_OPTIONS.iter().find(|flag| **flag == arg) {
                    Some(flag) => Some(Before::Option(flag)),
                    None => is_secret_option(arg).then(|| Before::Named {
                        issued: is_issued_secret(arg.as_bytes()),
                    }),
                };
                masked_url(arg)
                    .or_else(|| masked_bearer(arg))
                    .or_else(|| masked_header(arg))
                    // `--callback=/cb?token=…`, `grant_type=refresh_token&refresh_token=…`: the
                    // secret-named parameters of a path's query, or of a form.
                    .or_else(|| {
                        let query = arg.find('?').map(|at| at + 1);
                        query.and_then(|query| spliced(arg, secret_parameters(arg, query)))
                    })
                    .or_else(|| match is_form_encoded(arg) {
                        true => spliced(arg, secret_parameters(arg, 0)),
                        false => None,
                    })
            }
        },
    }
}

/// Whether `arg` is an option named like a credential (`--api-key`, `-token`, `--key`), not like a
/// file, a folder or an address of one (`--client-secret-file`, `--token-endpoint`).
fn is_secret_option(arg: &str) -> bool {
    let Some(name) = arg.strip_prefix('-') else {
        return false;
    };
    let name = name.trim_start_matches('-').as_bytes();
    !["file", "path", "dir", "url", "uri", "endpoint"]
        .iter()
        .any(|end| ends_with_ignore_case(name, end.as_bytes()))
        && (is_secret_key(name)
            || ends_with_ignore_case(name, b"key")
            || name.windows(6).any(|w| w.eq_ignore_ascii_case(b"bearer"))
            || name.eq_ignore_ascii_case(b"pat"))
}

fn ends_with_ignore_case(s: &[u8], end: &[u8]) -> bool {
    s.len() >= end.len() && s[s.len() - end.len()..].eq_ignore_ascii_case(end)
}

/// `arg` with the token after `Bearer ` masked (`-H "Authorization: Bearer …"`), as in messages
/// ([`bearer_credential_end`]), or `None`.
fn masked_bearer(arg: &str) -> Option<String> {
    let s = arg.as_bytes();
    let at = memchr::memchr2_iter(b'b', b'B', s).find(|&i| starts_with_bearer(&s[i..]))?;
    let token = at + "bearer ".len();
    let end = bearer_credential_end(s, at, token, s.len(), false)?;
    // Both ends are ASCII (the token ends at an ASCII byte or the end): char boundaries.
    Some(format!("{}{ARG_MASK}{}", &arg[..token], &arg[end..]))
}

/// `arg` as `Name: ••••••` when it is a whole header (`-H "Authorization: Bot …"`, a space in it)
/// whose name holds credentials, or `None`.
fn masked_header(arg: &str) -> Option<String> {
    if !arg.contains(' ') {
        return None;
    }
    let colon = arg.find(':')?;
    let name = arg[..colon].trim();
    let value = arg[colon + 1..].trim();
    // `Authorization: Bearer ${TOKEN}`: a variable's reference, no secret.
    let reference = match value.split_once(' ') {
        Some((scheme, rest)) => {
            AUTH_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme))
                && is_variable_reference(rest.as_bytes())
        }
        None => is_variable_reference(value.as_bytes()),
    };
    (is_secret_name(name) && !value.is_empty() && !reference)
        .then(|| format!("{}: {ARG_MASK}", &arg[..colon]))
}

/// A URL as it may be shown: its password (`scheme://user:••••••@host`) and the values of its
/// query parameters named like a credential (`?token=••••••`) masked; anything else as it is.
pub fn mask_url(url: &str) -> String {
    masked_url(url).unwrap_or_else(|| url.to_owned())
}

/// Free text as it may be shown: a line of a log, a server's stderr, a command line written out
/// in a sentence or as a JavaScript list (`args: [ '--header', 'Authorization: Bearer …' ]`).
///
/// - A credential known by its format ([`looks_like_credential`]: `sk-…`, `ghp_…`, a JWT…) is
///   masked wherever it stands.
/// - Its words are masked as [`mask_args`] masks a command line's arguments (`--api-key …`,
///   `GITHUB_TOKEN=…`, a URL's password, a query's `token=…`).
/// - `Name: value` (a header, or a key of a JavaScript or JSON object: `X-API-Key: …`,
///   `token: "…"`, `'api_key':'…'`) with a name a credential's: its value is masked, a quoted one
///   up to its closing quote (what follows it is read on its own), an `Authorization` with its
///   scheme and credential (`Bearer …`, `Basic …`), a `Cookie` with all its pairs.
/// - `Bearer` with its token.
///
/// Then the JSON in it is [`redact`]ed. Quotes, commas and brackets around a word stay, and so
/// does every byte that holds no credential.
///
/// Prose stays readable: an unquoted value that reads as a word of a sentence is kept (`token:
/// invalid`, `--token is required`, `Bearer token missing`; a password's only when it is such a
/// word as `incorrect`), and so is a challenge's parameter (`WWW-Authenticate: Bearer
/// realm="…"`).
pub fn mask_text(text: &str) -> Cow<'_, str> {
    let mut masked = masked_issued(text);
    if let Some(words) = masked_words(masked.as_deref().unwrap_or(text)) {
        masked = Some(words);
    }
    let json = match redact(masked.as_deref().unwrap_or(text).as_bytes()) {
        Cow::Borrowed(_) => None,
        Cow::Owned(bytes) => Some(into_text(bytes)),
    };
    match json.or(masked) {
        Some(masked) => Cow::Owned(masked),
        None => Cow::Borrowed(text),
    }
}

/// Text masked by [`Rewrite`]: masks replace whole values or runs that end at ASCII bytes, so the
/// text stays UTF-8.
fn into_text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `text` with each credential known by its format ([`looks_like_credential`]) masked wherever
/// it stands (`key ghp_….`, `MYVAR=sk-…`, `{"note":"eyJ…"}`), or `None` when it holds none.
fn masked_issued(text: &str) -> Option<String> {
    let s = text.as_bytes();
    let is_run_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
    let mut out = Rewrite::new(s);
    let mut i = 0;
    while i < s.len() {
        if !is_run_byte(s[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < s.len() && is_run_byte(s[i]) {
            i += 1;
        }
        // Only a run that starts as one of the formats does is looked at (`sk`, `gh`, `eyJ`…).
        // The run is ASCII: its ends are char boundaries.
        let format = matches!(
            s[start..i],
            [b's' | b'r', b'k', ..]
                | [b'g', b'h' | b'l', ..]
                | [b'x', b'o' | b'a', ..]
                | [b'h', b'f', ..]
                | [b'n', b'p', ..]
                | [b'p', b'y', ..]
                | [b'A', b'I', ..]
                | [b'e', b'y', b'J', ..]
        );
        // A run followed by `=` is a variable's name (`npm_config_user_agent=…`).
        if i - start < 7 || !format || s.get(i) == Some(&b'=') {
            continue;
        }
        let run = &text[start..i];
        // A sentence's full stop is not part of it (an unsigned JWT ends with a dot of its own).
        let end = match run.strip_suffix('.') {
            _ if looks_like_credential(run) => Some(i),
            Some(shorter) if looks_like_credential(shorter) => Some(i - 1),
            _ => None,
        };
        if let Some(end) = end {
            out.replace(start, end, ARG_MASK.as_bytes());
        }
    }
    match out.finish() {
        Cow::Owned(bytes) => Some(into_text(bytes)),
        Cow::Borrowed(_) => None,
    }
}

/// What [`mask_text`] strips from either end of a word before it reads it as an argument.
const AROUND_WORD: &[u8] = b"'\"`,;()[]{}<>";

/// A word of free text ([`Words`]): where its core is (the word without what [`AROUND_WORD`]
/// strips from its ends; empty when nothing is left).
#[derive(Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    /// The quote stripped right before the core (`'k-3'`): the core starts a quoted value.
    quote: Option<u8>,
    /// Whether something was stripped after the core (`'Bearer',` ends a list item, `'Bearer`
    /// does not).
    closed: bool,
}

/// The words of free text, split at whitespace, read from `at` (which the reader may move).
#[derive(Clone)]
struct Words<'a> {
    text: &'a str,
    at: usize,
}

impl Iterator for Words<'_> {
    type Item = Word;

    fn next(&mut self) -> Option<Word> {
        let s = self.text.as_bytes();
        let mut from = self.at;
        // A space is stepped over whole: a non-ASCII one (U+00A0, U+3000…) is several bytes.
        while from < s.len()
            && let Some(len) = self.space_at(from)
        {
            from += len;
        }
        if from >= s.len() {
            self.at = s.len();
            return None;
        }
        let mut to = from;
        while to < s.len() && self.space_at(to).is_none() {
            to += 1;
        }
        self.at = to;
        // What AROUND_WORD strips: ASCII bytes, so the core's ends are char boundaries.
        let around = |b: u8| AROUND_WORD.contains(&b);
        let mut start = from;
        while start < to && around(s[start]) {
            start += 1;
        }
        let mut end = to;
        while end > start && around(s[end - 1]) {
            end -= 1;
        }
        let quote = match start > from && start < end {
            true => Some(s[start - 1]).filter(|q| b"\"'`".contains(q)),
            false => None,
        };
        Some(Word {
            start,
            end,
            quote,
            closed: end < to,
        })
    }
}

impl Words<'_> {
    /// The length in bytes of the whitespace (`char::is_whitespace`) starting at byte `i`, if any:
    /// ASCII's is told byte by byte, and a non-ASCII byte is decoded only where a char starts.
    fn space_at(&self, i: usize) -> Option<usize> {
        match self.text.as_bytes()[i] {
            b' ' | b'\t'..=b'\r' => Some(1),
            b if b < 0x80 => None,
            _ => self
                .text
                .get(i..)?
                .chars()
                .next()
                .filter(|c| c.is_whitespace())
                .map(char::len_utf8),
        }
    }
}

/// `text` with its words masked ([`mask_text`]), or `None`.
fn masked_words(text: &str) -> Option<String> {
    let s = text.as_bytes();
    let mut out = Rewrite::new(s);
    let mut words = Words { text, at: 0 };
    let mut before = None;
    while let Some(word) = words.next() {
        if word.start == word.end {
            continue;
        }
        // `Name: value`, `Name:value`: a header, or a key of a JavaScript or JSON object.
        if let Some((name, colon)) = secret_name_colon(text, &word) {
            before = None;
            if let Some(value) = secret_value(text, &mut words, &word, name, colon) {
                out.replace(value.start, value.end, ARG_MASK.as_bytes());
            }
            continue;
        }
        let core = &text[word.start..word.end];
        // `api_key = …`, `{ apiKey : "…" }`: the name, then `=` or `:` as a word of its own.
        let mut sep_at = words.at;
        while sep_at < s.len() && matches!(s[sep_at], b' ' | b'\t') {
            sep_at += 1;
        }
        let lone_separator = sep_at > words.at
            && matches!(s.get(sep_at), Some(b':' | b'='))
            && s.get(sep_at + 1).is_none_or(u8::is_ascii_whitespace);
        if lone_separator && is_secret_name(core) {
            let mut ahead = words.clone();
            if let Some(sep) = ahead.next()
                && matches!(&text[sep.start..sep.end], ":" | "=")
                && !sep.closed
                && sep.quote.is_none()
            {
                before = None;
                words = ahead;
                if let Some(value) = secret_value(text, &mut words, &sep, core, sep.start) {
                    out.replace(value.start, value.end, ARG_MASK.as_bytes());
                }
                continue;
            }
        }
        if core.eq_ignore_ascii_case("bearer") && !word.closed {
            before = None;
            let mut ahead = words.clone();
            if let Some(token) = ahead.next()
                && secret_name_colon(text, &token).is_none()
                && let Some(end) =
                    bearer_credential_end(s, word.start, token.start, token.end, true)
            {
                out.replace(token.start, end, ARG_MASK.as_bytes());
                words = ahead;
            }
            continue;
        }
        // Any other word: an argument of a command line. Most words of a line are none that
        // `mask_arg` masks or that says something of the next (it needs an option's `-`, or an
        // `=`, a `:` or a `?`): those are told in one look at their bytes.
        let plain = before.is_none()
            && !core.starts_with('-')
            && !core.bytes().any(|b| matches!(b, b'=' | b':' | b'?'));
        if plain {
            continue;
        }
        // Only what changed is written back.
        if let Some(masked) = mask_arg(core, &mut before, word.quote.is_none()) {
            let (same_start, same_end) = same_ends(core, &masked);
            out.replace(
                word.start + same_start,
                word.end - same_end,
                &masked.as_bytes()[same_start..masked.len() - same_end],
            );
        }
    }
    match out.finish() {
        Cow::Owned(bytes) => Some(into_text(bytes)),
        Cow::Borrowed(_) => None,
    }
}

/// How many bytes `a` and `b` share at their start and, after that, at their end, both cut to
/// char boundaries.
fn same_ends(a: &str, b: &str) -> (usize, usize) {
    let mut start = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // The bytes before are the same in both: a boundary of one is a boundary of the other.
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = a[start..]
        .bytes()
        .rev()
        .zip(b[start..].bytes().rev())
        .take_while(|(x, y)| x == y)
        .count();
    while !a.is_char_boundary(a.len() - end) {
        end -= 1;
    }
    (start, end)
}

/// In `word`, the first `Name:` whose name is a credential's: as a key names one in a message
/// (`token:`, `Authorization:`, `'api_key':`, `"password":"…"`), or as a header's name does when
/// it reads like one (`Ocp-Apim-Subscription-Key:`, see [`is_secret_header`]); not `token_type:`,
/// nor a sentence's `key:`, nor `user:pw` in a URL. Answers the name and where its colon is.
fn secret_name_colon<'a>(text: &'a str, word: &Word) -> Option<(&'a str, usize)> {
    let s = text.as_bytes();
    let mut from = word.start;
    while let Some(at) = memchr::memchr2(b':', b'=', &s[from..word.end]) {
        let colon = from + at;
        from = colon + 1;
        let mut name_end = colon;
        while name_end > word.start && matches!(s[name_end - 1], b'\'' | b'"') {
            name_end -= 1;
        }
        let mut name_start = name_end;
        while name_start > word.start
            && (s[name_start - 1].is_ascii_alphanumeric()
                || matches!(s[name_start - 1], b'-' | b'_'))
        {
            name_start -= 1;
        }
        // The name starts the word, or an entry of an object (`{user:'bob',token:'…'}`), or
        // follows a prefix (`server.token:`, `[info]token:`), not a URL's `://`.
        let starts_entry = name_start == word.start
            || matches!(
                s[name_start - 1],
                b',' | b'{' | b'[' | b']' | b'(' | b';' | b'=' | b'"' | b'\'' | b'.' | b'|'
            )
            || (s[name_start - 1] == b'/' && (name_start < 2 || s[name_start - 2] != b'/'));
        // The name is ASCII: its ends are char boundaries.
        let name = &text[name_start..name_end];
        // `=` only after an `Authorization` (`authorization=Bearer …`): a `name=value` is an
        // argument's, read as one.
        let mut key = [0u8; 64];
        let separates = s[colon] == b':'
            || normalised_key(name.as_bytes(), &mut key)
                .is_some_and(|k| contains(k, b"authorization"));
        if name_start < name_end
            && separates
            && starts_entry
            && (is_secret_key(name.as_bytes()) || (name.contains('-') && is_secret_header(name)))
        {
            return Some((name, colon));
        }
    }
    None
}

/// Whether `name` (the whole of it) names a credential as a key or a header does.
fn is_secret_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && (is_secret_key(name.as_bytes()) || (name.contains('-') && is_secret_header(name)))
}

/// The schemes an `Authorization` value starts with, before the credential.
const AUTH_SCHEMES: [&str; 10] = [
    "basic",
    "bearer",
    "digest",
    "token",
    "negotiate",
    "ntlm",
    "dpop",
    "oauth",
    "apikey",
    "aws4-hmac-sha256",
];

/// What of the value of the credential named `name` (its colon at `colon`, in `word`) is to be
/// masked; `words` is moved past what the value holds, so that what follows a quoted value in
/// the same word (`"abc","user":"bob"`) is read on its own.
fn secret_value(
    text: &str,
    words: &mut Words<'_>,
    word: &Word,
    name: &str,
    colon: usize,
) -> Option<std::ops::Range<usize>> {
    let s = text.as_bytes();
    // The value's first word: the rest of this one (`token:abc`) or the next (`token: abc`).
    let first = if colon + 1 < word.end {
        let quote = Some(s[colon + 1]).filter(|q| matches!(q, b'"' | b'\'' | b'`'));
        Word {
            start: colon + 1 + usize::from(quote.is_some()),
            end: word.end,
            quote,
            closed: word.closed,
        }
    } else {
        let mut ahead = words.clone();
        let next = ahead.next().filter(|next| next.start < next.end)?;
        // `token: Authorization: Bearer …`: the next word names a credential of its own (not a
        // quoted one: that is the value, whatever it holds).
        if word.closed || (next.quote.is_none() && secret_name_colon(text, &next).is_some()) {
            return None;
        }
        *words = ahead;
        next
    };
    // `{"token":["a","b"]}`, `token: {…}`: a list or an object is masked whole, so that JSON
    // stays JSON (its brackets go with it).
    let mut open = colon + 1;
    while open < first.start && matches!(s[open], b' ' | b'\t') {
        open += 1;
    }
    if open <= first.start && open < s.len() && matches!(s[open], b'[' | b'{') {
        let end = value_end(s, open);
        words.at = end;
        return Some(open..end);
    }
    if let Some(q) = first.quote {
        // Up to the closing quote (`\` escapes what follows it), or the line's end.
        let close = closing_quote(s, first.start, q);
        words.at = if s.get(close) == Some(&q) {
            close + 1
        } else {
            close
        };
        return (first.start < close).then_some(first.start..close);
    }
    let value = &text[first.start..first.end];
    let mut end = first.end;
    let mut last = first;
    let mut name_key = [0u8; 64];
    let authorization = normalised_key(name.as_bytes(), &mut name_key)
        .is_some_and(|k| contains(k, b"authorization"));
    let scheme = AUTH_SCHEMES
        .iter()
        .any(|scheme| value.eq_ignore_ascii_case(scheme));
    if scheme && !first.closed {
        // `Authorization: Basic …`: the scheme and its credential.
        let mut ahead = words.clone();
        if let Some(credential) = ahead.next()
            && credential.start < credential.end
            && secret_name_colon(text, &credential).is_none()
        {
            if is_variable_reference(&s[credential.start..]) {
                return None;
            }
            *words = ahead;
            return Some(first.start..credential.end);
        }
    }
    if authorization {
        // `Authorization: Bearer` alone, `Authorization: failed`: no credential.
        if scheme || reads_as_prose(true, value) {
            return None;
        }
        if first.closed {
            return Some(first.start..first.end);
        }
        // A scheme not known (`Bot …`, `SSWS …`) or a credential alone: the rest of the value,
        // up to the quote that opened it or the line's end.
        let stop = |b: &u8| matches!(b, b'\r' | b'\n') || Some(*b) == word.quote;
        let line_end = s[first.start..]
            .iter()
            .position(stop)
            .map_or(s.len(), |n| first.start + n);
        let mut end = line_end;
        while end > first.end
            && (s[end - 1].is_ascii_whitespace() || AROUND_WORD.contains(&s[end - 1]))
        {
            end -= 1;
        }
        words.at = end.max(first.end);
        return Some(first.start..end.max(first.end));
    }
    // `Cookie: a=1; b=2`: every pair.
    if normalised_key(name.as_bytes(), &mut name_key).is_some_and(|k| contains(k, b"cookie")) {
        while last.closed && s[last.end] == b';' && text[last.start..last.end].contains('=') {
            let mut ahead = words.clone();
            match ahead.next() {
                Some(next) if next.quote.is_none() && text[next.start..next.end].contains('=') => {
                    *words = ahead;
                    end = next.end;
                    last = next;
                }
                _ => break,
            }
        }
    }
    let issued = is_issued_secret(name.as_bytes());
    let prose = end == first.end && reads_as_prose(issued, value);
    (!prose).then_some(first.start..end)
}

/// Where the value quoted with `q` starting at `from` ends: at its closing quote (a `\` escapes
/// the byte after it), else at the line's end or the text's.
fn closing_quote(s: &[u8], from: usize, q: u8) -> usize {
    let mut j = from;
    while j < s.len() {
        match s[j] {
            b'\\' => j += 2,
            b'\r' | b'\n' => return j,
            b if b == q => return j,
            _ => j += 1,
        }
    }
    s.len()
}

/// The words whose being a credential's value is not to be believed when its name says the
/// person chose it (a password): they are a sentence's (`password: incorrect`, `--password is
/// required`, `auth: failed`).
const PROSE_WORDS: [&str; 66] = [
    "a",
    "absent",
    "accepted",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "been",
    "blank",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "denied",
    "did",
    "does",
    "empty",
    "expired",
    "failed",
    "for",
    "found",
    "from",
    "given",
    "has",
    "have",
    "ignored",
    "in",
    "incorrect",
    "invalid",
    "is",
    "masked",
    "may",
    "mismatch",
    "missing",
    "must",
    "needed",
    "nil",
    "no",
    "not",
    "null",
    "of",
    "on",
    "or",
    "present",
    "provided",
    "redacted",
    "refused",
    "rejected",
    "required",
    "should",
    "the",
    "to",
    "too",
    "undefined",
    "unknown",
    "unset",
    "was",
    "were",
    "will",
    "with",
    "without",
    "yet",
    "you",
];

/// The words besides [`PROSE_WORDS`] that a token's or a key's value (or the word after `Bearer`)
/// may be in a sentence (`Bearer token missing`, `missing --token flag`): never one a service
/// issues, nor one a person would choose as a secret.
const ISSUED_PROSE_WORDS: [&str; 10] = [
    "authentication",
    "error",
    "flag",
    "header",
    "none",
    "option",
    "refresh",
    "revoked",
    "token",
    "value",
];

/// Whether `value`, unquoted in free text where a credential's value stands, reads as a word of
/// a sentence rather than as a credential: one of [`PROSE_WORDS`], or of [`ISSUED_PROSE_WORDS`]
/// too when the credential is one a service issues (`issued`: a token, a key, a cookie, an
/// `Authorization`). Any other word may be a secret (`password: hunter`, `token: devtoken`,
/// `X-API-Key: supersecret` are masked).
fn reads_as_prose(issued: bool, value: &str) -> bool {
    let word = value.trim_end_matches(['.', ',', ':', ';', '!', '?']);
    is_plain_word(word.as_bytes())
        && (PROSE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
            || (issued
                && ISSUED_PROSE_WORDS
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(word))))
}

/// A word as a sentence has them: up to 16 ASCII letters, lower-case but maybe the first
/// (`token`, `Invalid`), a full stop or such after it; no token a service issues reads so.
fn is_plain_word(word: &[u8]) -> bool {
    let word = match word.iter().rposition(|b| !b".,:;!?".contains(b)) {
        Some(last) => &word[..=last],
        None => return false,
    };
    word.len() <= 16
        && word[0].is_ascii_alphabetic()
        && word[1..].iter().all(u8::is_ascii_lowercase)
}

/// Whether a credential's name (a key's, an option's, a header's) says a service issues it (a
/// token, a key, a cookie, an `Authorization`) rather than a person choosing it (a password, a
/// passphrase, a secret).
fn is_issued_secret(name: &[u8]) -> bool {
    let mut buf = [0u8; 64];
    normalised_key(name, &mut buf).is_some_and(|key| {
        key.ends_with(b"token")
            || key.ends_with(b"key")
            || [
                &b"apikey"[..],
                b"accesskey",
                b"authorization",
                b"cookie",
                b"bearer",
            ]
            .iter()
            .any(|part| contains(key, part))
            || key == b"pat"
    })
}

fn contains(s: &[u8], part: &[u8]) -> bool {
    s.windows(part.len()).any(|w| w == part)
}

/// The prefixes well-known services put before the keys and tokens they issue, so that a value
/// says by itself that it is one, whatever the variable holding it is called.
const CREDENTIAL_PREFIXES: [&str; 22] = [
    // OpenAI (`sk-proj-…`), Anthropic (`sk-ant-…`) and those that copy them.
    "sk-",
    // Stripe's secret and restricted keys.
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    // GitHub's tokens.
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    // Slack's tokens.
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxe-",
    "xapp-",
    "hf_",
    "npm_",
    "pypi-",
    // Google API keys.
    "AIza",
];

/// How many token characters at least follow one of [`CREDENTIAL_PREFIXES`] in a credential: the
/// shortest issued (GitLab's) have 20, and a name such as `npm_config_cache` stays shown.
const MIN_CREDENTIAL_BODY: usize = 20;

/// Whether `value` (trimmed) is, by itself, a credential a well-known service issued: one of
/// [`CREDENTIAL_PREFIXES`] (`sk-`, `ghp_`, `github_pat_`, `xoxb-`, `glpat-`, `AIza`…) followed by
/// at least 16 letters, digits, `-` or `_` and nothing else, or a JSON Web Token (three
/// base64url parts separated by dots, the first starting `eyJ`, the signature possibly empty). A
/// value without such a prefix is never guessed at, however random it looks. For a value shown
/// to a person whose variable's name says nothing (`MYVAR=sk-ant-…`), and for free text
/// ([`mask_text`] masks one wherever it stands).
pub fn looks_like_credential(value: &str) -> bool {
    let value = value.trim();
    let is_token_char = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let prefixed = CREDENTIAL_PREFIXES.iter().any(|prefix| {
        value.strip_prefix(prefix).is_some_and(|body| {
            body.len() >= MIN_CREDENTIAL_BODY
                && body.bytes().all(is_token_char)
                // A name (`npm_config_user_agent`, `hf_hub_enable_hf_transfer`): lower-case
                // words joined by `_` or `-`, which no issued token is.
                && !(body.bytes().any(|b| b == b'_' || b == b'-')
                    && body
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-'))
        })
    });
    let mut parts = value.split('.');
    let jwt = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(payload), Some(signature), None) => {
            header.len() > "eyJ".len()
                && header.starts_with("eyJ")
                && !payload.is_empty()
                && [header, payload, signature]
                    .iter()
                    .all(|part| part.bytes().all(is_token_char))
        }
        _ => false,
    };
    prefixed || jwt
}

/// `arg` with the credentials of a URL in it masked ([`mask_url`]), or `None` when it holds none.
fn masked_url(arg: &str) -> Option<String> {
    let start =
        memchr::memchr_iter(b':', arg.as_bytes()).find(|&at| arg[at..].starts_with("://"))? + 3;
    let authority_end = arg[start..]
        .find(['/', '?', '#'])
        .map_or(arg.len(), |at| start + at);
    let password = arg[start..authority_end]
        .rfind('@')
        .map(|at| start + at)
        .and_then(|user_end| {
            let colon = start + arg[start..user_end].find(':')?;
            (colon + 1 < user_end).then_some(colon + 1..user_end)
        });
    // The query, or a fragment holding parameters (`#access_token=…&state=…`).
    let query = arg[authority_end..]
        .find('?')
        .or_else(|| arg[authority_end..].find('#'))
        .map(|at| authority_end + at + 1);
    let parameters = query
        .into_iter()
        .flat_map(|query| secret_parameters(arg, query));
    spliced(arg, password.into_iter().chain(parameters))
}

/// Where the values of the parameters named like a credential are in the query (or form-encoded
/// text) starting at `from` in `arg` and ending at its `#` or its end: `token=••••••&user=bob`.
fn secret_parameters(arg: &str, from: usize) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    // A fragment may hold parameters too (`#access_token=…`): `#` separates like `&`.
    let mut at = from;
    arg[from..].split(['&', '#']).filter_map(move |pair| {
        let pair_at = at;
        at += pair.len() + 1;
        let (name, value) = pair.split_once('=')?;
        let value_at = pair_at + name.len() + 1;
        // `?key=…` is how Google's APIs take theirs.
        (!value.is_empty() && (is_secret_key(name.as_bytes()) || name.eq_ignore_ascii_case("key")))
            .then_some(value_at..value_at + value.len())
    })
}

/// Whether `arg` reads as form-encoded parameters (`grant_type=…&refresh_token=…`): two or more
/// `name=value` joined by `&`, each name made of letters, digits, `_`, `-`, `.`, `[`, `]`.
fn is_form_encoded(arg: &str) -> bool {
    arg.contains('&')
        && arg.split('&').all(|pair| {
            pair.split_once('=').is_some_and(|(name, _)| {
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-.[]".contains(&b))
            })
        })
}

/// `arg` with the ranges (in order, apart) replaced by [`ARG_MASK`]; `None` when there are none.
fn spliced(arg: &str, ranges: impl IntoIterator<Item = std::ops::Range<usize>>) -> Option<String> {
    let mut shown: Option<String> = None;
    let mut copied = 0;
    for range in ranges {
        let out = shown.get_or_insert_with(|| String::with_capacity(arg.len()));
        out.push_str(&arg[copied..range.start]);
        out.push_str(ARG_MASK);
        copied = range.end;
    }
    let mut shown = shown?;
    shown.push_str(&arg[copied..]);
    Some(shown)
}

/// The value of option `flag` masked, or `None` when it holds nothing to mask. `in_prose`: as
/// for [`mask_arg`].
fn masked_value(flag: &str, value: &str, in_prose: bool) -> Option<String> {
    match flag {
        "--header" => {
            let (name, value) = crate::transport::split_header(value)?;
            (is_secret_header(name) && !value.is_empty()).then(|| format!("{name}: {ARG_MASK}"))
        }
        "--static-oauth-client-info" => match redact(value.as_bytes()) {
            Cow::Owned(masked) => Some(String::from_utf8_lossy(&masked).into_owned()),
            Cow::Borrowed(_) => None,
        },
        _ => {
            let prose = in_prose && reads_as_prose(false, value);
            (!value.is_empty() && !prose).then(|| ARG_MASK.to_owned())
        }
    }
}

/// A key's letters and digits only, lower-cased, in `buf`: `API_KEY`, `x-api-key` and `apiKey`
/// are all `apikey`. Other bytes (separators, and every byte of a non-ASCII character) are left
/// out. Keys are short: `None` past 64 letters, where no key here is a secret's name.
fn normalised_key<'b>(key: &[u8], buf: &'b mut [u8; 64]) -> Option<&'b [u8]> {
    let mut len = 0;
    for &b in key.iter().filter(|b| b.is_ascii_alphanumeric()) {
        *buf.get_mut(len)? = b.to_ascii_lowercase();
        len += 1;
    }
    Some(&buf[..len])
}

/// Whether a key names a secret. `key` is the key's text as written, unescaped.
fn is_secret_key(key: &[u8]) -> bool {
    let mut buf = [0u8; 64];
    let Some(key) = normalised_key(key, &mut buf) else {
        return false;
    };
    // Every key of every message passes here: each part is looked for only where its first three
    // letters are, instead of at every position.
    let part_at = |i: usize| {
        let rest = &key[i..];
        let parts: &[&[u8]] = match rest {
            [b's', b'e', b'c', ..] => &[b"secret"],
            [b'p', b'a', b's', ..] => &[b"password", b"passwd", b"passphrase"],
            [b'p', b'r', b'i', ..] => &[b"privatekey"],
            [b'a', b'p', b'i', ..] => &[b"apikey"],
            [b'a', b'u', b't', ..] => &[b"authorization"],
            [b'a', b'c', b'c', ..] => &[b"accesskey"],
            [b'c', b'o', b'o', ..] => &[b"cookie"],
            [b'c', b'r', b'e', ..] => &[b"credential"],
            _ => &[],
        };
        parts.iter().any(|p| rest.starts_with(p))
    };
    const WHOLE: [&[u8]; 3] = [b"auth", b"pwd", b"bearer"];
    (0..key.len()).any(part_at)
        || WHOLE.contains(&key)
        // accessToken, refresh_token, GITHUB_TOKEN; not maxTokens, and not MCP's progressToken
        || (key.ends_with(b"token") && key != b"progresstoken")
}

/// `null`, `true` and `false` say nothing secret and help debugging (`"password": null`).
fn is_harmless_literal(value: &[u8]) -> bool {
    matches!(value, b"null" | b"true" | b"false")
}

/// A key's text from its quoted bytes, unescaped when it holds escapes. Only its ASCII letters
/// and digits count, so its bytes need no UTF-8 check.
fn key_text(quoted: &[u8]) -> Cow<'_, [u8]> {
    let inner = &quoted[1..quoted.len() - 1];
    if memchr::memchr(b'\\', inner).is_some()
        && let Ok(text) = serde_json::from_slice::<String>(quoted)
    {
        return Cow::Owned(text.into_bytes());
    }
    Cow::Borrowed(inner)
}

/// The end (past the closing quote) of the string starting at `start`, and whether it closed.
fn string_end(s: &[u8], start: usize) -> (usize, bool) {
    let mut j = start + 1;
    while let Some(at) = memchr::memchr2(b'\\', b'"', &s[j.min(s.len())..]) {
        j += at;
        if s[j] == b'"' {
            return (j + 1, true);
        }
        j += 2;
    }
    (s.len(), false)
}

fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// The end of the JSON value starting at `start` (the end of the input when it is cut short). In
/// text that only looks like JSON ([`mask_text`]), a value in single quotes ends past its closing
/// quote, and a bare one before a `)`.
fn value_end(s: &[u8], start: usize) -> usize {
    match s[start] {
        b'"' => string_end(s, start).0,
        b'\'' => {
            let close = closing_quote(s, start + 1, b'\'');
            close + usize::from(s.get(close) == Some(&b'\''))
        }
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = start;
            while j < s.len() {
                match s[j] {
                    b'"' => {
                        j = string_end(s, j).0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            s.len()
        }
        _ => {
            let mut j = start;
            while j < s.len()
                && !matches!(
                    s[j],
                    b',' | b'}' | b']' | b')' | b' ' | b'\t' | b'\r' | b'\n'
                )
            {
                j += 1;
            }
            j
        }
    }
}

/// Masks inside the contents `s[from..to]` of a JSON string: secret-looking keys of JSON written
/// as text (`{\"token\":\"…\"}`) and the credential after `Bearer `.
fn mask_inside_string(out: &mut Rewrite<'_>, from: usize, to: usize) {
    let src = out.src;
    let s = &src[..to];
    let mut j = from;
    while j < to {
        // Only an escape or a `b`/`B` can start what is looked for here.
        match memchr::memchr3(b'\\', b'b', b'B', &s[j..to]) {
            Some(at) => j += at,
            None => break,
        }
        if s[j] == b'\\' {
            if s.get(j + 1) == Some(&b'"') {
                j = mask_escaped_entry(out, j, to);
            } else {
                j += 2;
            }
            continue;
        }
        if starts_with_bearer(&s[j..]) {
            let token = j + "bearer ".len();
            // In a message, any word after `Bearer` is masked (but a challenge's parameter).
            j = match bearer_credential_end(s, j, token, to, false) {
                Some(end) => {
                    out.replace(token, end, MARKER.as_bytes());
                    end
                }
                None => token,
            };
            continue;
        }
        j += 1;
    }
}

/// At an escaped quote `\"` (position `q`) inside a string ending at `to`: when it opens a
/// secret-looking key of JSON written as text, masks that key's value. Answers where to go on.
fn mask_escaped_entry(out: &mut Rewrite<'_>, q: usize, to: usize) -> usize {
    let src = out.src;
    let s = &src[..to];
    let Some(key_end) = escaped_string_end(s, q) else {
        return to;
    };
    let colon = skip_escaped_ws(s, key_end);
    if s.get(colon) != Some(&b':') {
        // Not a key: its text is scanned like any other (it may hold `Bearer …`).
        return q + 2;
    }
    if !is_secret_key(&s[q + 2..key_end - 2]) {
        return key_end;
    }
    let value = skip_escaped_ws(s, colon + 1);
    if value >= to {
        return to;
    }
    let value_end = if s[value..].starts_with(b"\\\"") {
        escaped_string_end(s, value).unwrap_or(to)
    } else if matches!(s[value], b'{' | b'[') {
        // A nested object or list: its own keys are looked at one by one.
        return value;
    } else {
        let mut k = value;
        while k < to && !matches!(s[k], b',' | b'}' | b']' | b' ' | b'\\') {
            k += 1;
        }
        k
    };
    if !is_harmless_literal(&s[value..value_end]) {
        out.replace(value, value_end, MARKER_ESCAPED);
    }
    value_end
}

/// The end (past the closing `\"`) of a string written as text inside a string, opened by the `\"`
/// at `q`; `None` when it runs to the end.
fn escaped_string_end(s: &[u8], q: usize) -> Option<usize> {
    let mut j = q + 2;
    while j + 1 < s.len() {
        if s[j] != b'\\' {
            j += 1;
            continue;
        }
        match s[j + 1] {
            b'"' => return Some(j + 2),
            // `\\` is the inner text's backslash: it escapes the next character, one byte or an
            // escape of its own (`\\\"` is a quote inside the inner string).
            b'\\' if s.get(j + 2) == Some(&b'\\') => j += 4,
            b'\\' => j += 3,
            _ => j += 2,
        }
    }
    None
}

/// Skips spaces and escaped whitespace (`\n`, `\t`, `\r`) inside a string.
fn skip_escaped_ws(s: &[u8], mut i: usize) -> usize {
    loop {
        match s.get(i) {
            Some(b' ') => i += 1,
            Some(b'\\') if matches!(s.get(i + 1), Some(b'n' | b't' | b'r')) => i += 2,
            _ => return i,
        }
    }
}

fn starts_with_bearer(s: &[u8]) -> bool {
    s.len() > 7 && s[0] | 0x20 == b'b' && s[..7].eq_ignore_ascii_case(b"bearer ")
}

/// Where the credential after a `Bearer ` (at `bearer`) that starts at `at` ends (before `to`),
/// or `None` when none does. A token runs to whitespace, a quote, a bracket, a comma, a `;` or a
/// `\`: every other byte is its, non-ASCII ones included, so a token is masked whole and ends at
/// an ASCII byte. Not a credential: a challenge's parameter (`Bearer realm="mcp"`), a variable's
/// reference (`Bearer ${TOKEN}`), and, in free text (`prose`) and unless `Bearer` is the value
/// of a header named like a credential (`Authorization: Bearer token`), a word of a sentence
/// ([`reads_as_prose`]: `Bearer token missing`, `use bearer authentication`); any other word
/// may be a token (`Bearer mytoken`).
fn bearer_credential_end(
    s: &[u8],
    bearer: usize,
    at: usize,
    to: usize,
    prose: bool,
) -> Option<usize> {
    let end = s[at..to]
        .iter()
        .position(|&b| !is_token_byte(b))
        .map_or(to, |n| at + n);
    let token = &s[at..end];
    if token.is_empty() || is_variable_reference(&s[at..]) {
        return None;
    }
    let parameter = token.len() > 1
        && token.ends_with(b"=")
        && token[..token.len() - 1]
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b == b'_')
        && end < to
        && (s[end] == b'"' || s[end..].starts_with(b"\\\""));
    let word = prose
        && std::str::from_utf8(token).is_ok_and(|word| reads_as_prose(true, word))
        && !after_secret_header(&s[..bearer]);
    (!(word || parameter)).then_some(end)
}

/// Whether `s` starts with a reference to a variable, `${NAME}`, that a shell or a config file
/// replaces with the secret (`Bearer ${TOKEN}`): the reference is no secret itself.
fn is_variable_reference(s: &[u8]) -> bool {
    let Some(rest) = s.strip_prefix(b"${") else {
        return false;
    };
    let Some(close) = memchr::memchr(b'}', rest) else {
        return false;
    };
    let name = &rest[..close];
    !name.is_empty()
        && !name[0].is_ascii_digit()
        && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
        && rest.get(close + 1).is_none_or(|&b| !is_token_byte(b))
}

/// Whether `before` ends with a header named like a credential and its colon, quotes and spaces
/// around it allowed (`Authorization: `, `\"Authorization\": \"`).
fn after_secret_header(before: &[u8]) -> bool {
    let around = |b: &u8| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'\\');
    let Some(colon) = before.iter().rposition(|b| !around(b)) else {
        return false;
    };
    if before[colon] != b':' {
        return false;
    }
    let name_end = before[..colon]
        .iter()
        .rposition(|b| !around(b))
        .map_or(0, |at| at + 1);
    let name_start = before[..name_end]
        .iter()
        .rposition(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map_or(0, |at| at + 1);
    // The name is ASCII letters, digits, `-` and `_`.
    std::str::from_utf8(&before[name_start..name_end]).is_ok_and(is_secret_header)
}

/// Bytes of a bearer token as free text and messages show it: any but whitespace, control
/// characters, quotes, brackets, `,`, `;` and `\`.
fn is_token_byte(b: u8) -> bool {
    !b.is_ascii_whitespace() && !b.is_ascii_control() && !b"\"'`,;()[]{}<>\\".contains(&b)
}

/// The input with some ranges replaced, copied only once the first replacement happens.
struct Rewrite<'a> {
    src: &'a [u8],
    out: Option<Vec<u8>>,
    copied: usize,
}

impl<'a> Rewrite<'a> {
    fn new(src: &'a [u8]) -> Self {
        Rewrite {
            src,
            out: None,
            copied: 0,
        }
    }

    /// Replaces `src[from..to]`; ranges come in order and never overlap.
    fn replace(&mut self, from: usize, to: usize, with: &[u8]) {
        let from = from.max(self.copied);
        let to = to.max(from);
        let out = self
            .out
            .get_or_insert_with(|| Vec::with_capacity(self.src.len()));
        out.extend_from_slice(&self.src[self.copied..from]);
        out.extend_from_slice(with);
        self.copied = to;
    }

    fn finish(self) -> Cow<'a, [u8]> {
        match self.out {
            None => Cow::Borrowed(self.src),
            Some(mut out) => {
                out.extend_from_slice(&self.src[self.copied..]);
                Cow::Owned(out)
            }
        }
    }
}

#[cfg(test)]
mod tests;
