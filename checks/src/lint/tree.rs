//! The document tree both parsers produce: JSON and YAML values with the position of every
//! node and key. YAML tags (`!Ref`, `!GetAtt`, ...) are kept as [`NodeKind::Tagged`].

use super::source::Pos;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// The number as written.
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
    /// A node with a local YAML tag: `!Ref X` is `Tagged { tag: "Ref", .. }`.
    Tagged {
        tag: String,
        value: Box<Node>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

impl Node {
    pub fn new(pos: Pos, kind: NodeKind) -> Self {
        Self { pos, kind }
    }

    /// The member `key` of a mapping (the last one, if repeated: CloudFormation and the ECS
    /// API's JSON parser both keep the last).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().rev().find(|e| e.key == key)
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            NodeKind::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            NodeKind::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.kind, NodeKind::Seq(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// The number of nodes in this subtree (for alias-expansion budgets).
    pub fn size(&self) -> usize {
        1 + match &self.kind {
            NodeKind::Seq(items) => items.iter().map(Node::size).sum(),
            NodeKind::Map(entries) => entries.iter().map(|e| 1 + e.value.size()).sum(),
            NodeKind::Tagged { value, .. } => value.size(),
            _ => 0,
        }
    }

    /// A short rendering of a scalar, for messages.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Null => Some("null".into()),
            NodeKind::Bool(b) => Some(b.to_string()),
            NodeKind::Number(n) => Some(n.clone()),
            NodeKind::String(s) => Some(s.clone()),
            _ => None,
        }
    }
}
