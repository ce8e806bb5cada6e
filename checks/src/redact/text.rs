//! Redaction of free text (AWS error messages, reasons, paths): the identifiers in it are
//! found by their shape and replaced as they are in structured fields.

use super::{ID_PREFIXES, Redactor, is_hexish, is_name_char};
use crate::arn::Arn;

impl Redactor {
    /// A local path (where the AWS CLI or the plugin was found): as free text, which replaces
    /// the user name of a home directory.
    pub(super) fn path(&mut self, value: &str) -> String {
        self.text(value, true)
    }

    /// Free text (error messages, reasons, paths): ARNs, account ids, IP addresses and CIDR
    /// blocks, AWS ids, hex ids and the user name of home directories (`/home/USER/`,
    /// `/Users/USER/`, `C:\Users\USER\`) are replaced wherever they appear; with `names`, so
    /// is every name redacted elsewhere in the recording (whole words only).
    pub(super) fn text(&mut self, value: &str, names: bool) -> String {
        let mut known: Vec<(String, String)> = if names {
            self.names
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        } else {
            Vec::new()
        };
        known.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let mut out = String::with_capacity(value.len());
        let mut i = 0;
        while i < value.len() {
            let rest = &value[i..];
            let prev = value[..i].chars().next_back();
            if let Some((user_at, user_len)) = home_user(rest, prev) {
                let user = &rest[user_at..user_at + user_len];
                out.push_str(&rest[..user_at]);
                out.push_str(&self.name("user", user));
                i += user_at + user_len;
                continue;
            }
            let at_word = prev.is_none_or(|p| !is_name_char(p) && p != '.');
            if at_word && let Some((len, replacement)) = self.token_at(rest, &known) {
                out.push_str(&replacement);
                i += len;
                continue;
            }
            let c = rest.chars().next().expect("in bounds");
            out.push(c);
            i += c.len_utf8();
        }
        out
    }

    /// A redactable token at the start of `rest`: its length and replacement.
    pub(super) fn token_at(
        &mut self,
        rest: &str,
        known: &[(String, String)],
    ) -> Option<(usize, String)> {
        let ends_word = |len: usize| rest[len..].chars().next().is_none_or(|c| !is_name_char(c));
        if rest.starts_with("arn:") {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || ":/_.-+=,@*$".contains(c)))
                .unwrap_or(rest.len());
            let token = rest[..len].trim_end_matches(['.', ',', ':', ';']);
            if Arn::parse(token).is_some() {
                return Some((token.len(), self.arn(token)));
            }
        }
        let word_len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        let word = &rest[..word_len];
        if let Some(prefix) = ID_PREFIXES.iter().find(|p| word.starts_with(**p)) {
            let tail = &word[prefix.len()..];
            if (8..=17).contains(&tail.len()) && tail.chars().all(|c| c.is_ascii_hexdigit()) {
                return Some((word_len, self.aws_id(word)));
            }
        }
        // EC2 host names carry the private address: ip-10-0-1-25.
        if let Some(octets) = word.strip_prefix("ip-") {
            let parts: Vec<&str> = octets.split('-').collect();
            if parts.len() == 4 && parts.iter().all(|p| p.parse::<u8>().is_ok()) {
                let ip = self.ip(&parts.join("."));
                return Some((word_len, format!("ip-{}", ip.replace('.', "-"))));
            }
        }
        if let Some(len) = ipv4_len(rest) {
            let len = len + cidr_suffix_len(&rest[len..], 32);
            return Some((len, self.ip(&rest[..len])));
        }
        if let Some(len) = ipv6_len(rest) {
            return Some((len, self.ip(&rest[..len])));
        }
        if word_len == 12 && word.chars().all(|c| c.is_ascii_digit()) {
            return Some((12, self.account(word)));
        }
        let hex_shape = matches!(word_len, 32 | 36 | 64)
            && is_hexish(word)
            && word.chars().any(|c| c.is_ascii_digit());
        if hex_shape {
            return Some((word_len, self.hex_id("id", word)));
        }
        for (name, placeholder) in known {
            if rest.starts_with(name.as_str()) && ends_word(name.len()) {
                return Some((name.len(), placeholder.clone()));
            }
        }
        None
    }
}

/// The length of a dotted IPv4 address at the start of `text`.
pub(super) fn ipv4_len(text: &str) -> Option<usize> {
    let mut len = 0;
    for part in 0..4 {
        if part > 0 {
            if !text[len..].starts_with('.') {
                return None;
            }
            len += 1;
        }
        let digits = text[len..].chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 3 || text[len..len + digits].parse::<u16>().ok()? > 255 {
            return None;
        }
        len += digits;
    }
    let next_is_part =
        text[len..].starts_with('.') && text[len + 1..].starts_with(|c: char| c.is_ascii_digit());
    let next_is_alnum = text[len..].starts_with(|c: char| c.is_ascii_alphanumeric());
    (!next_is_part && !next_is_alnum).then_some(len)
}

/// The length of `/LEN` (a prefix length up to `max`) at the start of `text`, or 0.
fn cidr_suffix_len(text: &str, max: u32) -> usize {
    let Some(digits) = text.strip_prefix('/') else {
        return 0;
    };
    let n = digits.chars().take_while(char::is_ascii_digit).count();
    let ends = !digits[n..].starts_with(|c: char| c.is_ascii_alphanumeric());
    match digits[..n].parse::<u32>() {
        Ok(len) if (1..=3).contains(&n) && len <= max && ends => 1 + n,
        _ => 0,
    }
}

/// The length of an IPv6 address (with an optional `/LEN`) at the start of `text`: hex digits
/// and colons with a `::` or all eight groups, that parse as one. Shorter runs of
/// colon-separated digits (times, `host:port`) are not taken.
fn ipv6_len(text: &str) -> Option<usize> {
    let run = text
        .find(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '.'))
        .unwrap_or(text.len());
    let mut candidate = &text[..run];
    // A sentence or a port may follow: `fe80::1.` or `[fd00::5]:443` (the bracket ends it).
    while candidate.ends_with(['.', ':']) && candidate.parse::<std::net::Ipv6Addr>().is_err() {
        candidate = &candidate[..candidate.len() - 1];
    }
    let shaped = candidate.contains("::") || candidate.matches(':').count() == 7;
    if !shaped || candidate.parse::<std::net::Ipv6Addr>().is_err() {
        return None;
    }
    let len = candidate.len();
    if text[len..].starts_with(|c: char| is_name_char(c)) {
        return None;
    }
    Some(len + cidr_suffix_len(&text[len..], 128))
}

/// Where the user name of a home directory starts at `rest` and how long it is: `/home/USER`,
/// `/Users/USER`, `C:\Users\USER` (either slash, any case), also inside a longer path
/// (`/var/home/USER`). `~` has no user name and is left alone.
fn home_user(rest: &str, prev: Option<char>) -> Option<(usize, usize)> {
    let is_sep = |c: char| c == '/' || c == '\\';
    let bytes = rest.as_bytes();
    let after_drive = bytes.len() > 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && prev.is_none_or(|p| !is_name_char(p));
    let start = if after_drive { 2 } else { 0 };
    let mut chars = rest[start..].chars();
    if !chars.next().is_some_and(is_sep) {
        return None;
    }
    let dir_at = start + 1;
    let dir_len = ["home", "users"].into_iter().find_map(|dir| {
        let candidate = rest.get(dir_at..dir_at + dir.len())?;
        let next = rest[dir_at + dir.len()..].chars().next();
        (candidate.eq_ignore_ascii_case(dir) && next.is_some_and(is_sep)).then_some(dir.len())
    })?;
    // Drive paths only under Users, Unix paths under either.
    if after_drive && dir_len != "users".len() {
        return None;
    }
    let user_at = dir_at + dir_len + 1;
    let user_len = rest[user_at..]
        .find(|c: char| is_sep(c) || c.is_whitespace() || "\"'`:;,()[]{}<>|".contains(c))
        .unwrap_or(rest.len() - user_at);
    (user_len > 0).then_some((user_at, user_len))
}
