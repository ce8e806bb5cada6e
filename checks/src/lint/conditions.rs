//! CloudFormation conditions in a resource's properties: `Fn::If` takes one branch or the other
//! at deploy time, and `Ref: AWS::NoValue` removes the property (or list item) it stands for.
//! A resource is linted once per combination of the conditions it uses, each combination
//! resolved to plain values; a finding that appears only under some combinations says which.
//! Only the first [`MAX_CONDITIONS`] conditions are enumerated (at most 16 combinations, so
//! memory and time stay bounded); further ones stay unresolved, as any intrinsic does.

use super::report::{LintFinding, UnitReport};
use super::tree::{Entry, Node, NodeKind};

/// Conditions enumerated per resource; later ones stay unresolved.
pub const MAX_CONDITIONS: usize = 4;

/// A value for each enumerated condition, in the order they first appear.
pub type Assignment = Vec<(String, bool)>;

/// The names of the conditions `Fn::If` uses under `node`, in order of first appearance.
pub fn conditions_in(node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    collect(node, &mut out);
    out
}

fn collect(node: &Node, out: &mut Vec<String>) {
    if let Some((name, then, otherwise)) = as_if(node) {
        if !out.iter().any(|c| c == name) {
            out.push(name.to_string());
        }
        collect(then, out);
        collect(otherwise, out);
        return;
    }
    match &node.kind {
        NodeKind::Seq(items) => items.iter().for_each(|i| collect(i, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|e| collect(&e.value, out)),
        NodeKind::Tagged { value, .. } => collect(value, out),
        _ => {}
    }
}

/// Every combination of the first [`MAX_CONDITIONS`] of `conditions`; one empty assignment
/// when there are none.
pub fn assignments(conditions: &[String]) -> Vec<Assignment> {
    let names = &conditions[..conditions.len().min(MAX_CONDITIONS)];
    (0..1u32 << names.len())
        .map(|bits| {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), bits & (1 << i) == 0))
                .collect()
        })
        .collect()
}

/// `node` with every `Fn::If` on an assigned condition replaced by its branch and every
/// `AWS::NoValue` removed; `None` when `node` itself is removed.
pub fn resolve(node: &Node, assignment: &Assignment) -> Option<Node> {
    if is_no_value(node) {
        return None;
    }
    if let Some((name, then, otherwise)) = as_if(node)
        && let Some((_, value)) = assignment.iter().find(|(n, _)| n == name)
    {
        return resolve(if *value { then } else { otherwise }, assignment);
    }
    let kind = match &node.kind {
        NodeKind::Seq(items) => NodeKind::Seq(
            items
                .iter()
                .filter_map(|i| resolve(i, assignment))
                .collect(),
        ),
        NodeKind::Map(entries) => NodeKind::Map(
            entries
                .iter()
                .filter_map(|e| {
                    Some(Entry {
                        key: e.key.clone(),
                        key_pos: e.key_pos,
                        value: resolve(&e.value, assignment)?,
                    })
                })
                .collect(),
        ),
        NodeKind::Tagged { tag, value } => NodeKind::Tagged {
            tag: tag.clone(),
            // An intrinsic's argument is never removed: keep it as written.
            value: Box::new(resolve(value, assignment).unwrap_or_else(|| (**value).clone())),
        },
        other => other.clone(),
    };
    Some(Node::new(node.pos, kind))
}

/// `Fn::If [Condition, Then, Else]` in either form: its three parts.
fn as_if(node: &Node) -> Option<(&str, &Node, &Node)> {
    let args = match &node.kind {
        NodeKind::Tagged { tag, value } if tag == "If" => value,
        NodeKind::Map(entries) if entries.len() == 1 && entries[0].key == "Fn::If" => {
            &entries[0].value
        }
        _ => return None,
    };
    match args.items() {
        [name, then, otherwise] => Some((name.as_str()?, then, otherwise)),
        _ => None,
    }
}

/// `Ref: AWS::NoValue` in either form.
fn is_no_value(node: &Node) -> bool {
    let target = match &node.kind {
        NodeKind::Tagged { tag, value } if tag == "Ref" => value.as_str(),
        NodeKind::Map(entries) if entries.len() == 1 && entries[0].key == "Ref" => {
            entries[0].value.as_str()
        }
        _ => None,
    };
    target == Some("AWS::NoValue")
}

/// How to say under which conditions something appears, given the assignments it appears
/// in out of all of them: `None` when it appears in every one.
pub fn describe(present: &[&Assignment], all: &[Assignment]) -> Option<String> {
    if present.len() == all.len() || present.is_empty() {
        return None;
    }
    // The conditions whose value is the same wherever it appears, and that decide it: with
    // those values fixed, every combination has it.
    let first = present[0];
    let fixed: Vec<&(String, bool)> = first
        .iter()
        .filter(|(name, value)| {
            present
                .iter()
                .all(|a| a.iter().any(|(n, v)| n == name && v == value))
        })
        .collect();
    let matching = all
        .iter()
        .filter(|a| fixed.iter().all(|f| a.contains(f)))
        .count();
    if !fixed.is_empty() && matching == present.len() {
        let parts: Vec<String> = fixed
            .iter()
            .map(|(name, value)| format!("`{name}` is {value}"))
            .collect();
        return Some(format!("when condition {}", parts.join(" and ")));
    }
    Some(format!(
        "in {} of the {} combinations of conditions {}",
        present.len(),
        all.len(),
        first
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// One report for a resource linted once per assignment (`variants[i]` under `all[i]`): each
/// distinct finding once, saying under which conditions it appears; a check's status is
/// recomputed from the merged findings, else taken from the first variant.
pub fn merge(mut variants: Vec<UnitReport>, all: &[Assignment]) -> UnitReport {
    if variants.len() <= 1 {
        return variants.pop().expect("at least one variant");
    }
    let mut merged = variants[0].clone();
    for (c, check) in merged.checks.iter_mut().enumerate() {
        let mut seen: Vec<(LintFinding, Vec<&Assignment>)> = Vec::new();
        for (variant, assignment) in variants.iter().zip(all) {
            let Some(other) = variant.checks.get(c) else {
                continue;
            };
            for f in &other.findings {
                match seen.iter_mut().find(|(g, _)| same(g, f)) {
                    Some((_, present)) => present.push(assignment),
                    None => seen.push((f.clone(), vec![assignment])),
                }
            }
            if check.findings.is_empty() && other.status == crate::report::Status::Unknown {
                check.status = other.status;
                check.message = other.message.clone();
            }
        }
        check.findings = seen
            .into_iter()
            .map(|(mut f, present)| {
                if let Some(when) = describe(&present, all) {
                    f.message = format!("{} ({when})", f.message);
                    f.condition = Some(when);
                }
                f
            })
            .collect();
        check.restatus();
    }
    merged
}

fn same(a: &LintFinding, b: &LintFinding) -> bool {
    a.severity == b.severity
        && a.message == b.message
        && a.line == b.line
        && a.column == b.column
        && a.pointer == b.pointer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::yaml;

    #[test]
    fn resolves_branches_and_removes_no_value() {
        let t = "EnvironmentFiles:\n  - !If [UseFile, {Value: arn:aws:s3:::b/e.env, Type: s3}, !Ref AWS::NoValue]\nPidMode: {\"Fn::If\": [Shared, task, {\"Ref\": \"AWS::NoValue\"}]}\nImage: !Sub '${Repo}:latest'\n";
        let root = yaml::parse(t).unwrap();
        assert_eq!(conditions_in(&root), vec!["UseFile", "Shared"]);
        let all = assignments(&conditions_in(&root));
        assert_eq!(all.len(), 4);
        let on = resolve(&root, &all[0]).unwrap();
        assert_eq!(on.get("EnvironmentFiles").unwrap().items().len(), 1);
        assert_eq!(on.get("PidMode").unwrap().as_str(), Some("task"));
        assert!(matches!(
            on.get("Image").unwrap().kind,
            NodeKind::Tagged { .. }
        ));
        let off = resolve(&root, &all[3]).unwrap();
        assert!(off.get("EnvironmentFiles").unwrap().items().is_empty());
        assert!(off.get("PidMode").is_none());
        // positions are those of the source
        assert_eq!(on.get("EnvironmentFiles").unwrap().items()[0].pos.line, 2);
    }

    #[test]
    fn only_the_first_conditions_are_enumerated() {
        let names: Vec<String> = (0..7).map(|i| format!("C{i}")).collect();
        assert_eq!(assignments(&names).len(), 1 << MAX_CONDITIONS);
        assert_eq!(assignments(&[]), vec![Vec::new()]);
    }

    #[test]
    fn describes_where_a_finding_appears() {
        let all = assignments(&["A".into(), "B".into()]);
        let with_a: Vec<&Assignment> = all.iter().filter(|a| a[0].1).collect();
        assert_eq!(
            describe(&with_a, &all).as_deref(),
            Some("when condition `A` is true")
        );
        let one: Vec<&Assignment> = vec![&all[3]];
        assert_eq!(
            describe(&one, &all).as_deref(),
            Some("when condition `A` is false and `B` is false")
        );
        let every: Vec<&Assignment> = all.iter().collect();
        assert_eq!(describe(&every, &all), None);
        let diagonal: Vec<&Assignment> = vec![&all[0], &all[3]];
        assert_eq!(
            describe(&diagonal, &all).as_deref(),
            Some("in 2 of the 4 combinations of conditions `A`, `B`")
        );
    }
}
