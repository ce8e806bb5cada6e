//! Dotted version numbers as AWS tools print them.
//!
//! `semver` rejects most of them (`1.2.553.0`, `1.4`, `LATEST`, `2.15.0dev0`), so versions are
//! compared as lists of numbers: each dot-separated part contributes its leading digits, missing
//! parts count as zero (`1.4` == `1.4.0`).

use std::cmp::Ordering;
use std::fmt;

/// A version such as `1.50.2`, `1.2.553.0` or `2.15.0dev0` (read as `2.15.0`).
#[derive(Debug, Clone, Eq)]
pub struct DottedVersion {
    parts: Vec<u64>,
    text: String,
}

impl DottedVersion {
    /// Parses the leading dotted number of `text`; `None` when it does not start with a digit
    /// (after an optional `v`).
    pub fn parse(text: &str) -> Option<Self> {
        let trimmed = text.trim();
        let body = trimmed.strip_prefix(['v', 'V']).unwrap_or(trimmed);
        let mut parts = Vec::new();
        for piece in body.split('.') {
            let digits: String = piece.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() {
                break;
            }
            parts.push(digits.parse().ok()?);
            if digits.len() != piece.len() {
                break;
            }
        }
        if parts.is_empty() {
            return None;
        }
        Some(Self {
            parts,
            text: trimmed.to_string(),
        })
    }

    /// The first number (`2` for AWS CLI v2).
    pub fn major(&self) -> u64 {
        self.parts[0]
    }

    /// True when `self >= min` (`min` must parse).
    pub fn at_least(&self, min: &str) -> bool {
        let min = DottedVersion::parse(min).expect("minimum versions are literals that parse");
        *self >= min
    }
}

impl PartialEq for DottedVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl PartialOrd for DottedVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DottedVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.parts.len().max(other.parts.len());
        for i in 0..len {
            let a = self.parts.get(i).copied().unwrap_or(0);
            let b = other.parts.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => continue,
                unequal => return unequal,
            }
        }
        Ordering::Equal
    }
}

impl fmt::Display for DottedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::DottedVersion as V;

    #[test]
    fn parses_aws_shapes() {
        assert!(V::parse("1.2.553.0").unwrap() > V::parse("1.2.497.0").unwrap());
        assert_eq!(V::parse("1.4").unwrap(), V::parse("1.4.0").unwrap());
        assert_eq!(V::parse("2.15.0dev0").unwrap(), V::parse("2.15.0").unwrap());
        assert_eq!(V::parse("v1.4.0").unwrap(), V::parse("1.4.0").unwrap());
        assert!(V::parse("LATEST").is_none());
        assert!(V::parse("").is_none());
        assert!(V::parse("1.50.10").unwrap() > V::parse("1.50.2").unwrap());
        assert!(V::parse("1.3.0").unwrap() < V::parse("1.4.0").unwrap());
        assert!(V::parse("1.50.2").unwrap().at_least("1.50.2"));
        assert!(!V::parse("1.50.1").unwrap().at_least("1.50.2"));
        assert_eq!(V::parse("2.1.30").unwrap().major(), 2);
    }
}
