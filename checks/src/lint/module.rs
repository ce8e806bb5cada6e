//! A Terraform module as `lint` reads it across its files: each `.tf` file with its evaluator,
//! the references between resources (`aws_iam_role.task.arn`), which resources exist for sure
//! (`count` and `for_each`), and the modules a resource is handed to.

use hcl_edit::structure::Body;

use super::ecs::TF_EXPRESSION;
use super::hcl_eval::Env;
use super::tree::{Node, NodeKind};

/// One module file: its evaluator, its body and whether it is the linted file.
pub struct ModuleFile<'a, 'b> {
    pub env: &'b Env<'a>,
    pub body: &'b Body,
    pub this_file: bool,
}

/// A `resource` or `data` block of the module with its attributes evaluated; `values.pos` is
/// the block's position in its own file.
pub struct Block {
    pub data: bool,
    pub ty: String,
    pub name: String,
    pub values: Node,
    /// Whether it is in the linted file (positions of other files are not this file's).
    pub this_file: bool,
}

/// The module's `resource` and `data` blocks whose type `wanted` keeps (only those are
/// evaluated), across all its files.
pub fn blocks(files: &[ModuleFile<'_, '_>], wanted: &dyn Fn(bool, &str) -> bool) -> Vec<Block> {
    let mut out = Vec::new();
    for f in files {
        for block in f.body.blocks() {
            let data = match block.ident.as_str() {
                "resource" => false,
                "data" => true,
                _ => continue,
            };
            let [ty, name] = block.labels.as_slice() else {
                continue;
            };
            let ty = super::hcl::label_text(ty);
            if !wanted(data, &ty) {
                continue;
            }
            let mut values = super::hcl::block_values(f.env, &block.body, 0);
            values.pos = f.env.pos(hcl_edit::Span::span(block));
            out.push(Block {
                data,
                ty,
                name: super::hcl::label_text(name),
                values,
                this_file: f.this_file,
            });
        }
    }
    out
}

/// The text of an unknown value (`aws_iam_role.task.arn`), if it is one.
pub fn expression(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Tagged { tag, value } if tag == TF_EXPRESSION => value.as_str(),
        _ => None,
    }
}

/// `NAME` of a reference `TYPE.NAME.ATTR` (`aws_iam_role.task.arn`, `aws_iam_role.task[0].id`,
/// `"${aws_iam_role.task.name}"`), when the expression is exactly that.
pub fn referenced(text: &str, ty: &str) -> Option<String> {
    let text = text.trim().trim_matches('"');
    let text = text
        .strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    let rest = text.strip_prefix(ty)?.strip_prefix('.')?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    let after = &rest[name.len()..];
    let after = match after.strip_prefix('[') {
        Some(a) => a.split_once(']')?.1,
        None => after,
    };
    (!name.is_empty() && after.starts_with('.') && !after[1..].contains(['.', ' ', '(', '[']))
        .then_some(name)
}

/// Whether a resource with these attributes exists: `Some(true)` or `Some(false)` when its
/// `count` or `for_each` is known (none is one instance), `None` when it is known only at
/// apply time.
pub fn exists(values: &Node) -> Option<bool> {
    match ["count", "for_each"]
        .iter()
        .find_map(|k| values.get(k))
        .map(|n| &n.kind)
    {
        None => Some(true),
        Some(NodeKind::Number(c)) => Some(c.trim() != "0"),
        Some(NodeKind::Seq(items)) => Some(!items.is_empty()),
        Some(NodeKind::Map(entries)) => Some(!entries.is_empty()),
        Some(_) => None,
    }
}

/// The names of the modules of `files` that are given `TYPE.NAME` (any attribute of it) in an
/// argument: they may change it in ways the input does not show.
pub fn modules_given(files: &[ModuleFile<'_, '_>], ty: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        for block in f.body.blocks().filter(|b| b.ident.as_str() == "module") {
            let module = block
                .labels
                .first()
                .map(super::hcl::label_text)
                .unwrap_or_default();
            let given = block.body.attributes().any(|a| {
                let text = super::hcl::expression_text(f.env.source(), &a.value);
                text.contains(&format!("{ty}.{name}.")) || text.contains(&format!("{ty}.{name}["))
            });
            if given && !out.contains(&module) {
                out.push(module);
            }
        }
    }
    out
}
