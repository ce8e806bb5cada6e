//! Glob patterns for `--include`, `--exclude` and `[[suppress]] path`, matched by `globset`
//! (ripgrep's): `*` and `?` within a path segment, `**` across segments, `[abc]`/`[!a-z]`
//! classes and `{a,b}` alternatives. A pattern without `/` matches any single segment (a file
//! or directory name, as in `.gitignore`); a pattern with `/` matches the whole `/`-separated
//! relative path.

#[derive(Debug, Clone)]
pub struct Glob {
    matcher: globset::GlobMatcher,
    /// For a pattern without `/`: also a match on any directory segment of the path.
    segment: Option<globset::GlobMatcher>,
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Self, String> {
        let text = pattern.trim();
        if text.is_empty() {
            return Err("an empty glob matches nothing".into());
        }
        let normalised = text
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        let build = |p: &str| {
            globset::GlobBuilder::new(p)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("invalid glob `{text}`: {}", e.kind()))
        };
        if normalised.contains('/') {
            return Ok(Self {
                matcher: build(normalised)?,
                segment: None,
            });
        }
        // As in .gitignore: a name matches the file, or any directory above it.
        Ok(Self {
            matcher: build(&format!("**/{normalised}"))?,
            segment: Some(build(&format!("**/{normalised}/**"))?),
        })
    }

    /// Whether `path` (relative, `/`-separated) matches.
    pub fn matches(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        self.matcher.is_match(path) || self.segment.as_ref().is_some_and(|s| s.is_match(path))
    }
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
