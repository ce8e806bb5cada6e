//! When no signature matches: the whole knowledge base ranked by relevance to the paste, with
//! BM25 over a tokenisation that knows what ECS Exec texts look like (CamelCase API names
//! split, snake and kebab case split, ARNs cut at `:` and `/`, ids and numbers dropped,
//! wrapped lines joined by treating every non-word character alike) and a small vocabulary of
//! synonyms. Each catalog entry is one document: its name, code, message and patterns (what
//! users see, counted twice), meaning, causes with their confirmations and fixes, and the
//! names and summaries of the checks linked to them. The result says which words matched and
//! how confident the ranking is; "nothing known" is only for text with nothing about ECS,
//! Systems Manager, sessions or exec.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use serde::Serialize;

use super::{ENTRIES, Entry, Kind};

/// BM25's term-frequency saturation and length normalisation (the usual values).
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// How much the ranking can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// One known problem close to the paste.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    #[serde(serialize_with = "entry_id")]
    pub entry: &'static Entry,
    pub score: f64,
    /// The paste's words the entry shares, most telling first.
    pub matched: Vec<String>,
    pub confidence: Confidence,
}

impl Hit {
    /// The most telling matched words, as a text shows them (`a, b, c`).
    pub fn matched_words(&self) -> String {
        self.matched
            .iter()
            .take(SHOWN_WORDS)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Matched words a text shows per hit.
const SHOWN_WORDS: usize = 6;

fn entry_id<S: serde::Serializer>(e: &&'static Entry, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(e.id)
}

/// Words that carry nothing.
const STOP: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "when",
    "was",
    "not",
    "but",
    "are",
    "this",
    "that",
    "from",
    "have",
    "has",
    "had",
    "you",
    "your",
    "our",
    "can",
    "could",
    "does",
    "did",
    "into",
    "any",
    "all",
    "its",
    "it's",
    "there",
    "then",
    "than",
    "been",
    "will",
    "would",
    "should",
    "also",
    "just",
    "only",
    "what",
    "which",
    "who",
    "how",
    "why",
    "while",
    "after",
    "before",
    "again",
    "try",
    "later",
    "error",
    "errors",
    "occurred",
    "calling",
    "operation",
    "please",
    "get",
    "got",
    "one",
    "using",
    "use",
    "used",
    "same",
    "more",
    "some",
    "other",
    "see",
    "here",
    "able",
    "like",
    "need",
    "needs",
    "want",
    "still",
    "even",
    "now",
    "yes",
    "they",
    "them",
    "his",
    "her",
    "him",
    "out",
    "off",
    "too",
    "very",
    "via",
    "per",
    "about",
    "over",
    "aws",
    "show",
    "shows",
    "work",
    "works",
    "working",
    "id",
    "ids",
];

/// Two-letter words worth keeping.
const SHORT: &[&str] = &["s3", "ip", "sg", "ec2"];

/// Spellings of the same thing, mapped to one token.
const SYNONYMS: &[(&str, &str)] = &[
    ("exec", "execute"),
    ("executing", "execute"),
    ("execution", "execute"),
    ("smp", "plugin"),
    ("sessionmanagerplugin", "plugin"),
    ("vpce", "endpoint"),
    ("privatelink", "endpoint"),
    ("nacl", "acl"),
    ("nacls", "acl"),
    ("cmk", "kms"),
    ("unauthorized", "denied"),
    ("unauthorised", "denied"),
    ("forbidden", "denied"),
    ("deny", "denied"),
    ("accessdenied", "denied"),
    ("timed", "timeout"),
    ("timeouts", "timeout"),
    ("hangs", "hang"),
    ("hanging", "hang"),
    ("stuck", "hang"),
    ("freezes", "hang"),
    ("bash", "shell"),
    ("sh", "shell"),
    ("pty", "shell"),
    ("readonly", "read"),
    ("tty", "terminal"),
];

/// Words that make a text about ECS Exec at all.
const ABOUT: &[&str] = &[
    "ecs",
    "execute",
    "ssm",
    "ssmmessages",
    "session",
    "plugin",
    "fargate",
    "ecsexec",
];

/// The tokens of `text`: lowercase words of two or more characters, CamelCase and snake/kebab
/// parts as well as the whole word, ARNs cut into their parts, without numbers, hex ids and
/// stop words, synonyms mapped.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')) {
        let word = word.trim_matches(|c| c == '_' || c == '-');
        if word.is_empty() {
            continue;
        }
        let whole = word.to_lowercase();
        let mut parts: Vec<String> = Vec::new();
        for piece in word.split(['_', '-']) {
            parts.extend(camel_parts(piece));
        }
        if parts.len() > 1 {
            push(&mut out, whole.replace(['_', '-'], ""));
        }
        for p in parts {
            push(&mut out, p);
        }
    }
    out
}

fn push(out: &mut Vec<String>, token: String) {
    let mut t = token;
    if (t.len() < 3 && !SHORT.contains(&t.as_str()))
        || t.chars().all(|c| c.is_ascii_digit())
        || is_id(&t)
    {
        return;
    }
    if STOP.contains(&t.as_str()) {
        return;
    }
    if let Some((_, to)) = SYNONYMS.iter().find(|(from, _)| *from == t) {
        t = to.to_string();
    } else if t.len() > 4 && t.ends_with('s') && !t.ends_with("ss") {
        t.pop();
    }
    out.push(t);
}

/// Hex or alphanumeric identifiers (task ids, request ids, account numbers, key ids).
fn is_id(t: &str) -> bool {
    let digits = t.chars().filter(|c| c.is_ascii_digit()).count();
    (t.len() >= 8 && t.chars().all(|c| c.is_ascii_hexdigit()) && digits > 0)
        || (t.len() >= 12 && digits * 3 >= t.len())
}

/// `TargetNotConnectedException` → target, not, connected, exception; `KMSEncryption` → kms,
/// encryption.
fn camel_parts(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (prev, cur) = (chars[i - 1], chars[i]);
        let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
        let boundary = (prev.is_lowercase() && cur.is_uppercase())
            || (prev.is_uppercase() && cur.is_uppercase() && next_lower)
            || (prev.is_alphabetic() && cur.is_ascii_digit())
            || (prev.is_ascii_digit() && cur.is_alphabetic());
        if boundary {
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
            start = i;
        }
    }
    out.push(chars[start..].iter().collect::<String>().to_lowercase());
    out
}

/// The text without the lines a benign entry recognises (the plugin's "installed
/// successfully" notice), which appear before every attempt and tell nothing.
pub fn without_benign_lines(text: &str) -> String {
    let benign: Vec<String> = ENTRIES
        .iter()
        .filter(|e| e.kind == Kind::Benign)
        .flat_map(|e| e.patterns.iter().map(|p| p.all[0].to_lowercase()))
        .collect();
    text.lines()
        .filter(|line| {
            let lower = line.to_lowercase();
            !benign.iter().any(|b| lower.contains(b.as_str()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether the text is about ECS, Systems Manager sessions or exec at all.
pub fn about_exec(text: &str) -> bool {
    let lower = text.to_lowercase();
    lower.contains("execute-command")
        || lower.contains("session-manager")
        || tokenize(text).iter().any(|t| ABOUT.contains(&t.as_str()))
}

struct Index {
    docs: Vec<(&'static Entry, HashMap<String, f64>, f64)>,
    df: HashMap<String, f64>,
    average: f64,
}

fn document(e: &'static Entry) -> String {
    let mut text = String::new();
    let seen = format!("{} {} {}", e.name, e.code.unwrap_or(""), e.message);
    // What users see counts twice.
    for _ in 0..2 {
        text.push_str(&seen);
        text.push(' ');
        for p in e.patterns {
            for f in p.all {
                text.push_str(f);
                text.push(' ');
            }
        }
    }
    text.push_str(e.title);
    text.push(' ');
    text.push_str(e.meaning);
    for c in e.causes {
        for part in [c.cause, c.fix, c.confirm.unwrap_or("")] {
            text.push(' ');
            text.push_str(part);
        }
        for check in c.checks {
            text.push(' ');
            text.push_str(check.meta.name);
            text.push(' ');
            text.push_str(check.meta.summary);
        }
    }
    text
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut docs = Vec::new();
        let mut df: HashMap<String, f64> = HashMap::new();
        for e in ENTRIES.iter().copied().filter(|e| e.kind != Kind::Benign) {
            let tokens = tokenize(&document(e));
            let mut tf: HashMap<String, f64> = HashMap::new();
            for t in &tokens {
                *tf.entry(t.clone()).or_default() += 1.0;
            }
            for t in tf.keys() {
                *df.entry(t.clone()).or_default() += 1.0;
            }
            docs.push((e, tf, tokens.len() as f64));
        }
        let average = docs.iter().map(|d| d.2).sum::<f64>() / docs.len().max(1) as f64;
        Index { docs, df, average }
    })
}

/// The `n` known problems closest to `text`, best first; empty when the text is not about
/// ECS Exec or shares nothing telling with any of them.
pub fn retrieve(text: &str, n: usize) -> Vec<Hit> {
    if !about_exec(text) {
        return Vec::new();
    }
    let index = index();
    let total = index.docs.len() as f64;
    let query: BTreeSet<String> = tokenize(text).into_iter().collect();
    let idf = |t: &str| {
        let df = index.df.get(t).copied().unwrap_or(0.0);
        ((total - df + 0.5) / (df + 0.5) + 1.0).ln()
    };
    let mut hits: Vec<Hit> = index
        .docs
        .iter()
        .filter_map(|(entry, tf, len)| {
            let mut matched: Vec<(f64, &String)> = Vec::new();
            let mut score = 0.0;
            for t in &query {
                let Some(f) = tf.get(t) else { continue };
                let w = idf(t) * f * (K1 + 1.0) / (f + K1 * (1.0 - B + B * len / index.average));
                score += w;
                matched.push((idf(t), t));
            }
            (score > 0.0).then(|| {
                matched.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
                Hit {
                    entry,
                    score,
                    matched: matched.into_iter().map(|(_, t)| t.clone()).collect(),
                    confidence: Confidence::Low,
                }
            })
        })
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.id.cmp(b.entry.id)));
    let second = hits.get(1).map_or(0.0, |h| h.score);
    for (i, h) in hits.iter_mut().enumerate() {
        // Telling words shared (rare in the knowledge base), and a lead over the next one.
        let telling = h.matched.iter().filter(|t| idf(t) > 1.5).count();
        h.confidence = if i == 0 && telling >= 3 && h.score >= 1.5 * second.max(1.0) {
            Confidence::High
        } else if telling >= 2 {
            Confidence::Medium
        } else {
            Confidence::Low
        };
    }
    hits.retain(|h| h.score >= 2.0);
    hits.truncate(n);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_camel_snake_kebab_and_arns_and_drop_ids() {
        let t = tokenize(
            "TargetNotConnectedException enable_execute_command session-manager-plugin arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef KMSEncryption",
        );
        for want in [
            "targetnotconnectedexception",
            "target",
            "connected",
            "exception",
            "enableexecutecommand",
            "enable",
            "execute",
            "command",
            "plugin",
            "session",
            "arn",
            "ecs",
            "task",
            "prod",
            "kms",
            "encryption",
        ] {
            assert!(t.iter().any(|x| x == want), "{want} missing from {t:?}");
        }
        assert!(
            !t.iter()
                .any(|x| x == "123456789012" || x.starts_with("0123456789abcdef")),
            "{t:?}"
        );
        // Synonyms and plurals.
        assert_eq!(
            tokenize("exec Unauthorized endpoints"),
            ["execute", "denied", "endpoint"]
        );
    }

    #[test]
    fn texts_about_exec_get_the_closest_problems_others_nothing() {
        assert!(retrieve("lorem ipsum dolor sit amet", 3).is_empty());
        assert!(
            retrieve(
                "npm ERR! code ERESOLVE unable to resolve dependency tree",
                3
            )
            .is_empty()
        );
        // A paraphrase with no signature: the handshake with the KMS key.
        let hits = retrieve(
            "ecs exec session starts then dies during the handshake when the cluster uses our kms key",
            3,
        );
        assert!(!hits.is_empty());
        assert!(
            hits.iter()
                .any(|h| h.entry.name.to_lowercase().contains("handshake")
                    || h.entry.title.contains("handshake")
                    || h.entry.title.contains("KMS")),
            "{:?}",
            hits.iter()
                .map(|h| (h.entry.id, h.entry.name, &h.matched))
                .collect::<Vec<_>>()
        );
        assert!(
            hits[0]
                .matched
                .iter()
                .any(|m| m == "handshake" || m == "kms")
        );
    }
}
