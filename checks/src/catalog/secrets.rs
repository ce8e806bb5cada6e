//! Secret values in pasted text, masked in everything `explain` and `check --error` quote back.
//!
//! People paste whole terminal sessions and logs, and those often hold credentials next to the
//! error: an `export AWS_SECRET_ACCESS_KEY=…` line, `aws --debug` headers with a session token,
//! a task definition with a password in its environment, a proxy URL with a password in it.
//! The quoted line ends up in tickets and chat, so the secret is replaced by `[masked]` there.
//! What is recognised:
//!
//! - `KEY=VALUE`, `KEY: VALUE` and `"KEY": "VALUE"` where the key names a secret (`password`,
//!   `secret`, `api_key`, `authorization`, session and access tokens…); for keys that only say
//!   `token`, `signature`, `credential` or `cookie`, values of 16 characters or more. Values
//!   that are not secrets (`not defined`, `null`, `$VAR`, `<placeholder>`, an ARN naming a
//!   secret) are kept, so the original checker's `AWS_SECRET_ACCESS_KEY: not defined` reads as
//!   it was;
//! - AWS access key ids (`AKIA…`, `ASIA…`): all but the first four characters, which say what
//!   kind of key it is;
//! - 40-character secret access keys and base64 blobs of 100 characters or more (session
//!   tokens `IQoJb3JpZ2lu…`, `FwoGZXIvYXdzE…`), also when a terminal wrapped them over lines;
//! - GitHub tokens (`ghp_…`, `github_pat_…`), JWTs (`eyJ….eyJ….…`), `Bearer` tokens, the
//!   password in `scheme://user:password@host`, and the body of PEM blocks.
//!
//! The words around a secret, and so the words a pattern matched, stay as they are.

/// A secret at `start..end` of the text, and what is shown instead.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    replacement: String,
}

/// What replaces a secret value.
pub const MASK: &str = "[masked]";

/// Keys (lowercase, without `_`, `-` and `.`) whose values are secrets whatever their length.
const STRONG_KEYS: &[&str] = &[
    "secret",
    "password",
    "passwd",
    "passphrase",
    "apikey",
    "privatekey",
    "authorization",
    "sessiontoken",
    "securitytoken",
    "accesstoken",
    "authtoken",
    "refreshtoken",
];

/// Keys whose values are secrets when they are long (short values are words: an error code
/// like `ExpiredToken: The security token …` is not a key and a value).
const WEAK_KEYS: &[&str] = &["token", "signature", "credential", "cookie"];

/// Values that say something about a secret without being one.
const NOT_SECRETS: &[&str] = &[
    "not",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "defined",
    "undefined",
    "unset",
    "set",
    "empty",
    "yes",
    "no",
    "n/a",
    "required",
    "optional",
    "missing",
    "redacted",
    "masked",
    "hidden",
    "string",
];

/// The secrets of one text, found once and applied to any part of it.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    spans: Vec<Span>,
}

/// `text` with every secret masked.
pub fn mask(text: &str) -> String {
    Secrets::find(text).apply(text, 0, text.len())
}

impl Secrets {
    pub fn find(text: &str) -> Secrets {
        let mut spans = Vec::new();
        pem_bodies(text, &mut spans);
        keyed_values(text, &mut spans);
        tokens(text, &mut spans);
        url_passwords(text, &mut spans);
        bearer_tokens(text, &mut spans);
        spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        let mut merged: Vec<Span> = Vec::new();
        for s in spans {
            match merged.last_mut() {
                Some(last) if s.start < last.end => last.end = last.end.max(s.end),
                _ => merged.push(s),
            }
        }
        Secrets { spans: merged }
    }

    /// `text[from..to]` with the secrets in it masked; a secret that the range cuts is masked
    /// whole, so no part of it shows.
    pub fn apply(&self, text: &str, from: usize, to: usize) -> String {
        let mut out = String::with_capacity(to - from);
        let mut cursor = from;
        for s in self.spans.iter().filter(|s| s.end > from && s.start < to) {
            if s.start > cursor {
                out.push_str(&text[cursor..s.start]);
            }
            out.push_str(&s.replacement);
            cursor = cursor.max(s.end);
        }
        if cursor < to {
            out.push_str(&text[cursor..to]);
        }
        out
    }
}

fn masked(start: usize, end: usize) -> Span {
    Span {
        start,
        end,
        replacement: MASK.to_string(),
    }
}

/// The body of every `-----BEGIN …-----` block, up to its `-----END …-----` line (or the end
/// of the text when it was cut off).
fn pem_bodies(text: &str, spans: &mut Vec<Span>) {
    let mut at = 0;
    while let Some(begin) = text[at..].find("-----BEGIN ").map(|i| at + i) {
        let Some(header_end) = text[begin + 11..].find("-----").map(|i| begin + 11 + i + 5) else {
            return;
        };
        let end = text[header_end..]
            .find("-----END ")
            .map_or(text.len(), |i| header_end + i);
        let body = text[header_end..end].trim();
        if !body.is_empty() {
            let start = header_end + text[header_end..end].find(body).unwrap_or(0);
            spans.push(masked(start, start + body.len()));
        }
        at = end.max(header_end);
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Whether a key names a secret, and whether any value of it is one (`strong`).
fn secret_key(key: &str) -> Option<bool> {
    let flat: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    // Error codes (`InvalidClientTokenId: The security token …`) name no secret.
    if ["exception", "error", "fault"]
        .iter()
        .any(|s| flat.ends_with(s))
    {
        return None;
    }
    if STRONG_KEYS.iter().any(|k| flat.contains(k)) {
        Some(true)
    } else {
        WEAK_KEYS.iter().any(|k| flat.contains(k)).then_some(false)
    }
}

/// The offset just past terminal escape sequences (`\x1b[1;33m`) at `at`.
fn skip_escapes(text: &str, mut at: usize) -> usize {
    while text[at..].starts_with("\u{1b}[") {
        match text[at + 2..].find(|c: char| ('@'..='~').contains(&c)) {
            Some(i) => at += 2 + i + 1,
            None => return text.len(),
        }
    }
    at
}

/// Values of secret keys: `KEY=VALUE`, `KEY: VALUE`, `"KEY": "VALUE"`, `'KEY': b'VALUE'`.
fn keyed_values(text: &str, spans: &mut Vec<Span>) {
    for (sep, c) in text.match_indices(['=', ':']) {
        // The key: a word just before the separator, maybe in quotes.
        let before = &text[..sep];
        let quoted_key = before.ends_with(['"', '\'']);
        let key_end = if quoted_key { sep - 1 } else { sep };
        let key_start = text[..key_end]
            .char_indices()
            .rev()
            .find(|&(_, c)| !is_key_char(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let key = &text[key_start..key_end];
        let named = (quoted_key && key.eq_ignore_ascii_case("value"))
            .then(|| named_secret(&text[..key_start]))
            .flatten();
        let Some(strong) = named.or_else(|| (!key.is_empty()).then(|| secret_key(key)).flatten())
        else {
            continue;
        };
        let after = &text[sep + 1..];
        // `service:Action`, `arn:…:secret:…`, `==` and `::` are not a key and a value.
        if after.starts_with(['=', ':'])
            || (c == ":" && !quoted_key && !after.starts_with([' ', '\t']))
        {
            continue;
        }
        let mut at = sep + 1;
        at += text[at..].len() - text[at..].trim_start_matches([' ', '\t']).len();
        at = skip_escapes(text, at);
        // Python's byte strings in `aws --debug` output: b'…'.
        if text[at..].starts_with("b'") || text[at..].starts_with("b\"") {
            at += 1;
        }
        let quote = text[at..]
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\''));
        let start = at + quote.map_or(0, char::len_utf8);
        let end = text[start..]
            .find(|c: char| match quote {
                Some(q) => c == q || c == '\n',
                None => c.is_whitespace() || ",;&\"'`)]}<>|\u{1b}".contains(c),
            })
            .map_or(text.len(), |i| start + i);
        let value = &text[start..end];
        // `Authorization: Bearer TOKEN`: the scheme is a word; bearer_tokens() and tokens()
        // see the token after it.
        let scheme = ["bearer", "basic", "token", "digest", "aws4-hmac-sha256"]
            .contains(&value.to_ascii_lowercase().as_str());
        // A sentence in quotes after a key that only says `token` is prose.
        let prose = quote.is_some() && !strong && value.contains(' ');
        if (quote.is_none() && scheme) || prose || !is_secret_value(value, strong) {
            continue;
        }
        spans.push(masked(start, end));
    }
}

/// For the `"value"` of a `{"name": "DB_PASSWORD", "value": "…"}` pair (a task definition's
/// environment, `describe-task-definition` output): whether the name is a secret key, and a
/// strong one. `before` is the text up to the `"value"` key.
fn named_secret(before: &str) -> Option<bool> {
    // Within the same object, and not far: the pair is `{"name": "…", "value": "…"}`.
    let window = &before[before.floor_char_boundary(before.len().saturating_sub(300))..];
    let object = &window[window.rfind('{')?..];
    let name_at = object.rfind("\"name\"")? + "\"name\"".len();
    let rest = object[name_at..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let name = rest.strip_prefix('"')?;
    secret_key(&name[..name.find('"')?])
}

fn is_secret_value(v: &str, strong: bool) -> bool {
    let lower = v.to_ascii_lowercase();
    let placeholder = v.is_empty()
        || NOT_SECRETS.contains(&lower.as_str())
        || v.starts_with(['$', '<', '{', '[', '%'])
        || lower.starts_with("arn:")
        || v.chars().all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '…'))
        || v == MASK;
    !placeholder && (strong || v.chars().count() >= 16)
}

/// A character of standard base64 (padding aside).
fn is_base64(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | '+')
}

fn mixed(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().any(|c| c.is_ascii_lowercase())
        && s.chars().any(|c| c.is_ascii_digit())
}

/// Secrets recognised by their shape alone: access key ids, secret keys, session tokens and
/// other long base64, GitHub tokens, JWTs.
fn tokens(text: &str, spans: &mut Vec<Span>) {
    let is_url64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    for (start, word) in runs(text, is_url64) {
        if let Some(len) = jwt_or_github(word.trim_end_matches('.')) {
            spans.push(masked(start, start + len));
        }
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let starts = is_base64(bytes[i] as char)
            && (i == 0 || !(is_base64(bytes[i - 1] as char) || bytes[i - 1] == b'_'));
        if !starts {
            i += 1;
            continue;
        }
        // Base64, also over line breaks a terminal put in a long token.
        let (end, len) = base64_run(text, i);
        let run = &text[i..end];
        let key_id = len == 20
            && (run.starts_with("AKIA") || run.starts_with("ASIA"))
            && run
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let secret_key =
            len == 40 && !run.starts_with('/') && run.matches('/').count() <= 3 && mixed(run);
        if key_id {
            spans.push(Span {
                start: i + 4,
                end,
                replacement: "*".repeat(16),
            });
        } else if secret_key || (len >= 100 && mixed(run)) {
            spans.push(masked(i, end));
        }
        i = end.max(i + 1);
    }
}

/// The maximal runs of `part` characters, with their offsets.
fn runs(text: &str, part: impl Fn(char) -> bool) -> impl Iterator<Item = (usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (part(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out.into_iter()
}

/// The end of the base64 run at `start` and its length without line breaks: a line that fills
/// at least 60 columns with base64 and goes on with base64 on the next line is one token
/// wrapped by a terminal.
fn base64_run(text: &str, start: usize) -> (usize, usize) {
    let mut end = start;
    let mut len = 0;
    let mut line = 0;
    loop {
        let n = text[end..]
            .find(|c: char| !is_base64(c))
            .unwrap_or(text.len() - end);
        end += n;
        len += n;
        line += n;
        let padding = text[end..].len() - text[end..].trim_start_matches('=').len();
        if padding > 0 {
            return (end + padding, len + padding);
        }
        let rest = &text[end..];
        let wrap = rest
            .strip_prefix("\r\n")
            .map(|r| (2, r))
            .or_else(|| rest.strip_prefix('\n').map(|r| (1, r)));
        match wrap {
            Some((skip, next)) if line >= 60 && next.starts_with(is_base64) => {
                end += skip;
                line = 0;
            }
            _ => return (end, len),
        }
    }
}

/// The length of a JWT (`eyJ….eyJ….signature`) or a GitHub token at the start of `word`.
fn jwt_or_github(word: &str) -> Option<usize> {
    let url64 = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    };
    if word.starts_with("eyJ") {
        let parts: Vec<&str> = word.splitn(3, '.').collect();
        if parts.len() == 3 && url64(parts[0]) && url64(parts[1]) && parts[0].len() >= 10 {
            let sig = parts[2]
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
                .unwrap_or(parts[2].len());
            return Some(parts[0].len() + parts[1].len() + 2 + sig);
        }
    }
    let github = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]
        .iter()
        .any(|p| word.starts_with(p));
    let body = word.split_once('_').map_or("", |(_, b)| b);
    (github && body.len() >= 20 && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(word.len())
}

/// The password of `scheme://user:password@host` (a proxy URL, a database URL).
fn url_passwords(text: &str, spans: &mut Vec<Span>) {
    for (at, _) in text.match_indices("://") {
        let authority_start = at + 3;
        let authority_end = text[authority_start..]
            .find(|c: char| c == '/' || c.is_whitespace() || "\"'`<>".contains(c))
            .map_or(text.len(), |i| authority_start + i);
        let authority = &text[authority_start..authority_end];
        let Some(userinfo_len) = authority.rfind('@') else {
            continue;
        };
        if let Some(colon) = authority[..userinfo_len].find(':') {
            let start = authority_start + colon + 1;
            let end = authority_start + userinfo_len;
            if end > start {
                spans.push(masked(start, end));
            }
        }
    }
}

/// `Bearer TOKEN` anywhere (an `Authorization` header in a log line).
fn bearer_tokens(text: &str, spans: &mut Vec<Span>) {
    let lower = text.to_ascii_lowercase();
    for (at, word) in lower.match_indices("bearer ") {
        if at > 0 && lower.as_bytes()[at - 1].is_ascii_alphanumeric() {
            continue;
        }
        let start = at + word.len();
        let end = text[start..]
            .find(|c: char| c.is_whitespace() || "\"'`,;)]}<>".contains(c))
            .map_or(text.len(), |i| start + i);
        if end - start >= 8 {
            spans.push(masked(start, end));
        }
    }
}

#[cfg(test)]
mod tests;
