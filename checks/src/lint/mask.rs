//! Secrets in source excerpts. A finding's excerpt shows the line it is on, and that line can
//! hold an environment value, a `templatefile` variable, a password on a command line or a key
//! pasted as is. Excerpts go to CI logs, pull-request comments and SARIF uploads, so what looks
//! like a secret is replaced by `***` before any excerpt leaves the lint module. Names stay
//! visible (`"name": "AWS_SECRET_ACCESS_KEY"`): only values are masked.
//!
//! Three rules, over one line at a time (an excerpt never spans lines):
//! - the value of a key that is `value` (environment entries) or whose name holds a secret
//!   word ([`SECRET_WORDS`]), in JSON, YAML, HCL and `NAME=value` forms, quoted or bare;
//! - the token after a flag whose name holds a secret word, in a command array or string
//!   (`"--password", "x"`, `--password x`; `--token=x` is the key rule's `=` form);
//! - literals shaped like credentials anywhere: AWS access key ids, 40-character AWS secret
//!   keys, GitHub tokens, JWTs, and the body of a PEM private key.
//!
//! Masking more than needed costs a less readable excerpt; masking less leaks a secret into a
//! log. The rules lean to the former.

use std::ops::Range;

/// What a masked value is replaced by.
pub const MASK: &str = "***";

/// A key or flag name holding one of these (lowercase, separators removed) names a secret.
/// Not `pwd` (the working directory) nor `auth` (`authorizationConfig`).
const SECRET_WORDS: [&str; 9] = [
    "secret",
    "password",
    "passwd",
    "passphrase",
    "token",
    "credential",
    "privatekey",
    "apikey",
    "accesskey",
];

/// Keys with a secret word whose value is a list or object of names and ARNs (ECS `secrets`,
/// `secretOptions`, `repositoryCredentials`, `credentialSpecs`), not a secret: the rules still
/// apply inside it, the structure itself is shown.
const REFERENCE_LISTS: [&str; 4] = [
    "secrets",
    "secretoptions",
    "repositorycredentials",
    "credentialspecs",
];

/// Longest key name looked back for: keeps the scan linear on hostile lines.
const MAX_KEY: usize = 128;

/// `line` with every secret-looking value replaced by [`MASK`].
pub fn mask(line: &str) -> String {
    apply(line, &spans(line)).0
}

/// The masked text and, for a byte offset of `line`, the byte offset of the same place in it
/// (the start of the mask when the offset falls inside a masked span).
pub fn apply(line: &str, spans: &[Range<usize>]) -> (String, Mapper) {
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    for span in spans {
        out.push_str(&line[copied..span.start]);
        out.push_str(MASK);
        copied = span.end;
    }
    out.push_str(&line[copied..]);
    (
        out,
        Mapper {
            spans: spans.to_vec(),
        },
    )
}

/// Maps byte offsets of a line to offsets in its masked text.
pub struct Mapper {
    spans: Vec<Range<usize>>,
}

impl Mapper {
    pub fn map(&self, offset: usize) -> usize {
        let mut shift: isize = 0;
        for span in &self.spans {
            if offset < span.start {
                break;
            }
            if offset < span.end {
                return span.start.saturating_add_signed(shift);
            }
            shift += MASK.len() as isize - (span.end - span.start) as isize;
        }
        offset.saturating_add_signed(shift)
    }
}

/// The byte ranges of `line` to mask: sorted, disjoint, on character boundaries, non-empty.
pub fn spans(line: &str) -> Vec<Range<usize>> {
    let mut all = keyed_values(line);
    all.extend(flag_values(line));
    all.extend(literals(line));
    all.retain(|r| r.start < r.end);
    for r in &mut all {
        r.start = line.floor_char_boundary(r.start);
        r.end = line.ceil_char_boundary(r.end.min(line.len()));
    }
    all.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(all.len());
    for r in all {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// `name` lowercased with everything but letters and digits removed.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn is_secret_name(normalized: &str) -> bool {
    SECRET_WORDS.iter().any(|w| normalized.contains(w))
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// Values of `value` keys and of keys named like a secret.
fn keyed_values(line: &str) -> Vec<Range<usize>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut done = 0; // separators before this are inside a masked value
    // Where the line's text starts after its indent or YAML list dashes, found once (per key it
    // would cost the line's length on hostile input).
    let indent = line.len() - line.trim_start_matches([' ', '\t', '-']).len();
    for s in 0..bytes.len() {
        if s < done {
            continue;
        }
        let colon = match bytes[s] {
            b':' => true,
            b'=' => false,
            _ => continue,
        };
        let prev = s.checked_sub(1).map(|p| bytes[p]);
        let next = bytes.get(s + 1).copied();
        let operator = if colon {
            prev == Some(b':') || next == Some(b':')
        } else {
            matches!(prev, Some(b'=' | b'!' | b'<' | b'>')) || matches!(next, Some(b'=' | b'>'))
        };
        if operator {
            continue;
        }
        let Some((key, key_start, quoted)) = key_before(line, s) else {
            continue;
        };
        // YAML needs a space after a bare key's colon; `arn:aws:...:secret:x` is no key.
        if colon
            && !quoted
            && (!matches!(next, None | Some(b' ' | b'\t'))
                || key_start
                    .checked_sub(1)
                    .is_some_and(|p| matches!(bytes[p], b':' | b'/')))
        {
            continue;
        }
        let key = normalized(key);
        if key != "value" && !is_secret_name(&key) {
            continue;
        }
        let block = colon && key_start <= indent;
        let Some(value) = value_after(line, s + 1, colon, block, &key) else {
            continue;
        };
        done = value.end;
        // An ARN names a secret, is not one; environment values are masked whatever they are.
        if key == "value" || !line[value.clone()].starts_with("arn:") {
            out.push(value);
        }
    }
    out
}

/// The key that ends just before the separator at `s`: its text, where it starts (the opening
/// quote for a quoted key) and whether it is quoted.
fn key_before(line: &str, s: usize) -> Option<(&str, usize, bool)> {
    let bytes = line.as_bytes();
    let mut j = s;
    while j > 0 && matches!(bytes[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    let last = *bytes.get(j.checked_sub(1)?)?;
    let floor = line.floor_char_boundary(j.saturating_sub(MAX_KEY));
    if matches!(last, b'"' | b'\'') {
        let escaped = last == b'"' && j >= 2 && bytes[j - 2] == b'\\';
        let (end, open) = if escaped {
            (j - 2, "\\\"")
        } else {
            (j - 1, if last == b'"' { "\"" } else { "'" })
        };
        let start = line[floor..end].rfind(open)? + floor;
        let key = &line[start + open.len()..end];
        if key.is_empty() || key.contains(['"', '\'', '\\']) {
            return None;
        }
        return Some((key, start, true));
    }
    let mut start = j;
    while start > floor && is_key_byte(bytes[start - 1]) {
        start -= 1;
    }
    (start < j).then(|| (&line[start..j], start, false))
}

/// The value after a separator ending at `from`, if it is one to mask.
fn value_after(
    line: &str,
    from: usize,
    colon: bool,
    block: bool,
    key: &str,
) -> Option<Range<usize>> {
    let bytes = line.as_bytes();
    let mut i = from;
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let rest = &line[i..];
    if rest.starts_with("\\\"") {
        return Some(escaped_string(line, i + 2));
    }
    match bytes.get(i)? {
        q @ (b'"' | b'\'') => Some(quoted(line, i + 1, *q)),
        b'{' | b'[' if REFERENCE_LISTS.contains(&key) => None,
        b'{' | b'[' => Some(i..structure_end(line, i)),
        b'<' if rest.starts_with("<<") => None, // heredoc: the value is on the next lines
        _ => {
            let end = if !colon {
                rest.find(|c: char| c.is_whitespace() || ",}]#\"'\\&;()[{".contains(c))
            } else if block {
                rest.find(" #")
            } else {
                let flow_end = rest.find([',', '}', ']']).unwrap_or(rest.len());
                rest[..flow_end].find(" #").or(Some(flow_end))
            };
            let end = i + end.unwrap_or(rest.len());
            if !colon && bytes.get(end) == Some(&b'(') {
                // A function call (`sensitive("x")`, `base64decode("...")`): its arguments too.
                return Some(i..structure_end(line, end));
            }
            let mut value = line[i..end].trim_end();
            if block {
                value = value.strip_suffix(',').unwrap_or(value).trim_end();
            }
            Some(i..i + value.len())
        }
    }
}

/// The contents of a string that opened with `quote` just before `start`: up to the closing
/// quote (backslash escapes skipped) or the end of the line.
fn quoted(line: &str, start: usize, quote: u8) -> Range<usize> {
    let bytes = line.as_bytes();
    let mut end = start;
    while end < bytes.len() && bytes[end] != quote {
        end += if bytes[end] == b'\\' { 2 } else { 1 };
    }
    start..end.min(bytes.len())
}

/// The contents of a `\"`-quoted string inside a JSON string (Terraform's
/// `container_definitions` in a plan), from `start` to the next `\"`.
fn escaped_string(line: &str, start: usize) -> Range<usize> {
    start..line[start..].find("\\\"").map_or(line.len(), |e| start + e)
}

/// Where the list, object or argument list opening at `open` closes (just after it), skipping
/// strings; the end of the line when it does not close on it.
fn structure_end(line: &str, open: usize) -> usize {
    let bytes = line.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = quoted(line, i + 1, b'"').end,
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    line.len()
}

/// The token after `--NAME` when NAME holds a secret word, as the next element of a command
/// array (`"--password", "x"`, `[--password, x]`) or the next word of a command string.
fn flag_values(line: &str) -> Vec<Range<usize>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(found) = line[search..].find("--") {
        let dashes = search + found;
        let mut i = dashes + 2;
        while bytes.get(i).is_some_and(|b| is_key_byte(*b) && *b != b'.') {
            i += 1;
        }
        search = i.max(dashes + 1);
        let starts_word = dashes == 0
            || matches!(
                bytes[dashes - 1],
                b' ' | b'\t' | b'"' | b'\'' | b'[' | b',' | b'('
            );
        if !starts_word || !is_secret_name(&normalized(&line[dashes + 2..i])) {
            continue;
        }
        // The flag's closing quote, then a comma between array elements, then blanks.
        if line[i..].starts_with("\\\"") {
            i += 2;
        } else if matches!(bytes.get(i), Some(b'"' | b'\'')) {
            i += 1;
        }
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if bytes.get(i) == Some(&b',') {
            i += 1;
            while matches!(bytes.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
        }
        if i == search {
            continue; // `--password=x` (a keyed value), `--password}`: nothing follows
        }
        let value = if line[i..].starts_with("\\\"") {
            escaped_string(line, i + 2)
        } else if let Some(q @ (b'"' | b'\'')) = bytes.get(i) {
            quoted(line, i + 1, *q)
        } else {
            let rest = &line[i..];
            i..i + rest
                .find(|c: char| c.is_whitespace() || ",]}\"'\\".contains(c))
                .unwrap_or(rest.len())
        };
        if value.is_empty() || line[value.clone()].starts_with("--") {
            continue;
        }
        search = value.end.max(search);
        out.push(value);
    }
    out
}

/// Credentials recognisable by their shape alone.
fn literals(line: &str) -> Vec<Range<usize>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !word(bytes[i - 1]);
        let rest = &bytes[i..];
        let found = if !boundary {
            None
        } else if rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA") {
            let n = run(&bytes[i + 4..], |b| {
                b.is_ascii_uppercase() || b.is_ascii_digit()
            });
            (n == 16).then_some(i..i + 20)
        } else if [b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"]
            .iter()
            .any(|p| rest.starts_with(*p))
        {
            let n = run(&bytes[i + 4..], |b| b.is_ascii_alphanumeric());
            (n >= 30).then_some(i..i + 4 + n)
        } else if rest.starts_with(b"github_pat_") {
            let n = run(&bytes[i + 11..], word);
            (n >= 20).then_some(i..i + 11 + n)
        } else if rest.starts_with(b"eyJ") {
            match jwt(bytes, i) {
                Ok(r) => Some(r),
                Err(skip) => {
                    i += skip; // every `eyJ` in that run fails alike
                    continue;
                }
            }
        } else if rest.starts_with(b"-----BEGIN ") {
            private_key(line, i)
        } else {
            None
        };
        if let Some(r) = found {
            i = r.end;
            out.push(r);
            continue;
        }
        // A 40-character AWS secret access key: a maximal run of its alphabet, mixed case and
        // digits (a lowercase hex SHA-1 is not one).
        let base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'/' || b == b'+';
        if base64(bytes[i]) && (i == 0 || !base64(bytes[i - 1])) {
            let n = run(&bytes[i..], base64);
            let key = &bytes[i..i + n];
            if n == 40
                && bytes.get(i + n) != Some(&b'=')
                && key.iter().any(u8::is_ascii_uppercase)
                && key.iter().any(u8::is_ascii_lowercase)
                && key.iter().any(u8::is_ascii_digit)
            {
                out.push(i..i + n);
                i += n;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// How many leading bytes of `bytes` satisfy `f`.
fn run(bytes: &[u8], f: impl Fn(u8) -> bool) -> usize {
    bytes.iter().take_while(|b| f(**b)).count()
}

/// A JWT at `i` (`eyJ...` `.` `...`, optionally a third part); else how far to skip.
fn jwt(bytes: &[u8], i: usize) -> Result<Range<usize>, usize> {
    let part = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let header = run(&bytes[i..], part);
    let mut end = i + header;
    if header < 10 || bytes.get(end) != Some(&b'.') {
        return Err(header);
    }
    let payload = run(&bytes[end + 1..], part);
    if payload < 2 {
        return Err(header);
    }
    end += 1 + payload;
    if bytes.get(end) == Some(&b'.') {
        end += 1 + run(&bytes[end + 1..], part);
    }
    Ok(i..end)
}

/// The body of a PEM private key whose `-----BEGIN ... PRIVATE KEY-----` starts at `i`: up to
/// its `-----END` marker, else the end of the string it is in, else of the line.
fn private_key(line: &str, i: usize) -> Option<Range<usize>> {
    const MARKER_END: &str = "PRIVATE KEY-----";
    let head = &line[i..line.floor_char_boundary(i + 64)];
    let body = i + head.find(MARKER_END)? + MARKER_END.len();
    if head[..body - i].contains('\n') {
        return None;
    }
    let rest = &line[body..];
    let stop = rest.find(['"', '\'']).unwrap_or(rest.len());
    let end = rest[..stop].find("-----END").unwrap_or(stop);
    Some(body..body + end)
}

#[cfg(test)]
#[path = "mask_tests.rs"]
mod tests;
