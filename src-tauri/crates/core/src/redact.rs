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
            // An escaped quote outside any string: JSON written as text, printed as it is
            // (`{\"token\":\"…\"}`). Its keys are read from its backslash, as inside a string.
            let from = if i > 0 && msg[i - 1] == b'\\' {
                i - 1
            } else {
                i + 1
            };
            // A value that is a credential by its format, under any key or in a list
            // (`"q":"ghp_…"`), or a URL carrying a password: masked whole, or its password.
            if closed
                && from > i
                && let Some((a, b)) = credential_in_value(&msg[from..end - 1])
            {
                out.replace(from + a, from + b, MARKER.as_bytes());
            } else {
                mask_inside_string(&mut out, from, if closed { end - 1 } else { end }, from < i);
            }
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
                        || (!name.starts_with('-') && is_secret_variable(name, Some(value))))
                        && !value.is_empty()
                        && !name.contains("://") =>
                {
                    Some(format!("{name}={ARG_MASK}"))
                }
                // `--env=GITHUB_TOKEN=…`: the variable's name says it.
                Some((flag, variable))
                    if flag.starts_with('-')
                        && variable.split_once('=').is_some_and(|(n, v)| {
                            is_secret_variable(n, Some(v)) && !v.is_empty() && !n.contains("://")
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

/// The quotes a value may stand in (`'…'`, `"…"`, `` `…` ``).
const QUOTES: [char; 3] = ['\'', '"', '`'];

/// Whether `s` holds one of [`QUOTES`] (with `memchr`: a pattern of several chars would decode
/// every one).
fn has_quote(s: &str) -> bool {
    memchr::memchr3(b'\'', b'"', b'`', s.as_bytes()).is_some()
}

/// Where a word made of [`AROUND_WORD`] only holds an empty value in quotes (`""`, `'',`): the
/// offset of its opening quote.
fn empty_quotes(raw: &str) -> Option<usize> {
    let s = raw.as_bytes();
    (0..s.len().saturating_sub(1))
        .find(|&i| matches!(s[i], b'"' | b'\'' | b'`') && s[i + 1] == s[i])
}

/// `text` with its words masked as a command line's arguments ([`mask_text`]), or `None`.
fn masked_words(text: &str) -> Option<String> {
    // Each word as the range of its core (what is left once AROUND_WORD is stripped), whether
    // something was stripped after it (`'Bearer',` ends a list item, `'Bearer` does not), and the
    // range of the whole word.
    let mut words: Vec<(std::ops::Range<usize>, bool, std::ops::Range<usize>)> = Vec::new();
    let mut start = None;
    // When the text holds an odd count of double quotes, its pairs are not JSON's anyway: what
    // follows the rules below that keep quotes as they are is masked as before them.
    let pairs_broken = count_quotes(text) % 2 == 1;
    // The double quotes before `counted_to`, counted as far as an empty value needs them.
    let (mut quotes_before, mut counted_to) = (0, 0);
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
                    words.push((
                        core_at..core_at + core.len(),
                        core.len() < head.len(),
                        from..at,
                    ));
                } else if !pairs_broken
                    && let Some(pair) = empty_quotes(raw)
                    // Not when the message pass reads its first quote as closing a string (a
                    // stray one before): the word is left out, as it was before.
                    && (raw.as_bytes()[pair] != b'"' || {
                        quotes_before += count_quotes(&text[counted_to..from + pair]);
                        counted_to = from + pair;
                        quotes_before % 2 == 0
                    })
                {
                    // `""`, `'',`: an empty value is a word, not nothing (else the next word,
                    // `"password":"s"`, would be read as the value before it).
                    let core_at = from + pair + 1;
                    words.push((core_at..core_at, true, from..at));
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
        // An operator's `>` is stripped as if it closed a bracket (`=>`): it does not end a group.
        let operator = |w: usize| is_operator(&text[words[w].2.clone()]);
        // A word that may be a value or a token after a name: bare, or in one quote, and holding
        // no JSON (`"},"key":…`, `\"`), whose quotes [`redact`] reads.
        let plain_value = |w: usize| {
            let (core, _, raw) = &words[w];
            // Nothing dropped between it and the word before (`token => ', "x"`).
            text[words[w - 1].2.end..raw.start].trim().is_empty()
                // An option is never a value: `auth=Bearer --token s` is read as `--token s`.
                && !text[core.clone()].starts_with('-')
                && core.start - raw.start <= 1
                && memchr::memchr2(b'"', b'\\', text[core.clone()].as_bytes()).is_none()
        };
        // A word that is a name in quotes (`"token"`), followed by its own operator.
        let quoted_name = |w: usize| {
            let (core, _, raw) = &words[w];
            core.start > raw.start
                && core.end < raw.end
                && text[core.clone()]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        };
        while j + 1 < words.len() && (!words[j].1 || operator(j)) && {
            let core = &text[words[j].0.clone()];
            let first = &text[words[i].0.clone()];
            core.eq_ignore_ascii_case("bearer")
                // Not when the next word starts past a quote: `{"h":"Bearer ","api_key":…}`
                // is JSON, whose key would be taken for the token.
                || (ends_with_glued_bearer(core)
                    && words[j + 1].0.start == words[j + 1].2.start
                    && plain_value(j + 1)
                    && glued_token(&text[words[j + 1].0.clone()]))
                || (secret_header_name(core).is_some()
                    // Not a name with its own operator after it (`'X-API-Key'： "token" : …`).
                    && !(j + 2 < words.len() && operator(j + 2) && quoted_name(j + 1)))
                || glued_header(core).is_some_and(is_auth_scheme)
                // `authorization=Basic xyz`: a scheme (capitalised, not a value in small
                // letters), then its credential.
                || core.split_once('=').is_some_and(|(name, value)| {
                    is_secret_name(name)
                        && value.starts_with(|c: char| c.is_ascii_uppercase())
                        && is_auth_scheme(value)
                        && plain_value(j + 1)
                })
                // `Authorization: Basic xyz`, `Bot xyz`: the scheme, then its credential.
                || (j == i + 1 && is_auth_scheme(core) && secret_header_name(first).is_some())
                // `token = abc`, `token := "abc"`, `token => "abc"`: a name, its operator, a value.
                // (`Bearer` is a scheme, not a name.)
                || (j == i
                    && operator(j + 1)
                    && !core.eq_ignore_ascii_case("bearer")
                    && is_secret_name(core))
                // Not a name with its own operator after it (`token = "Cookie" : …`,
                // `token = 'api_key': …`).
                || (j == i + 1
                    && operator(j)
                    && plain_value(j + 1)
                    && is_secret_name(first)
                    && !(j + 2 < words.len() && operator(j + 2))
                    && !text[words[j + 1].0.clone()].ends_with([':', '：'])
                    && !text[words[j + 1].0.clone()]
                        .strip_suffix('=')
                        .is_some_and(is_secret_name))
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
                .map(|(core, ..)| &text[core.clone()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let masked = mask_args(&args);
    let mut shown = String::with_capacity(text.len());
    let mut copied = 0;
    let mut changed = false;
    // Where a quoted value taken across words ended (a word index), and the quotes that no word
    // after closes (looked for once: the text is not read again for them).
    let mut taken_to = 0;
    let mut never_closed = [false; QUOTES.len()];
    // Where each quote next stands (the first from where it was last looked for): kept, so that
    // values that do not run on to it do not each read the text up to it again.
    let mut next_quote: [Option<usize>; QUOTES.len()] = [None; QUOTES.len()];
    // The first double quote or backslash at or after `json_from`, looked for only forwards.
    let (mut json_from, mut json_at) = (usize::MAX, None::<usize>);
    // The double quotes written so far (not escaped): how the message pass will pair them.
    let mut out_quotes = 0;
    // Those of the text before a position, and before `copied`: the text is not counted again.
    let mut text_quotes = QuotesBefore {
        text,
        at: 0,
        count: 0,
    };
    let mut copied_quotes = 0;
    let mut group_of = vec![0; words.len()];
    for (g, group) in groups.iter().enumerate() {
        group_of[group.clone()].fill(g);
    }
    for ((group, arg), mut masked) in groups.iter().zip(&args).zip(masked) {
        if group.start < taken_to {
            continue;
        }
        let first = &text[words[group.start].0.clone()];
        // `X-API-Key:abc`, `Authorization:Bearer abc`: a header written without its space.
        if (group.len() > 1 && secret_header_name(first).is_some()) || glued_header(first).is_some()
        {
            // `X-API-Key: …` needs no `--header` before it to be one.
            masked = masked_header(arg).unwrap_or_else(|| arg.clone());
            // `"token": "abc","user":"bob"`: a value in quotes ends at its closing quote, and
            // what follows it in the word is kept.
            let (core, _, raw) = &words[group.start + group.len().min(2) - 1];
            let prefix = &text[raw.start..core.start];
            if group.len() == 2
                && let Some(pair) = empty_quotes(prefix).map(|at| raw.start + at + 1)
                && rest_is_plain(
                    &text[pair..raw.end],
                    !pairs_broken
                        && (out_quotes + text_quotes.before(pair)).saturating_sub(copied_quotes)
                            % 2
                            == 1,
                )
            {
                // `"pwd": "","user":"bob"`: the value is empty, and what follows is JSON.
                masked = arg.clone();
            } else if group.len() == 2
                && masked != *arg
                && let Some(q) = text[raw.start..core.start].chars().next_back()
                && QUOTES.contains(&q)
                && text[raw.start..core.start].matches(q).count() == 1
                && let Some(close) = closing_quote(&text[core.clone()], q)
                && close > 0
            // Only what holds nothing to mask (`,"user":"bob"`): else the value is masked to
            // the end of its word, as before (`"a"&X-API-Key:'b'` is no JSON that the
            // message pass would read).
            {
                let rest = &text[core.start + close..core.end];
                let odd = !pairs_broken
                    && (out_quotes + text_quotes.before(core.start)).saturating_sub(copied_quotes)
                        % 2
                        == 1;
                if rest_is_plain(&text[core.start + close..raw.end], odd) {
                    masked.push_str(rest);
                } else if q != '"'
                    && !may_hold_secret(rest, odd, true)
                    && let Some(entries) = masked_js_entries(rest)
                {
                    // `'abc',password:'x1'`: the entries after it masked as they are.
                    masked.push_str(&entries);
                }
            }
        } else if group.len() >= 3
            && is_secret_name(first)
            && is_operator(&text[words[group.start + 1].2.clone()])
        {
            // The operator as the argument holds it (`=>` as `=`): only the value differs.
            let operator = &text[words[group.start + 1].0.clone()];
            let value = &text[words[group.start + 2].0.clone()];
            masked = if value.eq_ignore_ascii_case("bearer") && group.len() > 3 {
                // `token = "Bearer abc"`: the scheme and its token, as anywhere (the token to
                // its end, not a quote, and what follows it as an argument has it).
                let scheme = &arg[first.len() + operator.len() + 2..];
                let shown = mask_args(&[scheme.to_owned()]).swap_remove(0);
                format!("{first} {operator} {shown}")
            } else {
                format!("{first} {operator} {ARG_MASK}")
            };
        }
        // `{token:"abc"}`, `{apiKey:'abc',user:'bob'}`: JavaScript's entries in a word.
        if let Some(entries) = masked_js_entries(&masked) {
            masked = entries;
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
            for (core, ..) in &words[group.clone()] {
                if offset <= word_at + core.len() {
                    return core.start + offset - word_at;
                }
                word_at += core.len() + 1;
            }
            words[group.end - 1].0.end
        };
        // A value's opening quote stays before its mask (`PASSWORD="••••••"`); not one of
        // several in what is replaced (`"token":"a","b":"c"`, JSON, whose quotes [`redact`]
        // reads: its count stays as it was).
        let replaced = &arg[same_start..arg.len() - same_end];
        let kept_quote = usize::from(
            replaced.starts_with(QUOTES)
                && !replaced[1..].contains(&replaced[..1])
                && masked[same_start..].starts_with(ARG_MASK)
                // A double quote the message pass reads as closing a string (a stray one
                // before) is masked with the value, as it was before.
                && (!replaced.starts_with('"')
                    || (!pairs_broken
                        && (out_quotes + text_quotes.before(in_text(same_start).max(copied)))
                            .saturating_sub(copied_quotes)
                            % 2
                            == 0)),
        );
        let from = in_text(same_start + kept_quote).max(copied);
        let mut to = in_text(arg.len() - same_end).max(from);
        // A value masked to its end whose quote is still open (`PASSWORD="p@ss word"`,
        // `token: 'a b c'`): it goes on to the word that closes that quote.
        let open_quote = text[..from]
            .chars()
            .next_back()
            .and_then(|c| QUOTES.iter().position(|q| *q == c))
            .filter(|&q| {
                same_end == 0
                    && masked.ends_with(ARG_MASK)
                    && !text[from..words[group.end - 1].2.end].contains(QUOTES[q])
            });
        if let Some(q) = open_quote {
            let quote = QUOTES[q];
            let after = words[group.end - 1].2.end;
            let close = match next_quote[q] {
                _ if never_closed[q] => None,
                Some(at) if at >= after => Some(at),
                _ => memchr::memchr(quote as u8, &text.as_bytes()[after..]).map(|at| after + at),
            };
            next_quote[q] = close;
            if close.is_none() {
                never_closed[q] = true;
                // `token:"Bearer abc` cut short: the scheme masked, its credential with it.
                if from < to
                    && text[from..to].eq_ignore_ascii_case("bearer")
                    && let Some(next) = words.get(group.end)
                {
                    to = next.0.end;
                    taken_to = group.end + 1;
                }
            }
            // Not across a double quote or a backslash: that is JSON (`"a='b","c":…`,
            // `\"a b\"`), whose quotes [`redact`] reads.
            if close.is_some() && !(json_from <= from && json_at.is_none_or(|at| at >= from)) {
                json_from = from;
                json_at =
                    memchr::memchr2(b'"', b'\\', &text.as_bytes()[from..]).map(|at| from + at);
            }
            if let Some(close) = close
                && json_at.is_none_or(|at| at >= close)
                // A quote right after `=` or `:` opens another value (`a b 'secret'="c"`).
                && !text[..close].ends_with(['=', ':', '：'])
            {
                // The word that holds the quote, or the first after it (the quote alone, `' x`).
                let closing = words.partition_point(|(_, _, raw)| raw.end <= close);
                if closing == words.len()
                    || words[closing].2.start > close
                    || close <= words[closing].0.start
                {
                    // The quote stands before that word (`"a b" "c"`): the value ends with the
                    // word before it, and that word is read on its own.
                    taken_to = if closing < words.len() {
                        groups[group_of[closing]].start.max(group.end)
                    } else {
                        closing
                    };
                    to = to.max(words[closing - 1].0.end);
                } else {
                    let (core, _, raw) = &words[closing];
                    let closing_group = &groups[group_of[closing]];
                    let last = closing_group.end;
                    if last == closing + 1 && close < core.end {
                        // The quote ends the value inside that word: what follows it is kept
                        // when it holds nothing to mask (`c",user:"bob"}`), else it is masked on
                        // its own.
                        to = close;
                        let odd = !pairs_broken
                            && (out_quotes + text_quotes.before(from))
                                .saturating_sub(copied_quotes)
                                % 2
                                == 1;
                        taken_to = if rest_is_plain(&text[close..raw.end], odd) {
                            last
                        } else {
                            // Its group is read as any other, from the quote on.
                            closing_group.start
                        };
                    } else {
                        // The closing word's group is taken whole.
                        taken_to = last;
                        to = words[last - 1].0.end;
                    }
                }
            }
        }
        // `Bearer` alone before its token (`token = "Bearer abc"`): the token is masked after it,
        // by the message pass or another word's rule.
        if text[from..to].eq_ignore_ascii_case("bearer")
            && text[to..].starts_with(' ')
            && !text[to..].trim_start().starts_with('-')
        {
            continue;
        }
        // What holds no secret stays: `token = null`, `auth: none`, `token: string` (a type),
        // `${TOKEN}` (a reference), `getToken()` (a call).
        if holds_no_secret(&text[from..to], &text[to..]) {
            continue;
        }
        out_quotes += text_quotes.before(from).saturating_sub(copied_quotes);
        out_quotes += count_quotes(&masked[same_start..masked.len() - same_end]);
        shown.push_str(&text[copied..from]);
        shown.push_str(&masked[same_start..masked.len() - same_end]);
        copied = to;
        copied_quotes = text_quotes.before(copied);
        changed = true;
    }
    if !changed {
        return None;
    }
    shown.push_str(&text[copied..]);
    Some(shown)
}

/// Whether a word may be an HTTP authentication scheme (`Bearer`, `Basic`, `Digest`, `Bot`,
/// `SSWS`…): the credential comes in the next word.
fn is_auth_scheme(word: &str) -> bool {
    (2..=20).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')
}

/// The value of a word that is a secret header written without the space after its colon
/// (`X-API-Key:abc`, `Authorization:Bearer`, as mcp-remote's README writes `--header`), or `None`.
/// Not JSON (`"token":"abc","user":"bob"`): quotes are left to [`redact`], which keeps the rest,
/// and a value in quotes (`` token:`a b` ``) to [`masked_js_entries`].
fn glued_header(word: &str) -> Option<&str> {
    let (colon, sep) = find_colon(word)?;
    let value_at = colon + sep.len();
    let value = &word[value_at..];
    (!value.is_empty()
        && !value.starts_with(['/', '`', '"', '\'', ',', ';', ')', ']', '}'])
        && !word[..value_at].contains(['"', '\''])
        // A quote in the value (`Cookie:abc'x`): only a single one, and nothing after it that
        // another rule reads (`,"secret":…`, `,Authorization:"Bearer`).
        && !value.contains('"')
        && (!has_quote(value) || !may_hold_secret(value, true, false))
        && secret_header_name(&word[..value_at]).is_some())
    .then_some(value)
}

/// The name of `Name:` when it names a credential ([`is_secret_name`]), a quote before the colon
/// allowed (`'api_key':`), and the full-width colon `：` too; not `token_type:`.
fn secret_header_name(word: &str) -> Option<&str> {
    let name = word
        .strip_suffix([':', '：'])?
        .trim_end_matches(['\'', '"']);
    is_secret_name(name).then_some(name)
}

/// Whether a bare name names a credential: as a key does in a message (`token`, `Authorization`,
/// `api_key`), or as a header's name does when it reads like one (`Ocp-Apim-Subscription-Key`,
/// see [`is_secret_header`]); not `token_type`, nor a sentence's `key`.
fn is_secret_name(name: &str) -> bool {
    let header_like = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    header_like
        && (is_secret_key(name.as_bytes()) || (name.contains('-') && is_secret_header(name)))
}

/// A header group's text (`Name: value`, `Name:value`) as [`mask_args`] shows a `--header`:
/// `Name: ••••••`, the full-width colon `：` kept as it was written; `None` when the value is
/// empty or the name holds no credential.
fn masked_header(arg: &str) -> Option<String> {
    let (colon, sep) = find_colon(arg)?;
    let (name, value) = (arg[..colon].trim(), arg[colon + sep.len()..].trim());
    (is_secret_header(name) && !value.is_empty()).then(|| format!("{name}{sep} {ARG_MASK}"))
}

/// Where the first colon of `s` is, and which: `:`, or the full-width `：`.
fn find_colon(s: &str) -> Option<(usize, &'static str)> {
    // Each looked for with `memchr` (a pattern of several chars would decode every one).
    match (s.find(':'), s.find('：')) {
        (Some(a), Some(b)) if b < a => Some((b, "：")),
        (Some(a), _) => Some((a, ":")),
        (None, Some(b)) => Some((b, "：")),
        (None, None) => None,
    }
}

/// Whether a word is the operator between a name and its value when spaces stand around it
/// (`token = abc`, Go's `:=`, Ruby's `=>`, a full-width colon).
fn is_operator(word: &str) -> bool {
    matches!(word, "=" | ":" | ":=" | "=>" | "：")
}

/// Whether a word ends in `Bearer` glued to what comes before it (`msg=Bearer`, `auth="Bearer`):
/// the token comes in the next word, after a name. Not an option (`--env=Bearer`): [`mask_args`] masks the
/// whole argument after one named so. Nor JSON (`{"h":"Bearer`, another quote or a backslash
/// before): [`redact`] masks a token in a string, and reads its quotes as JSON does.
fn ends_with_glued_bearer(word: &str) -> bool {
    let s = word.as_bytes();
    // After a full-width colon (`'pwd'：Bearer`), which no JSON has: whatever comes before.
    if s.len() > 6
        && s[s.len() - 6..].eq_ignore_ascii_case(b"bearer")
        && word[..s.len() - 6].ends_with('：')
        && s[0] != b'-'
    {
        return true;
    }
    s.len() > 6
        && s[0] != b'-'
        && s[s.len() - 6..].eq_ignore_ascii_case(b"bearer")
        && matches!(s[s.len() - 7], b'=' | b':' | b'"' | b'\'' | b'`')
        // In single quotes or backquotes (`'token':'Bearer`), which the message pass does not
        // read, whatever comes before; else after a name in single quotes at most (`'pwd':`).
        && (matches!(s[s.len() - 7], b'\'' | b'`')
            || !word[..s.len() - 7].contains(['"', '`', '\\']))
        && s[..s.len() - 7].iter().any(u8::is_ascii_alphanumeric)
}

/// Whether `s` (what follows a masked value in its word) may hold something to mask that the
/// message pass would not: a name of a secret (`X-API-Key:`, `&token=`, `"password"=`), `Bearer`,
/// or a URL with a password. A key of JSON (`"password":`, `\"token\":`) is read by [`redact`].
/// Cautious: a word read on is masked to its end, as it was before values in quotes ended.
fn may_hold_secret(s: &str, odd_before: bool, js_entries: bool) -> bool {
    let b = s.as_bytes();
    let is_name_byte = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    // Whether the double quotes before (those of the text before `s` included) are odd: a key's
    // quote is then the end of a string for the message pass, not its key.
    let mut odd = odd_before;
    let mut i = 0;
    while i < b.len() {
        if !is_name_byte(b[i]) {
            if b[i] == b'"' && (i == 0 || b[i - 1] != b'\\') {
                odd = !odd;
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_name_byte(b[i]) {
            i += 1;
        }
        let name = &s[start..i];
        if !(is_secret_name(name) || name.eq_ignore_ascii_case("bearer")) {
            continue;
        }
        // A key of JSON: in double quotes (escaped or not), then its colon.
        let mut after = i;
        if b.get(after) == Some(&b'\\') {
            after += 1;
        }
        let escaped = start > 1 && b[start - 2] == b'\\';
        let json_key = start > 0
            && b[start - 1] == b'"'
            && (odd || escaped)
            && b.get(after) == Some(&b'"')
            && b.get(skip_ws(b, after + 1)) == Some(&b':');
        // `,password:'x'`: an entry [`masked_js_entries`] masks, when it is asked to.
        let js_entry = js_entries && {
            let colon = i + usize::from(matches!(b.get(i), Some(b'\'' | b'"')));
            let value = if b.get(colon) == Some(&b':') {
                colon + 1
            } else if b[colon.min(b.len())..].starts_with("：".as_bytes()) {
                colon + 3
            } else {
                return true;
            };
            matches!(b.get(value), Some(b'\'' | b'`' | b'"'))
        };
        if !json_key && !js_entry {
            return true;
        }
    }
    masked_url(s).is_some()
}

/// Whether a value about to be masked (`value`, followed in the text by `after`) holds no secret:
/// a literal that says none (`null`, `None`, `undefined`, `true`…), a type (`string`), a
/// reference to a variable (`${TOKEN}`), or a call (`getToken()`).
fn holds_no_secret(value: &str, after: &str) -> bool {
    // All of them are short: a long value is not read again.
    if value.len() > 128 {
        return false;
    }
    let value = value.trim_matches(AROUND_WORD);
    // `token: string = …`: a type, then the operator of the value given to it.
    let value = match value.split_once(char::is_whitespace) {
        Some((first, rest)) if is_operator(rest.trim()) => first,
        _ => value,
    };
    let identifier = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'$'));
    const WORDS: [&str; 16] = [
        "null",
        "none",
        "nil",
        "undefined",
        "true",
        "false",
        "string",
        "str",
        "number",
        "bool",
        "boolean",
        "any",
        "unknown",
        "optional",
        "secretstr",
        "void",
    ];
    WORDS.iter().any(|w| value.eq_ignore_ascii_case(w))
        || (identifier && after.starts_with('('))
        || value
            .strip_prefix("${")
            .and_then(|v| {
                v.strip_suffix('}')
                    .or_else(|| after.starts_with('}').then_some(v))
            })
            .is_some_and(|v| {
                !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
}

/// Whether the quotes `q` of `s` (after a closing one) open and close strings where JSON's would:
/// an opening one after `,`, `:`, a bracket or a space, a closing one before them or at the end
/// (`,"user":"bob` is; `x";` is not: that quote did not close the value).
fn quotes_pair_as_json(s: &[u8], q: u8) -> bool {
    let mut open = false;
    let mut i = 0;
    while let Some(at) = memchr::memchr(q, &s[i..]) {
        let at = i + at;
        i = at + 1;
        if at > 0 && s[at - 1] == b'\\' {
            continue;
        }
        let fits = if open {
            s.get(at + 1).is_none_or(|&c| {
                matches!(c, b',' | b':' | b'}' | b']' | b')') || c.is_ascii_whitespace()
            })
        } else {
            at == 0
                || matches!(s[at - 1], b',' | b':' | b'{' | b'[' | b'(')
                || s[at - 1].is_ascii_whitespace()
        };
        if !fits {
            return false;
        }
        open = !open;
    }
    true
}

/// The double quotes of a text (not escaped) before a position, counted forwards as the position
/// moves on: a text is not read again for each value in it.
struct QuotesBefore<'a> {
    text: &'a str,
    at: usize,
    count: usize,
}

impl QuotesBefore<'_> {
    fn before(&mut self, p: usize) -> usize {
        if p >= self.at {
            self.count += count_quotes(&self.text[self.at..p]);
            self.at = p;
            self.count
        } else {
            self.count
                .saturating_sub(count_quotes(&self.text[p..self.at]))
        }
    }
}

/// How many double quotes not escaped by a backslash `s` holds.
fn count_quotes(s: &str) -> usize {
    let b = s.as_bytes();
    // Escaped when an odd run of backslashes stands before it (`\\"` is not).
    memchr::memchr_iter(b'"', b)
        .filter(|&i| b[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0)
        .count()
}

/// Whether what follows a value's closing quote in its word (`",user:'bob'}`, the quote
/// included) holds nothing to mask and is no entry's value (`":'s'`: the quotes held a name).
fn rest_is_plain(rest: &str, odd_before: bool) -> bool {
    let after = rest.get(1..).unwrap_or("");
    // Another quote of that kind left open after it: the quote did not close the value
    // (`"a"x",…`).
    let quote = rest.bytes().next().unwrap_or(b'"');
    // A double quote that the message pass reads as opening a string (a stray one before:
    // `x" "token": "a","b":…`): its pairs are not JSON's, and the value is masked as before.
    (quote != b'"' || odd_before)
        && quotes_pair_as_json(after.as_bytes(), quote)
        && !after.trim_start().starts_with([':', '=', '：'])
        && !may_hold_secret(rest, odd_before, false)
        && masked_js_entries(rest).is_none()
        && mask_args(&[rest.to_owned()])[0] == rest
}

/// Whether a word after a glued `Bearer` (`msg=Bearer abc`) may be its token: not a name with its
/// value (`GITHUB_TOKEN='…'`, `PASSWORD:`), which are read as such. The token ends at a quote.
fn glued_token(word: &str) -> bool {
    !word
        .split([':', '=', '：'])
        .next()
        .is_some_and(|name| word.len() > name.len() && is_secret_name(name.trim_matches(QUOTES)))
}

/// Where the quote `q` closing a value that starts `s` is: the first not escaped by a backslash
/// (`"a\\"` ends at its last quote: an even run of backslashes escapes none).
fn closing_quote(s: &str, q: char) -> Option<usize> {
    quoted_end(s.as_bytes(), u8::try_from(q).ok()?)
}

/// [`closing_quote`] on bytes.
fn quoted_end(s: &[u8], q: u8) -> Option<usize> {
    let mut i = 0;
    while let Some(at) = memchr::memchr2(b'\\', q, &s[i..]) {
        i += at;
        if s[i] == q {
            return Some(i);
        }
        i += 2;
        if i >= s.len() {
            break;
        }
    }
    None
}

/// `word` with the values of its secret-named entries masked, as JavaScript writes an object
/// without spaces (`{token:"abc"}`, `{apiKey:'abc',user:'bob'}`, `{'token':'abc'}`,
/// `{user:'bob',pin:1234}`), or `None`. A value in quotes runs to its closing quote, or to the end
/// of the word when it has none there; one without, to the next `,`, `}` or `]` (`null`, `true`,
/// `false` and `undefined` stay). A name in double quotes is JSON's, left to [`redact`], which
/// reads its escapes.
fn masked_js_entries(word: &str) -> Option<String> {
    // Without a quote, [`glued_header`] has read the word already.
    if !has_quote(word) {
        return None;
    }
    let s = word.as_bytes();
    // Where the next `,`/`}`/`]`, double quote, double quote or backslash, and closing quote of
    // each kind are: kept while still ahead, so that entries whose value is not masked do not
    // each read the rest of the word again (the word may be megabytes long).
    let mut delim = Ahead::default();
    let mut dquote = Ahead::default();
    let mut closing = [Ahead::default(), Ahead::default(), Ahead::default()];
    let mut shown: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(at) = memchr::memchr3(b':', 0xEF, b'=', &s[i..]) {
        let colon = i + at;
        // `&Cookie='…'`: a name and its value in quotes, as in a query written by hand.
        let equals = s[colon] == b'=';
        // `：`, the full-width colon, is 3 bytes.
        let sep = if s[colon] == b':' || equals {
            1
        } else if s[colon..].starts_with("：".as_bytes()) {
            3
        } else {
            i = colon + 1;
            continue;
        };
        i = colon + sep;
        let Some(&first) = s.get(colon + sep) else {
            break;
        };
        // A nested object's entries are read one by one; a path is not a value, and a header's
        // `Name: ` or a mask is no entry.
        let quote = QUOTES.contains(&char::from(first));
        if !quote
            && (matches!(
                first,
                b'{' | b'[' | b'/' | b',' | b'}' | b']' | b')' | b';' | b' '
            ) || word[colon + sep..].starts_with(ARG_MASK))
        {
            continue;
        }
        // The name: letters, digits, `_` and `-`, bare or in single quotes (or double ones
        // before a full-width colon, which is no JSON's).
        let quoted =
            colon > 0 && (s[colon - 1] == b'\'' || ((sep == 3 || equals) && s[colon - 1] == b'"'));
        let name_end = colon - usize::from(quoted);
        let mut name_start = name_end;
        while name_start > 0
            && (s[name_start - 1].is_ascii_alphanumeric()
                || matches!(s[name_start - 1], b'_' | b'-'))
        {
            name_start -= 1;
        }
        let entry_start = name_start <= usize::from(quoted)
            || matches!(
                s[name_start - 1 - usize::from(quoted)],
                b'{' | b',' | b'(' | b'[' | b'&' | b';'
            );
        if (quoted && name_start > 0 && s[name_start - 1] != s[colon - 1])
            || !is_secret_name(&word[name_start..name_end])
            // After `=`, only a value in quotes where an entry starts (`&Cookie='…'`).
            || (equals && !(quote && entry_start))
        {
            continue;
        }
        let (value, end) = if quote {
            let value = colon + sep + 1;
            let kind = usize::from(first == b'"') + 2 * usize::from(first == b'`');
            let end = closing[kind].find(value, |from| {
                quoted_end(&s[from..], first).map(|at| from + at)
            });
            (value, end.unwrap_or(word.len()))
        } else if !entry_start {
            // Without quotes, only where an entry starts (not `https://x/token:abc`).
            continue;
        } else {
            // Without quotes (a number, or `undefined`): to the next entry.
            let value = colon + sep;
            let end = delim
                .find(value, |from| {
                    memchr::memchr3(b',', b'}', b']', &s[from..]).map(|at| from + at)
                })
                .unwrap_or(s.len());
            if is_harmless_literal(&s[value..end]) || &s[value..end] == b"undefined" {
                continue;
            }
            (value, end)
        };
        // Nothing, or JSON as text (`token:\"a\"`, a double quote in a value not in double
        // quotes), whose quotes [`redact`] reads, and which keeps its count. In quotes, a
        // backslash is the value's own escape (`'a\\'`).
        // `Cookie:"Bearer abc"`: the message pass masks the token after `Bearer`, which a mask of
        // the word alone would hide from it.
        if end == s.len() && s[value..end].eq_ignore_ascii_case(b"bearer") {
            continue;
        }
        let json_quote = if quote && first == b'"' {
            None
        } else {
            dquote.find(value, |from| {
                memchr::memchr(b'"', &s[from..]).map(|at| from + at)
            })
        };
        let mut end = end;
        if let Some(at) = json_quote.filter(|&at| at < end) {
            // `'a"b'`: masked up to the double quote, which stays (the message pass pairs it).
            if !quote {
                continue;
            }
            end = at;
        }
        if end == value {
            continue;
        }
        let out = shown.get_or_insert_with(|| String::with_capacity(word.len()));
        out.push_str(&word[copied..value]);
        out.push_str(ARG_MASK);
        copied = end;
        i = end;
    }
    let mut out = shown?;
    out.push_str(&word[copied..]);
    Some(out)
}

/// Where something is next found in a text read forwards, from a position on: found again only
/// once it is behind.
#[derive(Default)]
struct Ahead {
    /// The position it was looked for from, and where it was found (`None`: nowhere after).
    found: Option<(usize, Option<usize>)>,
}

impl Ahead {
    fn find(&mut self, from: usize, look: impl FnOnce(usize) -> Option<usize>) -> Option<usize> {
        match self.found {
            Some((start, at)) if start <= from && at.is_none_or(|at| at >= from) => at,
            _ => {
                let at = look(from);
                self.found = Some((from, at));
                at
            }
        }
    }
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

/// The credentials a shim's server is started with, to be masked wherever they show up again (a
/// server that echoes its API key in a result, or prints its token on stderr, where no name says
/// it is one): the values [`mask_args`] masks in `args`, and the values of the variables of `env`
/// whose names are a credential's (`GITHUB_TOKEN`, `API_KEY`) or that are one by themselves
/// ([`looks_like_credential`]). Only values that can be found as they are in JSON text and not
/// taken for anything else are kept: 8 bytes or more, with a letter, and no quote, backslash or
/// control character.
pub fn known_secrets<'a>(
    args: &[String],
    env: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut keep = |value: &str| {
        let value = value.trim();
        // A header's value: the credential after its scheme (`Bearer abc` shows up as `abc`).
        let value = ["bearer ", "basic ", "token "]
            .iter()
            .find_map(|scheme| {
                value
                    .get(..scheme.len())
                    .filter(|start| start.eq_ignore_ascii_case(scheme))
                    .map(|_| value[scheme.len()..].trim_start())
            })
            .unwrap_or(value);
        let findable = value.len() >= 8
            && value.bytes().any(|b| b.is_ascii_alphabetic())
            && !value
                .bytes()
                .any(|b| b == b'"' || b == b'\\' || b.is_ascii_control());
        if findable && !found.iter().any(|f| f == value) {
            found.push(value.to_owned());
        }
    };
    for (arg, shown) in args.iter().zip(mask_args(args)) {
        if *arg != shown {
            keep(differing_middle(arg, &shown));
        }
    }
    for (name, value) in env {
        if is_secret_variable(name, Some(value)) || looks_like_credential(value) {
            keep(value);
        }
    }
    found
}

/// Whether the environment variable `name` (in an env, or written `NAME=VALUE`) holds a
/// credential by its name: named like one ([`is_secret_key`]; or by its last word, a key or an
/// authorization: `STRIPE_KEY`, `SUPABASE_SERVICE_ROLE_KEY`, `NPM_AUTH`), and not one that holds
/// where something is rather than a secret ([`holds_a_place`]). `value`: the variable's value,
/// when the caller has it (`PWD` holding no path is a password).
///
/// The one rule for variables: what the journals mask as a known secret ([`known_secrets`]) is
/// what `list`, `show` and the Edit form mask ([`crate::config::document::is_secret_name`]).
pub fn is_secret_variable(name: &str, value: Option<&str>) -> bool {
    // A message's `key` is any key; a variable named for one holds one.
    let last_word = name.rsplit(['_', '-']).next().unwrap_or(name);
    let named_so = is_secret_key(name.as_bytes())
        || last_word.eq_ignore_ascii_case("key")
        || last_word.eq_ignore_ascii_case("auth");
    named_so && !holds_a_place(name, value)
}

/// Whether the variable `name` holds a place, whatever [`is_secret_variable`] reads in its name:
/// the shell's working directories (`PWD`, `OLDPWD`, holding an absolute path, or a value not
/// known: in an env they are the working directory; in a message's JSON, or written in lower
/// case, `pwd` still names a password, as some APIs use it), or a file, folder or socket named
/// after what it keeps (`AWS_SHARED_CREDENTIALS_FILE`, `PASSWORD_STORE_DIR`, `SSH_AUTH_SOCK`,
/// systemd's `CREDENTIALS_DIRECTORY`, and `GOOGLE_APPLICATION_CREDENTIALS`, the path of a key
/// file). The place is no secret, and masking it as a known one would hide every mention of a
/// folder in the logs and traffic.
fn holds_a_place(name: &str, value: Option<&str>) -> bool {
    let lower = name.to_ascii_lowercase();
    let places = [
        "file",
        "path",
        "dir",
        "directory",
        "folder",
        "sock",
        "socket",
    ];
    (matches!(name, "PWD" | "OLDPWD") && value.is_none_or(is_absolute_path))
        || name == "GOOGLE_APPLICATION_CREDENTIALS"
        || places.iter().any(|place| lower.ends_with(place))
}

/// Whether `value` is an absolute path: `/…`, `\\…`, or a Windows drive's `C:\…`, `C:/…`.
fn is_absolute_path(value: &str) -> bool {
    let b = value.as_bytes();
    matches!(b.first(), Some(b'/' | b'\\'))
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && matches!(b[2], b'/' | b'\\'))
}

/// What of `original` its masked form `shown` replaced: `original` without the start and the end
/// the two have in common (`--token=abc` and `--token=••••••` give `abc`).
fn differing_middle<'o>(original: &'o str, shown: &str) -> &'o str {
    let prefix = original
        .char_indices()
        .zip(shown.chars())
        .find(|((_, a), b)| a != b)
        .map_or(original.len().min(shown.len()), |((at, _), _)| at);
    let rest = &original[prefix..];
    let shown_rest = &shown[shown.len().min(prefix)..];
    let suffix: usize = rest
        .chars()
        .rev()
        .zip(shown_rest.chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    &rest[..rest.len() - suffix.min(rest.len())]
}

/// `text` with each of `secrets` ([`known_secrets`]) replaced by [`MARKER`] wherever it stands.
/// `cut`: `text` is the start of something longer, so a secret's start at its very end (4 bytes
/// or more) is masked too. A secret is found as it is written; one JSON would escape is not kept
/// by [`known_secrets`], so JSON text stays JSON.
pub fn mask_known<'t>(text: &'t [u8], secrets: &[String], cut: bool) -> Cow<'t, [u8]> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for secret in secrets {
        let needle = secret.as_bytes();
        spans.extend(memchr::memmem::find_iter(text, needle).map(|at| (at, at + needle.len())));
        if cut {
            let longest = needle.len().saturating_sub(1).min(text.len());
            if let Some(n) = (4..=longest).rev().find(|&n| text.ends_with(&needle[..n])) {
                spans.push((text.len() - n, text.len()));
            }
        }
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_unstable();
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in spans {
        if end <= at {
            continue;
        }
        out.extend_from_slice(&text[at..start.max(at)]);
        if start >= at {
            out.extend_from_slice(MARKER.as_bytes());
        }
        at = end;
    }
    out.extend_from_slice(&text[at..]);
    Cow::Owned(out)
}

/// Free text (a server's stderr line, an event's sentence) as it may be shown with secrets
/// hidden: what reads as a credential ([`mask_text`]) and the values of `known` (the credentials
/// the config's servers are started with, [`known_secrets`]) masked.
pub fn mask_free_text(text: &str, known: &[String]) -> String {
    let text = mask_text(text);
    match mask_known(text.as_bytes(), known, false) {
        Cow::Owned(masked) => String::from_utf8_lossy(&masked).into_owned(),
        Cow::Borrowed(_) => text.into_owned(),
    }
}

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
            (is_secret_header(name) && !value.is_empty() && !names_a_variable(value))
                .then(|| format!("{name}: {ARG_MASK}"))
        }
        // `--api-key ${API_KEY}`: the variable's name, not a secret.
        _ if names_a_variable(value) => None,
        "--static-oauth-client-info" => match redact(value.as_bytes()) {
            Cow::Owned(masked) => Some(String::from_utf8_lossy(&masked).into_owned()),
            Cow::Borrowed(_) => None,
        },
        _ => (!value.is_empty()).then(|| ARG_MASK.to_owned()),
    }
}

/// Whether an option's value only names an environment variable the secret is read from
/// (`${MCP_TRAY_HEADER_AUTHORIZATION}`, `Bearer ${TOKEN}`): the bridge reads it at start; the
/// entry holds no secret there, and showing the name says where it comes from.
fn names_a_variable(value: &str) -> bool {
    let value = value.trim();
    // An auth scheme may come first (`Bearer ${TOKEN}`).
    let reference = value.rsplit_once(' ').map_or(value, |(scheme, reference)| {
        if scheme.bytes().all(|b| b.is_ascii_alphabetic()) {
            reference
        } else {
            value
        }
    });
    reference
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .is_some_and(|name| {
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// Whether a key names a secret. `key` is the key's text as written, unescaped.
fn is_secret_key(key: &[u8]) -> bool {
    // The keys of JSON-RPC and MCP's own shapes, in nearly every message: told at once, as they
    // are written, before the normalising below (which would find no secret in them either).
    if matches!(
        key,
        b"jsonrpc"
            | b"id"
            | b"method"
            | b"params"
            | b"result"
            | b"error"
            | b"code"
            | b"message"
            | b"data"
            | b"name"
            | b"arguments"
            | b"content"
            | b"type"
            | b"text"
            | b"isError"
            | b"_meta"
            | b"progress"
            | b"total"
            | b"uri"
            | b"mimeType"
            | b"description"
            | b"inputSchema"
            | b"properties"
            | b"required"
            | b"tools"
            | b"cursor"
            | b"nextCursor"
            | b"level"
            | b"logger"
    ) {
        return false;
    }
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
        // Not JSON (`"token": 'a b'`, printed by hand or by another language): to its quote.
        q @ (b'\'' | b'`')
            if let Some(close) = quoted_end(&s[start + 1..], q)
                && memchr::memchr(b'"', &s[start + 1..start + 1 + close]).is_none()
                && s.get(start + close + 2).is_none_or(|&c| {
                    matches!(c, b',' | b'}' | b']' | b';') || c.is_ascii_whitespace()
                }) =>
        {
            start + 1 + close + 1
        }
        _ => {
            let mut j = start;
            while j < s.len() && !matches!(s[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n')
            {
                j += 1;
            }
            // `"token": Bearer abc`, never JSON: the scheme and its credential.
            if starts_with_bearer(&s[start..]) && j == start + "bearer".len() {
                return token_end(s, j + 1, s.len());
            }
            j
        }
    }
}

/// Masks inside the contents `s[from..to]` of a JSON string: secret-looking keys of JSON written
/// as text (`{\"token\":\"…\"}`) and the credential after `Bearer `. `outside`: the text is not
/// in a string but starts at an escaped quote (`\"a\":…` printed as it is); an escaped quote that
/// no other closes is then a character of the text, read on past (`a\"b Bearer …`).
fn mask_inside_string(out: &mut Rewrite<'_>, from: usize, to: usize, outside: bool) {
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
                j = mask_escaped_entry(out, j, to, outside);
            } else {
                j += 2;
            }
            continue;
        }
        j = mask_bearer_at(out, j, to);
    }
}

/// Longest string value looked at as a credential on its own ([`credential_in_value`]).
const CREDENTIAL_MAX: usize = 8 * 1024;

/// In a string value's text (between its quotes): the range to mask when the whole text is a
/// credential by its format ([`looks_like_credential`]: `ghp_…`, `sk-…`, a JWT), or the password
/// of a URL that carries one (`https://user:password@host/…`).
fn credential_in_value(text: &[u8]) -> Option<(usize, usize)> {
    if text.len() < 8 || text.len() > CREDENTIAL_MAX {
        return None;
    }
    if let Some(password) = url_password(text) {
        return Some(password);
    }
    // Every credential format starts with one of these letters (a JWT with `eyJ`).
    if !b"sSrRgGxXhHnNpPAe".contains(&text[0]) {
        return None;
    }
    let text = std::str::from_utf8(text).ok()?;
    looks_like_credential(text).then_some((0, text.len()))
}

/// Longest URL scheme looked for before `://` (`postgresql`, `chrome-extension`…).
const MAX_SCHEME: usize = 32;

/// Where the password of a URL that is the whole text (`https://user:password@host/…`) is.
fn url_password(text: &[u8]) -> Option<(usize, usize)> {
    // A scheme is a short word at the very start: only there is `://` looked for.
    let sep = memchr::memmem::find(&text[..text.len().min(MAX_SCHEME + 3)], b"://")?;
    let scheme = &text[..sep];
    if !scheme.first().is_some_and(u8::is_ascii_alphabetic)
        || !scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    let start = sep + 3;
    let end = text[start..]
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#') || b.is_ascii_whitespace())
        .map_or(text.len(), |p| start + p);
    let at = start + memchr::memrchr(b'@', &text[start..end])?;
    let colon = start + memchr::memchr(b':', &text[start..at])?;
    (colon + 1 < at).then_some((colon + 1, at))
}

/// Masks the credential after each `Bearer ` in `from..to`.
fn mask_bearers(out: &mut Rewrite<'_>, from: usize, to: usize) {
    let mut j = from;
    while let Some(at) = memchr::memchr2(b'b', b'B', &out.src[j..to]) {
        j = mask_bearer_at(out, j + at, to);
    }
}

/// At a `b` or `B` (position `j`) of text ending at `to`: when `Bearer ` starts there, masks the
/// credential after it. Answers where to go on.
fn mask_bearer_at(out: &mut Rewrite<'_>, j: usize, to: usize) -> usize {
    let s = &out.src[..to];
    if !starts_with_bearer(&s[j..]) {
        return j + 1;
    }
    let token = j + "bearer ".len();
    let k = token_end(s, token, to);
    if k > token {
        out.replace(token, k, MARKER.as_bytes());
    }
    k
}

/// At an escaped quote `\"` (position `q`) inside a string ending at `to`: when it opens a
/// secret-looking key of JSON written as text, masks that key's value. Answers where to go on.
fn mask_escaped_entry(out: &mut Rewrite<'_>, q: usize, to: usize, outside: bool) -> usize {
    let src = out.src;
    let s = &src[..to];
    let Some(key_end) = escaped_string_end(s, q, outside) else {
        if outside {
            return q + 2;
        }
        // Nothing closes it, so no key of JSON text follows; the rest is still text that may
        // hold a credential (`"a\"b Bearer …"`). Read once for that, so this stays linear.
        mask_bearers(out, q + 2, to);
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
    // Outside a string, JSON escaped by hand may be any text: `\"token\": Bearer abc` (its token
    // masked after `Bearer`), `\"token\": \"api_key\": abc` (no value: the next key).
    if outside && starts_with_bearer(&s[value + usize::from(matches!(s[value], b'\'' | b'`'))..]) {
        return value;
    }
    let value_end = if s[value..].starts_with(b"\\\"") {
        let end = escaped_string_end(s, value, outside).unwrap_or(to);
        if outside && s.get(skip_escaped_ws(s, end)) == Some(&b':') {
            return value;
        }
        // A quote that JSON would not have there (`\"a, \"api_key\": …`, one lost before): it
        // opens the next key, which is read from it.
        if outside
            && end >= value + 4
            && s.get(end).is_some_and(|&c| {
                !(matches!(c, b',' | b'}' | b']' | b':' | b'\\') || c.is_ascii_whitespace())
            })
        {
            out.replace(value, end - 2, MARKER_ESCAPED);
            return end - 2;
        }
        end
    } else if matches!(s[value], b'{' | b'[') {
        // A nested object or list: its own keys are looked at one by one.
        return value;
    } else {
        let mut k = value;
        while k < to && !matches!(s[k], b',' | b'}' | b']' | b' ' | b'\\') {
            k += 1;
        }
        if outside && k >= value + 6 && s[k - 6..k].eq_ignore_ascii_case(b"bearer") {
            // `\"token\": Bearer abc`: the token is masked after `Bearer`.
            return value;
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
/// `outside`: the text is not in a string ([`mask_inside_string`]), and may have been escaped by
/// hand (each `"` written `\"`, backslashes left single): `\\\"` before `,`, a bracket, a colon,
/// a space or the end is then a backslash ending the string, not a quote in it.
fn escaped_string_end(s: &[u8], q: usize, outside: bool) -> Option<usize> {
    let mut j = q + 2;
    while j + 1 < s.len() {
        if s[j] != b'\\' {
            j += 1;
            continue;
        }
        match s[j + 1] {
            b'"' => return Some(j + 2),
            b'\\'
                if outside
                    && s.get(j + 2) == Some(&b'\\')
                    && s.get(j + 3) == Some(&b'"')
                    && s.get(j + 4).is_none_or(|&c| {
                        matches!(c, b',' | b'}' | b']' | b':') || c.is_ascii_whitespace()
                    }) =>
            {
                return Some(j + 4);
            }
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
