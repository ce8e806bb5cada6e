//! Glob patterns for `--include`, `--exclude` and `[[suppress]] path`: `*` and `?` within a
//! path segment, `**` across segments, `[abc]`/`[!a-z]` classes and `{a,b}` alternatives. A
//! pattern without `/` matches any single segment (a file or directory name, as in
//! `.gitignore`); a pattern with `/` matches the whole `/`-separated relative path.

#[derive(Debug, Clone)]
pub struct Glob {
    /// Brace-expanded alternatives, each split into segments.
    alternatives: Vec<Vec<String>>,
    anchored: bool,
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Self, String> {
        let text = pattern.trim().to_string();
        if text.is_empty() {
            return Err("an empty glob matches nothing".into());
        }
        if text.matches('{').count() != text.matches('}').count()
            || text.matches('[').count() < text.matches(']').count()
        {
            return Err(format!("unbalanced brackets in glob `{text}`"));
        }
        let normalised = text.trim_start_matches("./").trim_start_matches('/');
        let anchored = normalised.trim_end_matches('/').contains('/');
        let alternatives = expand_braces(normalised.trim_end_matches('/'))
            .into_iter()
            .map(|alt| alt.split('/').map(str::to_string).collect())
            .collect();
        Ok(Self {
            alternatives,
            anchored,
        })
    }

    /// Whether `path` (relative, `/`-separated) matches.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.alternatives.iter().any(|alt| {
            if self.anchored {
                match_segments(alt, &segments)
            } else {
                segments.iter().any(|s| segment_matches(&alt[0], s))
            }
        })
    }
}

fn expand_braces(pattern: &str) -> Vec<String> {
    let Some(open) = pattern.find('{') else {
        return vec![pattern.to_string()];
    };
    let mut depth = 0;
    let mut close = None;
    for (i, c) in pattern[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else {
        return vec![pattern.to_string()];
    };
    let (head, body, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
        .into_iter()
        .flat_map(|p| expand_braces(&format!("{head}{p}{tail}")))
        .collect()
}

fn match_segments(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| match_segments(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            Some((seg, path_rest)) => {
                segment_matches(first, seg) && match_segments(rest, path_rest)
            }
            None => false,
        },
    }
}

/// `*`, `?` and `[...]` within one segment.
fn segment_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    while pi < p.len() && p[pi] == '*' {
                        pi += 1;
                    }
                    star = Some((pi, ti));
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class(&p, pi, t[ti])
                        && matched
                    {
                        pi = next;
                        ti += 1;
                        continue;
                    }
                }
                c if c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                pi = sp;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Matches `c` against the class starting at `p[start] == '['`; returns the match and the
/// index after the class, or `None` when the class is not closed.
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = matches!(p.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() && (p[i] != ']' || first) {
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            if p[i] <= c && c <= p[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    (i < p.len()).then_some((matched != negated, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).unwrap().matches(path)
    }

    #[test]
    fn globs() {
        assert!(m("*.json", "infra/task.json"));
        assert!(!m("*.json", "infra/task.yaml"));
        assert!(m("fixtures", "a/fixtures/b.json"));
        assert!(m("infra/*.json", "infra/a.json"));
        assert!(!m("infra/*.json", "infra/x/a.json"));
        assert!(m("infra/**/*.json", "infra/x/y/a.json"));
        assert!(m("infra/**/*.json", "infra/a.json"));
        assert!(m(
            "**/cdk.out/*.template.json",
            "app/cdk.out/S.template.json"
        ));
        assert!(m("*.{yaml,yml}", "a/b.yml"));
        assert!(m("task-[0-9].json", "task-7.json"));
        assert!(!m("task-[!0-9].json", "task-7.json"));
        assert!(m("?ask.json", "task.json"));
        assert!(m("./infra/a.json", "infra/a.json"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "axxbyy"));
        assert!(Glob::new("").is_err());
        assert!(Glob::new("a{b").is_err());
    }
}
