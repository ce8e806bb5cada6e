//! Static evaluation of the Terraform expressions ECS settings are written with: literals,
//! lists and objects, `local.*`, `var.*` defaults, `path.module`, `jsonencode(...)`, and
//! `file(...)` / `templatefile(...)` of a JSON file of the module. Anything else (a resource
//! attribute, a conditional, a `for` expression, an interpolation) is unknown: a node tagged
//! [`TF_EXPRESSION`] with the expression's text, which the ECS reader treats as unresolved.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::Body;
use hcl_edit::template::{Element, Template};

use super::ecs::TF_EXPRESSION;
use super::hcl::{expression_text, label_text};
use super::json;
use super::source::{LineIndex, Pos};
use super::tree::{Entry, Node, NodeKind};
use super::{Files, Problem, Unread};

/// Stands for an interpolation inside a string while it is rendered; a string that still holds
/// it after rendering (or after parsing rendered JSON) is unknown.
const MARKER: &str = "__ecs_exec_doctor_unknown__";
/// How deep references (`local.a` to `local.b` ...) are followed.
const MAX_REFERENCES: usize = 32;
/// How many nodes one file may evaluate to, whatever its locals multiply to.
const MAX_NODES: usize = 200_000;

/// Where an expression comes from: its file's text, and for another file of the module the
/// position in this file that refers to it (every node it yields is placed there).
#[derive(Clone, Copy)]
struct Origin<'a> {
    source: &'a str,
    at: Option<Pos>,
}

/// A local or a variable default: its expression, the text it is in, and whether that is
/// another file of the module (its values are then placed where this file refers to them).
#[derive(Clone, Copy)]
struct Binding<'a> {
    expr: &'a Expression,
    source: &'a str,
    other_file: bool,
}

/// The module's locals and variable defaults, and how to read its files.
pub struct Env<'a> {
    source: &'a str,
    index: &'a LineIndex,
    files: &'a dyn Files,
    locals: HashMap<String, Binding<'a>>,
    defaults: HashMap<String, Binding<'a>>,
    /// Whether the module is a root (it configures a provider or a backend): only then are
    /// variable defaults the values; a child module's callers pass their own.
    root: bool,
    nodes: Cell<usize>,
    /// Files the reader refused to read (outside the linted directory, not a regular file),
    /// reported with this file.
    refused: RefCell<Vec<Problem>>,
}

impl<'a> Env<'a> {
    pub fn new(source: &'a str, index: &'a LineIndex, files: &'a dyn Files) -> Self {
        Self {
            source,
            index,
            files,
            locals: HashMap::new(),
            defaults: HashMap::new(),
            root: false,
            nodes: Cell::new(0),
            refused: RefCell::new(Vec::new()),
        }
    }

    /// The text this environment evaluates.
    pub fn source(&self) -> &'a str {
        self.source
    }

    /// The warnings about files that were not read, once each.
    pub fn take_problems(&self) -> Vec<Problem> {
        std::mem::take(&mut *self.refused.borrow_mut())
    }

    /// Takes the locals and variable defaults of this file's body.
    pub fn collect(&mut self, body: &'a Body) {
        self.collect_with(body, self.source, false);
    }

    /// Takes those of another file of the module (this file's own win).
    pub fn collect_from(&mut self, source: &'a str, body: &'a Body) {
        self.collect_with(body, source, true);
    }

    fn collect_with(&mut self, body: &'a Body, source: &'a str, other_file: bool) {
        let binding = |expr| Binding {
            expr,
            source,
            other_file,
        };
        for block in body.blocks() {
            match block.ident.as_str() {
                "provider" => self.root = true,
                "terraform"
                    if block.body.has_blocks("backend") || block.body.has_blocks("cloud") =>
                {
                    self.root = true;
                }
                "locals" => {
                    for a in block.body.attributes() {
                        self.locals
                            .entry(a.key.as_str().to_string())
                            .or_insert(binding(&a.value));
                    }
                }
                "variable" => {
                    let Some(name) = block.labels.first().map(label_text) else {
                        continue;
                    };
                    if let Some(default) = block.body.get_attribute("default") {
                        self.defaults.entry(name).or_insert(binding(&default.value));
                    }
                }
                _ => {}
            }
        }
    }

    /// The position in this file of a byte range of it.
    pub fn pos(&self, span: Option<std::ops::Range<usize>>) -> Pos {
        span.map_or(Pos::START, |r| self.index.pos(self.source, r.start))
    }

    /// An attribute's value in this file.
    pub fn eval(&self, expr: &Expression) -> Node {
        let mut node = self.eval_in(expr, self.here(), 0);
        mark_unknown(&mut node);
        node
    }

    fn here(&self) -> Origin<'a> {
        Origin {
            source: self.source,
            at: None,
        }
    }

    /// `container_definitions`: a list (from `jsonencode`), or a JSON string (a heredoc, a
    /// `file` or `templatefile`), parsed; unknown when either cannot be known.
    pub fn container_definitions(&self, expr: &Expression) -> Node {
        let mut value = self.eval_in(expr, self.here(), 0);
        let pos = value.pos;
        match &value.kind {
            NodeKind::String(text) => match parse_rendered(text) {
                Some(mut parsed) => {
                    place(&mut parsed, pos);
                    parsed
                }
                // Not JSON once rendered: left to the reader, which reports it.
                None if text.contains(MARKER) => unknown_node("a rendered template", pos),
                None => value,
            },
            _ => {
                mark_unknown(&mut value);
                value
            }
        }
    }

    fn eval_in(&self, expr: &Expression, origin: Origin<'_>, depth: usize) -> Node {
        let pos = origin.at.unwrap_or_else(|| self.pos(expr.span()));
        let count = self.nodes.get() + 1;
        self.nodes.set(count);
        if count > MAX_NODES || depth > MAX_REFERENCES {
            return unknown_node("an expression too large to evaluate", pos);
        }
        let unknown = || unknown_node(&expression_text(origin.source, expr), pos);
        match expr {
            Expression::Null(_) => Node::new(pos, NodeKind::Null),
            Expression::Bool(b) => Node::new(pos, NodeKind::Bool(*b.value())),
            Expression::Number(n) => Node::new(pos, NodeKind::Number(n.value().to_string())),
            Expression::String(s) => Node::new(pos, NodeKind::String(s.value().to_string())),
            Expression::Array(items) => Node::new(
                pos,
                NodeKind::Seq(
                    items
                        .iter()
                        .map(|e| self.eval_in(e, origin, depth + 1))
                        .collect(),
                ),
            ),
            Expression::Object(object) => {
                let mut entries: Vec<Entry> = Vec::new();
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                        ObjectKey::Expression(_) => return unknown(),
                    };
                    let value = self.eval_in(value.expr(), origin, depth + 1);
                    entries.retain(|e| e.key != key);
                    entries.push(Entry {
                        key,
                        key_pos: value.pos,
                        value,
                    });
                }
                Node::new(pos, NodeKind::Map(entries))
            }
            // A template that is one interpolation is that value, of its own type (HCL's
            // rule): `"${aws_iam_role.task.arn}"` is the reference, `"${var.on}"` a boolean.
            Expression::StringTemplate(t) => match t.iter().collect::<Vec<_>>().as_slice() {
                [Element::Interpolation(i)] => self.eval_in(&i.expr, origin, depth + 1),
                _ => self.render(t, origin, pos, depth),
            },
            Expression::HeredocTemplate(h) => {
                let mut h = (**h).clone();
                h.dedent();
                self.render(&h.template, origin, pos, depth)
            }
            Expression::Parenthesis(p) => self.eval_in(p.inner(), origin, depth + 1),
            Expression::Traversal(t) => {
                self.traverse(t, origin, pos, depth).unwrap_or_else(unknown)
            }
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                if !call.name.namespace.is_empty() {
                    return unknown();
                }
                let arg = |i: usize| call.args.get(i);
                match (name, arg(0)) {
                    ("jsonencode", Some(a)) => self.eval_in(a, origin, depth + 1),
                    ("file", Some(a)) => match self.read(a, origin, pos, depth) {
                        Some(text) => Node::new(pos, NodeKind::String(text)),
                        None => unknown(),
                    },
                    ("templatefile", Some(a)) => match self
                        .read(a, origin, pos, depth)
                        .and_then(|text| render_file_template(&text))
                    {
                        Some(rendered) => Node::new(pos, NodeKind::String(rendered)),
                        None => unknown(),
                    },
                    _ => unknown(),
                }
            }
            // `cond ? a : b` is known when both branches are the same value
            // (`var.prod ? true : true` after an edit); otherwise it depends on the condition.
            Expression::Conditional(c) => {
                let yes = self.eval_in(&c.true_expr, origin, depth + 1);
                let no = self.eval_in(&c.false_expr, origin, depth + 1);
                if same_value(&yes, &no) && !has_unknown(&yes) {
                    yes
                } else {
                    unknown()
                }
            }
            Expression::Variable(_)
            | Expression::UnaryOp(_)
            | Expression::BinaryOp(_)
            | Expression::ForExpr(_) => unknown(),
        }
    }

    /// `local.x`, `var.x` (its default), `path.module`, then attribute and index lookups into
    /// a known value.
    fn traverse(
        &self,
        t: &hcl_edit::expr::Traversal,
        origin: Origin<'_>,
        pos: Pos,
        depth: usize,
    ) -> Option<Node> {
        let Expression::Variable(root) = &t.expr else {
            return None;
        };
        let mut ops = t.operators.iter().map(|o| o.value());
        let TraversalOperator::GetAttr(first) = ops.next()? else {
            return None;
        };
        let (table, name) = match root.as_str() {
            "local" => (&self.locals, first.as_str()),
            "var" if self.root => (&self.defaults, first.as_str()),
            "path" if matches!(first.as_str(), "module" | "root" | "cwd") => {
                let mut node = Node::new(pos, NodeKind::String(".".into()));
                if ops.next().is_some() {
                    node = unknown_node("a path attribute", pos);
                }
                return Some(node);
            }
            _ => return None,
        };
        let binding = table.get(name)?;
        // A value from another file is placed where this file refers to it.
        let at = Origin {
            source: binding.source,
            at: origin.at.or(binding.other_file.then_some(pos)),
        };
        let mut node = self.eval_in(binding.expr, at, depth + 1);
        for op in ops {
            node = match op {
                TraversalOperator::GetAttr(key) => node.get(key.as_str())?.clone(),
                TraversalOperator::Index(Expression::Number(n)) => {
                    let i: usize = n.value().to_string().parse().ok()?;
                    node.items().get(i)?.clone()
                }
                TraversalOperator::Index(Expression::String(s)) => node.get(s.value())?.clone(),
                TraversalOperator::LegacyIndex(i) => {
                    node.items().get(usize::try_from(*i.value()).ok()?)?.clone()
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// The text of the file a `file()` / `templatefile()` argument names; `None` (the call is
    /// unknown) when the path is unknown, missing or refused. A path the reader refuses
    /// (outside the linted directory, not a regular file) is reported once, at `pos`.
    fn read(&self, arg: &Expression, origin: Origin<'_>, pos: Pos, depth: usize) -> Option<String> {
        let path = self.path(arg, origin, depth)?;
        match self.files.read(&path) {
            Ok(text) => Some(text),
            Err(Unread::Missing) => None,
            Err(Unread::Refused(reason)) => {
                let shown: String = path.chars().take(120).collect();
                let problem = Problem::warning(
                    format!("`{shown}` was not read ({reason}); the value it gives is unknown"),
                    pos,
                );
                let mut refused = self.refused.borrow_mut();
                if !refused.contains(&problem) {
                    refused.push(problem);
                }
                None
            }
        }
    }

    /// A path argument as a string, when known.
    fn path(&self, expr: &Expression, origin: Origin<'_>, depth: usize) -> Option<String> {
        match self.eval_in(expr, origin, depth + 1).kind {
            NodeKind::String(s) if !s.contains(MARKER) => Some(s),
            _ => None,
        }
    }

    /// A template as a string, each interpolation replaced by [`MARKER`] unless it is known;
    /// unknown when it has directives (`%{ if }`, `%{ for }`).
    fn render(&self, t: &Template, origin: Origin<'_>, pos: Pos, depth: usize) -> Node {
        let mut out = String::new();
        for element in t.iter() {
            match element {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => match self.eval_in(&i.expr, origin, depth + 1).kind {
                    NodeKind::String(s) => out.push_str(&s),
                    NodeKind::Number(n) => out.push_str(&n),
                    NodeKind::Bool(b) => out.push_str(if b { "true" } else { "false" }),
                    _ => out.push_str(MARKER),
                },
                Element::Directive(_) => return unknown_node("a template with directives", pos),
            }
        }
        Node::new(pos, NodeKind::String(out))
    }
}

/// An unknown value described by `text`.
pub fn unknown_node(text: &str, pos: Pos) -> Node {
    Node::new(
        pos,
        NodeKind::Tagged {
            tag: TF_EXPRESSION.into(),
            value: Box::new(Node::new(pos, NodeKind::String(text.to_string()))),
        },
    )
}

/// A JSON file that is a Terraform template (`${...}` placeholders, also unquoted ones), as
/// parsed with each interpolated value unknown; `None` when it has directives or does not
/// parse even so.
pub fn parse_json_template(text: &str) -> Option<Node> {
    parse_rendered(&render_file_template(text)?)
}

/// Rendered JSON (markers where interpolations were) parsed, each marked value unknown.
fn parse_rendered(rendered: &str) -> Option<Node> {
    let mut node = json::parse(&quote_markers(rendered)).ok()?;
    mark_unknown(&mut node);
    Some(node)
}

fn mark_unknown(node: &mut Node) {
    match &mut node.kind {
        NodeKind::String(s) if s.contains(MARKER) => {
            let text = format!("\"{}\"", s.replace(MARKER, "${…}"));
            *node = unknown_node(&text, node.pos);
        }
        NodeKind::Seq(items) => items.iter_mut().for_each(mark_unknown),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|e| mark_unknown(&mut e.value)),
        _ => {}
    }
}

/// A `templatefile` text with every `${...}` replaced by [`MARKER`] (`$${` is a literal
/// `${`); `None` when it has directives.
fn render_file_template(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['$', '%']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("$${") || tail.starts_with("%%{") {
            out.push_str(&tail[1..3]);
            rest = &tail[3..];
        } else if let Some(inner) = tail.strip_prefix("${") {
            let end = closing_brace(inner)?;
            out.push_str(MARKER);
            rest = &inner[end + 1..];
        } else if tail.starts_with("%{") {
            return None;
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Whether a scan is inside a `"…"` string, following backslash escapes.
#[derive(Default)]
struct Quotes {
    inside: bool,
    escaped: bool,
}

impl Quotes {
    /// Takes the next character; `true` when it belongs to a string, its quotes included.
    fn step(&mut self, c: char) -> bool {
        if self.inside {
            match (self.escaped, c) {
                (false, '\\') => self.escaped = true,
                (false, '"') => self.inside = false,
                _ => self.escaped = false,
            }
            true
        } else {
            self.inside = c == '"';
            self.inside
        }
    }
}

/// The offset of the `}` that closes an interpolation, past nested braces and strings.
fn closing_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quotes = Quotes::default();
    for (i, c) in text.char_indices() {
        if quotes.step(c) {
            continue;
        }
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Rendered JSON with each [`MARKER`] outside a string quoted (`"cpu": ${cpu}` becomes
/// `"cpu": "MARKER"`), so that it parses and the value is seen as unknown.
fn quote_markers(text: &str) -> String {
    if !text.contains(MARKER) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut quotes = Quotes::default();
    let mut i = 0;
    while i < text.len() {
        if !quotes.inside && text[i..].starts_with(MARKER) {
            out.push('"');
            out.push_str(MARKER);
            out.push('"');
            i += MARKER.len();
            continue;
        }
        let c = text[i..].chars().next().expect("in bounds");
        quotes.step(c);
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Whether two nodes are the same value, wherever they are.
fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Seq(x), NodeKind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(a, b)| a.key == b.key && same_value(&a.value, &b.value))
        }
        (x, y) => x == y,
    }
}

fn has_unknown(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Tagged { .. } => true,
        NodeKind::String(s) => s.contains(MARKER),
        NodeKind::Seq(items) => items.iter().any(has_unknown),
        NodeKind::Map(entries) => entries.iter().any(|e| has_unknown(&e.value)),
        _ => false,
    }
}

/// Places a node parsed from a string (or another file) at `pos`.
fn place(node: &mut Node, pos: Pos) {
    node.pos = pos;
    match &mut node.kind {
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| place(n, pos)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|e| {
            e.key_pos = pos;
            place(&mut e.value, pos);
        }),
        NodeKind::Tagged { value, .. } => place(value, pos),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_templates_mark_interpolations_and_refuse_directives() {
        assert_eq!(
            render_file_template("{\"image\": \"${image}\", \"cpu\": ${cpu}, \"lit\": \"$${x}\"}")
                .unwrap(),
            format!("{{\"image\": \"{MARKER}\", \"cpu\": {MARKER}, \"lit\": \"${{x}}\"}}")
        );
        assert_eq!(
            render_file_template("${a[\"}\"]} ok").unwrap(),
            format!("{MARKER} ok")
        );
        assert!(render_file_template("%{ if x }a%{ endif }").is_none());
        assert!(render_file_template("${unclosed").is_none());
        let quoted = quote_markers(&format!("{{\"cpu\": {MARKER}, \"s\": \"a{MARKER}\"}}"));
        assert_eq!(
            quoted,
            format!("{{\"cpu\": \"{MARKER}\", \"s\": \"a{MARKER}\"}}")
        );
    }
}
