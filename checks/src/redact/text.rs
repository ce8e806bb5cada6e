//! Redaction of free text (AWS error messages, reasons, paths): the identifiers in it are
//! found by their shape and replaced as they are in structured fields.

use super::{ID_PREFIXES, Redactor, is_hexish, is_name_char};
use crate::arn::Arn;

impl Redactor {
    /// Local paths: the user name of a home directory.
    pub(super) fn path(&mut self, value: &str) -> String {
        for prefix in [
            "/Users/",
            "/home/",
            "C:\\Users\\",
            "c:\\users\\",
            "C:/Users/",
        ] {
            if let Some(rest) = value.strip_prefix(prefix) {
                let end = rest.find(['/', '\\']).unwrap_or(rest.len());
                let user = &rest[..end];
                if !user.is_empty() {
                    let p = self.name("user", user);
                    return format!("{prefix}{p}{}", &rest[end..]);
                }
            }
        }
        self.text(value, true)
    }

    /// Free text (error messages, reasons): ARNs, account ids, IP addresses, AWS ids and hex
    /// ids are replaced wherever they appear; with `names`, so is every name redacted
    /// elsewhere in the recording (whole words only).
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
