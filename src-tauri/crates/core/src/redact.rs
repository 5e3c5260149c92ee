//! Redaction of journaled messages: the values of secret-looking keys (`token`, `password`,
//! `api_key`, `authorization`, `cookie`, …) are replaced by [`MARKER`]; every other byte stays as
//! it was, whitespace and key order included.
//!
//! It works on bytes, not on a parsed tree, so it also handles what a journal holds besides whole
//! JSON messages: a message cut at the size cap (a value cut short is masked up to the cut), a line
//! that is not JSON at all, and JSON carried as text inside a string (a tool result whose text is
//! `{"api_key":"…"}`). Inside strings it also masks the credential after `Bearer `.
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
    let lower = name.to_ascii_lowercase();
    is_secret_key(name.as_bytes()) || lower.contains("token") || lower.ends_with("key")
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
    /// is an option itself.
    Named,
}

/// A command line's arguments as they may be shown: the value of a `--header` whose name holds
/// credentials becomes `Name: ••••••` (the name kept), the value of `--oauth-client-secret`
/// becomes `••••••`, and the JSON of `--static-oauth-client-info` is [`redact`]ed; so is the value
/// of any option named like a credential (`--api-key`, `--token`, `--password`…, not a file or a
/// URL of one such as `--token-endpoint`), and of a `NAME=VALUE` argument whose name is a
/// credential's (`-e GITHUB_TOKEN=…`); each option as `--flag VALUE` or `--flag=VALUE`. The
/// password of a URL (`postgresql://user:pw@host`) is masked wherever it stands. Every other
/// argument stays as it is, and an empty value too.
pub fn mask_args(args: &[String]) -> Vec<String> {
    let mut shown = Vec::with_capacity(args.len());
    let mut before: Option<Before> = None;
    for arg in args {
        let masked = match before.take() {
            Some(Before::Option(flag)) => masked_value(flag, arg),
            Some(Before::Named) if !arg.starts_with('-') => masked_value("", arg),
            _ => match arg.split_once('=') {
                Some((flag, value)) if SECRET_OPTIONS.contains(&flag) => {
                    masked_value(flag, value).map(|v| format!("{flag}={v}"))
                }
                // Not a URL's first query parameter (`https://me:pw@host/?token=…`): its
                // password would stay; the URL's own rule below masks both.
                Some((name, value))
                    if (is_secret_option(name)
                        || (!name.starts_with('-') && is_secret_key(name.as_bytes())))
                        && !value.is_empty()
                        && !name.contains("://") =>
                {
                    Some(format!("{name}={ARG_MASK}"))
                }
                // `--env=GITHUB_TOKEN=…`: the variable's name says it.
                Some((flag, variable))
                    if flag.starts_with('-')
                        && variable.split_once('=').is_some_and(|(n, v)| {
                            is_secret_key(n.as_bytes()) && !v.is_empty() && !n.contains("://")
                        }) =>
                {
                    variable
                        .split_once('=')
                        .map(|(n, _)| format!("{flag}={n}={ARG_MASK}"))
                }
                _ => {
                    before = match SECRET_OPTIONS.iter().find(|flag| **flag == arg.as_str()) {
                        Some(flag) => Some(Before::Option(flag)),
                        None => is_secret_option(arg).then_some(Before::Named),
                    };
                    masked_url(arg).or_else(|| masked_bearer(arg))
                }
            },
        };
        shown.push(masked.unwrap_or_else(|| arg.clone()));
    }
    shown
}

/// Whether `arg` is an option named like a credential (`--api-key`, `-token`, `--key`), not like a
/// file, a folder or an address of one (`--client-secret-file`, `--token-endpoint`).
fn is_secret_option(arg: &str) -> bool {
    let Some(name) = arg.strip_prefix('-') else {
        return false;
    };
    let name = name.trim_start_matches('-').to_ascii_lowercase();
    !["file", "path", "dir", "url", "uri", "endpoint"]
        .iter()
        .any(|end| name.ends_with(end))
        && (is_secret_key(name.as_bytes())
            || name.ends_with("key")
            || name.contains("bearer")
            || name == "pat")
}

/// `arg` with the token after `Bearer ` masked (`-H "Authorization: Bearer …"`), as in messages,
/// or `None`.
fn masked_bearer(arg: &str) -> Option<String> {
    let s = arg.as_bytes();
    let at = (0..s.len()).find(|&i| starts_with_bearer(&s[i..]))? + "bearer ".len();
    let end = token_end(s, at, s.len());
    // `token_end` steps over whole characters: both ends are char boundaries.
    (end > at).then(|| format!("{}{ARG_MASK}{}", &arg[..at], &arg[end..]))
}

/// A URL as it may be shown: its password (`scheme://user:••••••@host`) and the values of its
/// query parameters named like a credential (`?token=••••••`) masked; anything else as it is.
pub fn mask_url(url: &str) -> String {
    masked_url(url).unwrap_or_else(|| url.to_owned())
}

/// Free text as it may be shown: a line of a log, a server's stderr, a command line written out
/// in a sentence or as a JavaScript list (`args: [ '--header', 'Authorization: Bearer …' ]`).
/// Its words are masked as [`mask_args`] masks a command line's arguments (`--api-key …`,
/// `GITHUB_TOKEN=…`, a URL's password, `--header Name: …`), a header named like a credential
/// taken with its value as `--header` would be (`X-API-Key: …`, `Authorization: Bearer …`), and
/// `Bearer` with its token; then the JSON in it is [`redact`]ed. Quotes, commas and brackets
/// around a word stay, and so does every byte that holds no credential.
pub fn mask_text(text: &str) -> Cow<'_, str> {
    let words = masked_words(text);
    let shown = words.as_deref().unwrap_or(text);
    let json = match redact(shown.as_bytes()) {
        Cow::Borrowed(_) => None,
        // Masks replace whole values or ASCII runs: the text stays UTF-8.
        Cow::Owned(bytes) => Some(
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        ),
    };
    match json.or(words) {
        Some(masked) => Cow::Owned(masked),
        None => Cow::Borrowed(text),
    }
}

/// What [`mask_text`] strips from either end of a word before it reads it as an argument.
const AROUND_WORD: [char; 13] = [
    '\'', '"', '`', ',', ';', '(', ')', '[', ']', '{', '}', '<', '>',
];

/// `text` with its words masked as a command line's arguments ([`mask_text`]), or `None`.
fn masked_words(text: &str) -> Option<String> {
    // Each word as the range of its core (what is left once AROUND_WORD is stripped), and
    // whether something was stripped after it (`'Bearer',` ends a list item, `'Bearer` does not).
    let mut words: Vec<(std::ops::Range<usize>, bool)> = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(at),
            (true, Some(from)) => {
                start = None;
                let raw = &text[from..at];
                let head = raw.trim_start_matches(AROUND_WORD);
                let core = head.trim_end_matches(AROUND_WORD);
                if !core.is_empty() {
                    let core_at = from + raw.len() - head.len();
                    words.push((core_at..core_at + core.len(), core.len() < head.len()));
                }
            }
            _ => {}
        }
    }
    // One argument per word, but a secret header's name, or `Bearer`, with what follows it.
    let mut groups: Vec<std::ops::Range<usize>> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut j = i;
        while j + 1 < words.len() && !words[j].1 && {
            let core = &text[words[j].0.clone()];
            core.eq_ignore_ascii_case("bearer")
                || secret_header_name(core).is_some()
                || glued_header(core).is_some_and(is_auth_scheme)
                // `Authorization: Basic xyz`, `Bot xyz`: the scheme, then its credential.
                || (j == i + 1
                    && is_auth_scheme(core)
                    && secret_header_name(&text[words[i].0.clone()]).is_some())
        } {
            j += 1;
        }
        groups.push(i..j + 1);
        i = j + 1;
    }
    let args: Vec<String> = groups
        .iter()
        .map(|g| {
            words[g.clone()]
                .iter()
                .map(|(core, _)| &text[core.clone()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let masked = mask_args(&args);
    let mut shown = String::with_capacity(text.len());
    let mut copied = 0;
    let mut changed = false;
    for ((group, arg), mut masked) in groups.iter().zip(&args).zip(masked) {
        let first = &text[words[group.start].0.clone()];
        // `X-API-Key:abc`, `Authorization:Bearer abc`: a header written without its space.
        if (group.len() > 1 && secret_header_name(first).is_some()) || glued_header(first).is_some()
        {
            // `X-API-Key: …` needs no `--header` before it to be one.
            let header = ["--header".to_owned(), arg.clone()];
            masked = mask_args(&header).swap_remove(1);
        }
        if masked == *arg {
            continue;
        }
        // Only what changed is written back, where it stands in the text.
        let mut same_start = arg
            .bytes()
            .zip(masked.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        while !arg.is_char_boundary(same_start) {
            same_start -= 1;
        }
        let mut same_end = arg[same_start..]
            .bytes()
            .rev()
            .zip(masked[same_start..].bytes().rev())
            .take_while(|(a, b)| a == b)
            .count();
        while !arg.is_char_boundary(arg.len() - same_end) {
            same_end -= 1;
        }
        // Where an offset of the argument is in the text: its words are joined by one space, and
        // the space after a word stands for whatever separates it from the next.
        let in_text = |offset: usize| {
            let mut word_at = 0;
            for (core, _) in &words[group.clone()] {
                if offset <= word_at + core.len() {
                    return core.start + offset - word_at;
                }
                word_at += core.len() + 1;
            }
            words[group.end - 1].0.end
        };
        let from = in_text(same_start).max(copied);
        let to = in_text(arg.len() - same_end).max(from);
        shown.push_str(&text[copied..from]);
        shown.push_str(&masked[same_start..masked.len() - same_end]);
        copied = to;
        changed = true;
    }
    if !changed {
        return None;
    }
    shown.push_str(&text[copied..]);
    Some(shown)
}

/// The name of `Name:` when it names a credential: as a key does in a message (`token:`,
/// `Authorization:`, `'api_key':`, a quote before the colon allowed), or as a header's name does
/// when it reads like one (`Ocp-Apim-Subscription-Key:`, see [`is_secret_header`]); not
/// `token_type:`, nor a sentence's `key:`.
/// Whether a word may be an HTTP authentication scheme (`Bearer`, `Basic`, `Digest`, `Bot`,
/// `SSWS`…): the credential comes in the next word.
fn is_auth_scheme(word: &str) -> bool {
    (2..=20).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')
}

/// The value of a word that is a secret header written without the space after its colon
/// (`X-API-Key:abc`, `Authorization:Bearer`, as mcp-remote's README writes `--header`), or `None`.
/// Not JSON (`"token":"abc","user":"bob"`): quotes are left to [`redact`], which keeps the rest.
fn glued_header(word: &str) -> Option<&str> {
    let colon = word.find(':')?;
    let value = &word[colon + 1..];
    (!value.is_empty()
        && !value.starts_with('/')
        && !word.contains(['"', '\''])
        && secret_header_name(&word[..=colon]).is_some())
    .then_some(value)
}

fn secret_header_name(word: &str) -> Option<&str> {
    let name = word.strip_suffix(':')?.trim_end_matches(['\'', '"']);
    let header_like = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let secret = is_secret_key(name.as_bytes()) || (name.contains('-') && is_secret_header(name));
    (header_like && secret).then_some(name)
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
const MIN_CREDENTIAL_BODY: usize = 16;

/// Whether `value` (trimmed) is, by itself, a credential a well-known service issued: one of
/// [`CREDENTIAL_PREFIXES`] (`sk-`, `ghp_`, `github_pat_`, `xoxb-`, `glpat-`, `AIza`…) followed by
/// at least 16 letters, digits, `-` or `_` and nothing else, or a JSON Web Token (three
/// base64url parts separated by dots, the first starting `eyJ`, the signature possibly empty). A
/// value without such a prefix is never guessed at, however random it looks. For a value shown
/// to a person whose variable's name says nothing (`MYVAR=sk-ant-…`).
pub fn looks_like_credential(value: &str) -> bool {
    let value = value.trim();
    let is_token_char = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    let prefixed = CREDENTIAL_PREFIXES.iter().any(|prefix| {
        value.strip_prefix(prefix).is_some_and(|body| {
            body.len() >= MIN_CREDENTIAL_BODY && body.bytes().all(is_token_char)
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
    let start = arg.find("://")? + 3;
    let authority_end = arg[start..]
        .find(['/', '?', '#'])
        .map_or(arg.len(), |at| start + at);
    let mut shown = arg.to_owned();
    let mut changed = false;
    // The query's secret-named values, from the end (so earlier positions hold).
    if let Some(q) = arg[authority_end..]
        .find('?')
        .map(|at| authority_end + at + 1)
    {
        let end = arg[q..].find('#').map_or(arg.len(), |at| q + at);
        let mut at = end;
        for pair in arg[q..end].rsplit('&') {
            at -= pair.len();
            if let Some((name, value)) = pair.split_once('=')
                && !value.is_empty()
                && is_secret_key(name.as_bytes())
            {
                let value_at = at + name.len() + 1;
                shown.replace_range(value_at..value_at + value.len(), ARG_MASK);
                changed = true;
            }
            at = at.saturating_sub(1);
        }
    }
    if let Some(user_end) = arg[start..authority_end].rfind('@').map(|at| start + at)
        && let Some(colon) = arg[start..user_end].find(':').map(|at| start + at)
        && colon + 1 < user_end
    {
        shown.replace_range(colon + 1..user_end, ARG_MASK);
        changed = true;
    }
    changed.then_some(shown)
}

/// The value of option `flag` masked, or `None` when it holds nothing to mask.
fn masked_value(flag: &str, value: &str) -> Option<String> {
    match flag {
        "--header" => {
            let (name, value) = crate::transport::split_header(value)?;
            (is_secret_header(name) && !value.is_empty()).then(|| format!("{name}: {ARG_MASK}"))
        }
        "--static-oauth-client-info" => match redact(value.as_bytes()) {
            Cow::Owned(masked) => Some(String::from_utf8_lossy(&masked).into_owned()),
            Cow::Borrowed(_) => None,
        },
        _ => (!value.is_empty()).then(|| ARG_MASK.to_owned()),
    }
}

/// Whether a key names a secret. `key` is the key's text as written, unescaped.
fn is_secret_key(key: &[u8]) -> bool {
    // Letters and digits only, lower-cased: `API_KEY`, `x-api-key` and `apiKey` are all `apikey`.
    // Other bytes (separators, and every byte of a non-ASCII character) are left out. Keys are
    // short: normalised on the stack, and past 64 letters no key here is a secret's name.
    let mut buf = [0u8; 64];
    let mut len = 0;
    for &b in key.iter().filter(|b| b.is_ascii_alphanumeric()) {
        if len == buf.len() {
            return false;
        }
        buf[len] = b.to_ascii_lowercase();
        len += 1;
    }
    let key = &buf[..len];
    // Every key of every message passes here: each part is looked for only where its first
    // letter is, instead of at every position.
    let part_at = |i: usize| {
        let rest = &key[i..];
        let parts: &[&[u8]] = match rest[0] {
            b's' => &[b"secret"],
            b'p' => &[b"password", b"passwd", b"passphrase", b"privatekey"],
            b'a' => &[b"apikey", b"authorization", b"accesskey"],
            b'c' => &[b"cookie", b"credential"],
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

/// The end of the JSON value starting at `start` (the end of the input when it is cut short).
fn value_end(s: &[u8], start: usize) -> usize {
    match s[start] {
        b'"' => string_end(s, start).0,
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
            while j < s.len() && !matches!(s[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
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
            let k = token_end(s, token, to);
            if k > token {
                out.replace(token, k, MARKER.as_bytes());
            }
            j = k;
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

/// Bytes of an RFC 6750 bearer token.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// Where a bearer token starting at `from` ends (at most `to`): after RFC 6750's bytes and any
/// other character that is not a space, so that a token holding `é` is masked whole; a space,
/// also a non-ASCII one (U+00A0, U+2028), ends it. Whole characters are stepped over.
fn token_end(s: &[u8], from: usize, to: usize) -> usize {
    let mut k = from;
    while k < to {
        let b = s[k];
        if b.is_ascii() {
            if !is_token_byte(b) {
                break;
            }
            k += 1;
            continue;
        }
        let len = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        let end = (k + len).min(to);
        match std::str::from_utf8(&s[k..end])
            .ok()
            .and_then(|c| c.chars().next())
        {
            Some(c) if c.is_whitespace() => break,
            Some(_) => k = end,
            // Not UTF-8 (a journaled message may hold any bytes): taken as part of the token.
            None => k += 1,
        }
    }
    k
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
