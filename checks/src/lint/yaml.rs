//! YAML to [`Node`] with positions, from `saphyr-parser`'s event stream (markers give the line
//! and column of every node; local tags such as CloudFormation's `!Ref` are kept). The tree is
//! built without recursion; nesting deeper than [`MAX_DEPTH`] and runaway alias expansion stop
//! the parse with a diagnostic. Only the first document of a stream is kept.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::Problem;
use super::source::{MAX_DEPTH, Pos};
use super::tree::{Entry, Node, NodeKind};

/// Nodes that alias expansion may add to a document ("billion laughs" guard).
pub const MAX_ALIAS_NODES: usize = 100_000;

fn pos(span: &Span) -> Pos {
    Pos::new(span.start.line(), span.start.col() + 1)
}

enum Frame {
    Seq {
        pos: Pos,
        tag: Option<String>,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        pos: Pos,
        tag: Option<String>,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<(String, Pos)>,
    },
}

/// A local tag (`!Ref`) by name; core-schema and other tags are dropped.
fn local_tag(tag: Option<&Tag>) -> Option<String> {
    let tag = tag?;
    (tag.handle == "!" && !tag.suffix.is_empty()).then(|| tag.suffix.clone())
}

fn wrap(node: Node, tag: Option<String>) -> Node {
    match tag {
        Some(tag) => Node {
            pos: node.pos,
            kind: NodeKind::Tagged {
                tag,
                value: Box::new(node),
            },
        },
        None => node,
    }
}

/// The YAML 1.2 core-schema reading of a plain scalar.
fn plain(value: &str) -> NodeKind {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => NodeKind::Null,
        "true" | "True" | "TRUE" => NodeKind::Bool(true),
        "false" | "False" | "FALSE" => NodeKind::Bool(false),
        v if is_number(v) => NodeKind::Number(v.to_string()),
        v => NodeKind::String(v.to_string()),
    }
}

fn is_number(v: &str) -> bool {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && v.parse::<f64>().is_ok()
}

/// The booleans YAML 1.1 adds to `true` / `false` (<https://yaml.org/type/bool.html>: these
/// spellings exactly, so `yEs` stays a string), as `true` or `false`.
pub fn yaml11_bool(value: &str) -> Option<bool> {
    match value {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// How plain scalars are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// YAML 1.2's core schema: only `true` / `false` are booleans.
    Core,
    /// YAML 1.1's booleans too (`yes`, `off`, `Y` ...), for values (keys stay as written):
    /// how CloudFormation reads a template.
    Yaml11Booleans,
}

fn scalar(value: &str, style: ScalarStyle, tag: Option<&Tag>, schema: Schema) -> NodeKind {
    let plain = |v: &str| match (schema, yaml11_bool(v)) {
        (Schema::Yaml11Booleans, Some(b)) => NodeKind::Bool(b),
        _ => plain(v),
    };
    if let Some(t) = tag
        && t.is_yaml_core_schema()
    {
        return match t.suffix.as_str() {
            "str" => NodeKind::String(value.to_string()),
            "null" => NodeKind::Null,
            _ => plain(value),
        };
    }
    match style {
        ScalarStyle::Plain => plain(value),
        _ => NodeKind::String(value.to_string()),
    }
}

fn key_text(node: &Node) -> String {
    match &node.kind {
        NodeKind::Tagged { value, .. } => key_text(value),
        other => Node::new(node.pos, other.clone())
            .scalar_text()
            .unwrap_or_else(|| "?".into()),
    }
}

/// Parses the first document of a YAML stream (the rest is still checked for syntax errors).
pub fn parse(text: &str) -> Result<Node, Problem> {
    parse_with(text, Schema::Core)
}

/// How many closing brackets [`parse_with`] re-indents before it gives the error.
const MAX_LENIENT_FIXES: usize = 16;

/// [`parse`], reading plain scalars with `schema`. A flow collection closed at its key's
/// indentation or left of it (`Tags: [` ... `]` under the key), which PyYAML and CloudFormation
/// accept and a strict YAML parser refuses, is read as they read it: the closing line is taken
/// as indented like the line before it, and only that line's columns move.
pub fn parse_with(text: &str, schema: Schema) -> Result<Node, Problem> {
    let mut current = std::borrow::Cow::Borrowed(text);
    let mut first_error = None;
    for _ in 0..=MAX_LENIENT_FIXES {
        match parse_strict(&current, schema) {
            Ok(node) => return Ok(node),
            Err(problem) => {
                let again = problem
                    .message
                    .contains("indentation")
                    .then(|| reindent_closer(&current, problem.pos.line))
                    .flatten();
                let problem = first_error.get_or_insert(problem).clone();
                match again {
                    Some(fixed) => current = std::borrow::Cow::Owned(fixed),
                    None => return Err(problem),
                }
            }
        }
    }
    Err(first_error.expect("an error was seen"))
}

/// `text` with line `line` (1-based), when it is only a flow closer (`]`, `}`, with a comma
/// or a comment), indented like the previous non-blank line; `None` otherwise.
fn reindent_closer(text: &str, line: u32) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let index = usize::try_from(line).ok()?.checked_sub(1)?;
    let target = lines.get(index)?;
    let body = target.trim_start_matches(' ');
    if !(body.starts_with(']') || body.starts_with('}')) {
        return None;
    }
    let previous = lines[..index].iter().rev().find(|l| !l.trim().is_empty())?;
    let indent = previous.len() - previous.trim_start_matches(' ').len();
    let current = target.len() - body.len();
    if indent <= current {
        return None;
    }
    let mut out = String::with_capacity(text.len() + indent);
    for (i, l) in lines.iter().enumerate() {
        if i == index {
            out.push_str(&" ".repeat(indent));
            out.push_str(body);
        } else {
            out.push_str(l);
        }
    }
    Some(out)
}

fn parse_strict(text: &str, schema: Schema) -> Result<Node, Problem> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut alias_budget = MAX_ALIAS_NODES;
    let mut document: Option<Node> = None;
    let mut documents = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            Problem::new(
                format!("invalid YAML: {}", e.info()),
                Pos::new(e.marker().line(), e.marker().col() + 1),
            )
        })?;
        let here = pos(&span);
        let complete: Node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                continue;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
            Event::SequenceStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Problem::too_deep(here));
                }
                stack.push(Frame::Seq {
                    pos: here,
                    tag: local_tag(tag.as_deref()),
                    anchor,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Problem::too_deep(here));
                }
                stack.push(Frame::Map {
                    pos: here,
                    tag: local_tag(tag.as_deref()),
                    anchor,
                    entries: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Frame::Seq {
                        pos,
                        tag,
                        anchor,
                        items,
                    }) => (wrap(Node::new(pos, NodeKind::Seq(items)), tag), anchor),
                    Some(Frame::Map {
                        pos,
                        tag,
                        anchor,
                        entries,
                        ..
                    }) => (wrap(Node::new(pos, NodeKind::Map(entries)), tag), anchor),
                    None => return Err(Problem::new("invalid YAML: unbalanced collection", here)),
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Scalar(value, style, anchor, tag) => {
                let is_key = matches!(stack.last(), Some(Frame::Map { key: None, .. }));
                let schema = if is_key { Schema::Core } else { schema };
                let node = wrap(
                    Node::new(here, scalar(&value, style, tag.as_deref(), schema)),
                    local_tag(tag.as_deref()),
                );
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    return Err(Problem::new("invalid YAML: unknown alias", here));
                };
                let size = target.size();
                if size > alias_budget {
                    return Err(Problem::new(
                        format!(
                            "YAML aliases expand to more than {MAX_ALIAS_NODES} nodes; expand them by hand"
                        ),
                        here,
                    ));
                }
                alias_budget -= size;
                let mut node = target.clone();
                node.pos = here;
                node
            }
        };
        match stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(complete),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some((key_text(&complete), complete.pos)),
                Some((k, key_pos)) => entries.push(Entry {
                    key: k,
                    key_pos,
                    value: complete,
                }),
            },
            None => {
                if documents <= 1 && document.is_none() {
                    document = Some(complete);
                }
            }
        }
    }
    document.ok_or_else(|| Problem::new("the YAML file has no document", Pos::START))
}

/// An inline suppression comment: `# ecs-exec-doctor: ignore[TD001,TD003] reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressionComment {
    pub pos: Pos,
    pub codes: Vec<String>,
    pub reason: String,
}

pub const COMMENT_MARKER: &str = "ecs-exec-doctor:";

/// The suppression comments of a YAML text, by line. Malformed ones (no `ignore[...]`) are
/// returned as problems.
pub fn suppression_comments(text: &str) -> (Vec<SuppressionComment>, Vec<Problem>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let comment = &line[hash + 1..];
        let Some(at) = comment.find(COMMENT_MARKER) else {
            continue;
        };
        if !comment[..at].trim().is_empty() {
            continue;
        }
        let column = line[..hash + 1 + at].chars().count() + 1;
        let pos = Pos::new(i + 1, column);
        let rest = comment[at + COMMENT_MARKER.len()..].trim_start();
        let parsed = rest
            .strip_prefix("ignore[")
            .and_then(|r| r.split_once(']'))
            .map(|(codes, reason)| {
                (
                    codes
                        .split(',')
                        .map(|c| c.trim().to_string())
                        .filter(|c| !c.is_empty())
                        .collect::<Vec<_>>(),
                    reason
                        .trim()
                        .trim_start_matches([':', '-'])
                        .trim()
                        .to_string(),
                )
            });
        match parsed {
            Some((codes, reason)) if !codes.is_empty() => {
                found.push(SuppressionComment { pos, codes, reason })
            }
            _ => problems.push(Problem::new(
                "malformed suppression comment: write `# ecs-exec-doctor: ignore[CODE] reason`",
                pos,
            )),
        }
    }
    (found, problems)
}

/// The byte offset of the `#` that starts a comment on this line: at the start or after
/// whitespace, outside quotes (quotes spanning lines are not tracked).
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && (prev.is_whitespace() || "[{,:-".contains(prev)) => {
                quote = Some(c)
            }
            None if c == '#' && prev.is_whitespace() => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_positions_and_scalars() {
        let t = "Resources:\n  Role: !GetAtt [A, Arn]\n  N: 3\n  B: 'true'\n  C: yes\n  D: ~\n";
        let n = parse(t).unwrap();
        let res = n.get("Resources").unwrap();
        let role = res.entry("Role").unwrap();
        assert_eq!(role.key_pos, Pos::new(2, 3));
        let NodeKind::Tagged { tag, value } = &role.value.kind else {
            panic!("{:?}", role.value)
        };
        assert_eq!(tag, "GetAtt");
        assert_eq!(value.items().len(), 2);
        assert_eq!(res.get("N").unwrap().kind, NodeKind::Number("3".into()));
        assert_eq!(res.get("B").unwrap().kind, NodeKind::String("true".into()));
        assert_eq!(res.get("C").unwrap().kind, NodeKind::String("yes".into()));
        assert!(res.get("D").unwrap().is_null());
    }

    #[test]
    fn yaml11_booleans_are_values_only_when_asked_and_only_plain() {
        let t = "a: yes\nb: 'yes'\nc: Off\nd: yEs\nY: n\ne: !!bool on\nf: [on, \"off\"]\n";
        let core = parse(t).unwrap();
        assert_eq!(core.get("a").unwrap().kind, NodeKind::String("yes".into()));
        let old = parse_with(t, Schema::Yaml11Booleans).unwrap();
        let kind = |k: &str| old.get(k).unwrap().kind.clone();
        assert_eq!(kind("a"), NodeKind::Bool(true));
        assert_eq!(kind("b"), NodeKind::String("yes".into()), "quoted");
        assert_eq!(kind("c"), NodeKind::Bool(false));
        assert_eq!(
            kind("d"),
            NodeKind::String("yEs".into()),
            "not a 1.1 spelling"
        );
        // A key stays as written; its value is read.
        assert_eq!(kind("Y"), NodeKind::Bool(false));
        assert_eq!(kind("e"), NodeKind::Bool(true));
        let f = old.get("f").unwrap().items();
        assert_eq!(
            (f[0].kind.clone(), f[1].kind.clone()),
            (NodeKind::Bool(true), NodeKind::String("off".into()))
        );
    }

    #[test]
    fn errors_and_guards() {
        let e = parse("a: [1, 2\nb: c").unwrap_err();
        assert!(e.message.starts_with("invalid YAML"), "{e:?}");
        // A flow sequence closed left of its key, as PyYAML and CloudFormation accept.
        let lenient = "r:\n  p:\n    tags: [\n      {k: v}\n  ]\n    b: 1\n";
        assert!(parse_strict(lenient, Schema::Core).is_err());
        let root = parse(lenient).unwrap();
        let p = root.get("r").unwrap().get("p").unwrap();
        assert_eq!(p.get("tags").unwrap().items().len(), 1);
        assert_eq!(p.get("b").unwrap().pos, Pos::new(6, 8));
        let deep = "a: ".to_string() + &"[".repeat(200);
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nested more than"), "{e:?}");
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (name, prev) in ["b", "c", "d", "e", "f", "g"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f"])
        {
            laughs.push_str(&format!("{name}: &{name}\n"));
            for _ in 0..10 {
                laughs.push_str(&format!("  - *{prev}\n"));
            }
        }
        let e = parse(&laughs).unwrap_err();
        assert!(e.message.contains("aliases expand"), "{e:?}");
        assert!(parse("# only a comment\n").is_err());
    }

    #[test]
    fn first_document_only() {
        let n = parse("a: 1\n---\nb: 2\n").unwrap();
        assert!(n.get("a").is_some() && n.get("b").is_none());
    }

    #[test]
    fn suppression_comment_syntax() {
        let t = "a: 1 # ecs-exec-doctor: ignore[TD001, TD002] needed by the sidecar\n  # ecs-exec-doctor: ignore[TD003]\n# ecs-exec-doctor: ignore TD001\nb: '# ecs-exec-doctor: nope' # other\n";
        let (found, problems) = suppression_comments(t);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].codes, vec!["TD001", "TD002"]);
        assert_eq!(found[0].reason, "needed by the sidecar");
        assert_eq!(found[0].pos, Pos::new(1, 8));
        assert_eq!(found[1].reason, "");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].pos.line, 3);
    }
}
