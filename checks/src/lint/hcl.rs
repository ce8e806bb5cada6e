//! Terraform configuration (`.tf`): every `aws_ecs_task_definition` and `aws_ecs_service`
//! resource, read with `hcl-edit` (which keeps each expression's position) and evaluated
//! statically by [`super::hcl_eval`]. What cannot be known before `terraform plan` (a resource
//! attribute, a variable without a default, a conditional, a function other than the few that
//! build container definitions) is *unknown*, never a value, as with CloudFormation intrinsics
//! and `known after apply` in a plan. Findings point at the `.tf` line.
//!
//! The resource's attributes become the same shape a plan has (`values` of the resource, nested
//! blocks as lists of objects), so the plan reader's unit building is shared.

use std::collections::HashMap;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, BlockLabel, Body, Structure};

use super::hcl_eval::{Env, unknown_node};
use super::source::{LineIndex, MAX_DEPTH, Pos};
use super::spans::Seg;
use super::terraform::{self, SERVICE, TASK_DEFINITION};
use super::tree::{Entry, Node, NodeKind};
use super::{Files, LintUnit, Problem, iam};

/// Whether a text is Terraform HCL rather than JSON or YAML: a top-level block such as
/// `resource "aws_ecs_service" "web" {` or `locals {` starts a line.
pub fn looks_like_hcl(text: &str) -> bool {
    const BLOCKS: [&str; 8] = [
        "resource",
        "module",
        "variable",
        "locals",
        "provider",
        "terraform",
        "data",
        "output",
    ];
    text.lines().take(2000).any(|line| {
        let Some((word, rest)) = line.split_once([' ', '{']) else {
            return false;
        };
        BLOCKS.contains(&word)
            && (line.trim_end().ends_with('{') || rest.trim_start().starts_with('"'))
    })
}

/// A parse error as a problem at its position.
fn syntax_problem(e: &hcl_edit::parser::Error) -> Problem {
    let loc = e.location();
    Problem::new(
        format!("not valid Terraform HCL: {}", e.message()),
        Pos::new(loc.line(), loc.column()),
    )
}

/// The document and its units. The document is a map from each resource address to its
/// attributes, for positions.
pub fn units(text: &str, files: &dyn Files, problems: &mut Vec<Problem>) -> (Node, Vec<LintUnit>) {
    let body = match hcl_edit::parser::parse_body(text) {
        Ok(body) => body,
        Err(e) => {
            problems.push(syntax_problem(&e));
            return (Node::new(Pos::START, NodeKind::Null), Vec::new());
        }
    };
    // The module's other files: Terraform merges every `.tf` of a directory, and locals and
    // variables are often in their own file. Their errors are theirs, not this file's.
    let siblings: Vec<(String, Body)> = files
        .siblings()
        .into_iter()
        .filter_map(|t| {
            let b = hcl_edit::parser::parse_body(&t).ok()?;
            Some((t, b))
        })
        .collect();
    let index = LineIndex::new(text);
    let mut env = Env::new(text, &index, files);
    env.collect(&body);
    for (t, b) in &siblings {
        env.collect_from(t, b);
    }
    let mut doc = Vec::new();
    let mut units = Vec::new();
    for block in body.blocks() {
        let Some((ty, name)) = resource_labels(block) else {
            continue;
        };
        if ty != TASK_DEFINITION && ty != SERVICE {
            continue;
        }
        let address = format!("{ty}.{name}");
        let pos = env.pos(block.span());
        let values = block_values(&env, &block.body, 0);
        let path = vec![Seg::Key(address.clone())];
        units.push(terraform::unit(&address, &ty, pos, &values, path, problems));
        doc.push(Entry {
            key: address,
            key_pos: pos,
            value: values,
        });
    }
    // The module's roles, each file read with its own text for positions and the module's
    // locals and variables.
    let indexes: Vec<LineIndex> = siblings.iter().map(|(t, _)| LineIndex::new(t)).collect();
    let sibling_envs: Vec<Env> = siblings
        .iter()
        .zip(&indexes)
        .map(|((t, b), i)| {
            let mut e = Env::new(t, i, files);
            e.collect(b);
            e.collect_from(text, &body);
            for (other, ob) in &siblings {
                e.collect_from(other, ob);
            }
            e
        })
        .collect();
    let mut module = vec![super::module::ModuleFile {
        env: &env,
        body: &body,
        this_file: true,
    }];
    for ((_, b), e) in siblings.iter().zip(&sibling_envs) {
        module.push(super::module::ModuleFile {
            env: e,
            body: b,
            this_file: false,
        });
    }
    iam::attach(&iam::terraform::roles(&module), &mut units);
    super::groups::terraform::attach(&module, &doc, &mut units);
    super::clusters::attach_terraform(&module, &doc, &mut units);
    problems.extend(env.take_problems());
    (Node::new(Pos::START, NodeKind::Map(doc)), units)
}

fn resource_labels(block: &Block) -> Option<(String, String)> {
    if block.ident.as_str() != "resource" {
        return None;
    }
    match block.labels.as_slice() {
        [ty, name] => Some((label_text(ty), label_text(name))),
        _ => None,
    }
}

/// A block label as written, bare (`dynamic setting`) or quoted (`resource "aws_ecs_service"`).
pub fn label_text(label: &BlockLabel) -> String {
    match label {
        BlockLabel::Ident(i) => i.as_str().to_string(),
        BlockLabel::String(s) => s.value().to_string(),
    }
}

/// A block body as a plan's `values`: attributes evaluated, nested blocks as lists of objects
/// under their type (`capacity_provider_strategy = [{...}, {...}]`), `dynamic` blocks unknown.
pub(crate) fn block_values(env: &Env, body: &Body, depth: usize) -> Node {
    let pos = env.pos(body.span());
    let mut entries: Vec<Entry> = Vec::new();
    let mut blocks: HashMap<String, usize> = HashMap::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                let value = if a.key.as_str() == "container_definitions" {
                    env.container_definitions(&a.value)
                } else {
                    env.eval(&a.value)
                };
                let key_pos = env.pos(a.span());
                // The last of duplicate attributes wins, as in HCL.
                entries.retain(|e| e.key != a.key.as_str());
                entries.push(Entry {
                    key: a.key.as_str().to_string(),
                    key_pos,
                    value,
                });
            }
            Structure::Block(b) if depth < MAX_DEPTH => {
                let key_pos = env.pos(b.span());
                let (key, value) = if b.ident.as_str() == "dynamic" {
                    let name = b.labels.first().map(label_text).unwrap_or_default();
                    (name, unknown_node("a dynamic block", key_pos))
                } else {
                    (
                        b.ident.as_str().to_string(),
                        block_values(env, &b.body, depth + 1),
                    )
                };
                match blocks.get(&key) {
                    Some(&i) => {
                        if let NodeKind::Seq(items) = &mut entries[i].value.kind {
                            items.push(value);
                        }
                    }
                    None => {
                        blocks.insert(key.clone(), entries.len());
                        let list = match value.kind {
                            NodeKind::Tagged { .. } => value,
                            _ => Node::new(key_pos, NodeKind::Seq(vec![value])),
                        };
                        entries.push(Entry {
                            key,
                            key_pos,
                            value: list,
                        });
                    }
                }
            }
            Structure::Block(_) => {}
        }
    }
    Node::new(pos, NodeKind::Map(entries))
}

/// The expression's text, for describing an unknown value.
pub fn expression_text(source: &str, expr: &Expression) -> String {
    let text = expr
        .span()
        .and_then(|r| source.get(r))
        .unwrap_or("an expression");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 80 {
        format!("{}…", flat.chars().take(79).collect::<String>())
    } else {
        flat
    }
}
