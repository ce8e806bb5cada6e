//! Where each field of a task definition or service is in its file: JSON pointers in ECS API
//! (camelCase) shape are resolved against the document, whatever the input's own naming, falling
//! back to the nearest ancestor present when a field is absent.

use super::source::Pos;
use super::tree::{Node, NodeKind};

/// How an input names the ECS API fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// ECS API JSON: `taskRoleArn`.
    Camel,
    /// CloudFormation: `TaskRoleArn`.
    Pascal,
    /// Terraform: `task_role_arn`; single nested blocks are one-element lists.
    Terraform,
}

/// Terraform blocks that the ECS API has as one object, not a list.
const TERRAFORM_SINGLE_BLOCKS: [&str; 4] = [
    "runtime_platform",
    "ephemeral_storage",
    "proxy_configuration",
    "deployment_circuit_breaker",
];

impl Naming {
    /// The input's key for an ECS API field name.
    pub fn key(self, camel: &str) -> String {
        match self {
            Naming::Camel => camel.to_string(),
            Naming::Pascal => {
                let mut chars = camel.chars();
                match chars.next() {
                    Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            Naming::Terraform => {
                if camel == "serviceName" {
                    return "name".into();
                }
                let mut out = String::with_capacity(camel.len() + 4);
                for c in camel.chars() {
                    if c.is_ascii_uppercase() {
                        out.push('_');
                        out.push(c.to_ascii_lowercase());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }

    /// The ECS API field name for an input key.
    pub fn to_camel(self, key: &str) -> String {
        match self {
            Naming::Camel => key.to_string(),
            Naming::Pascal => {
                let mut chars = key.chars();
                match chars.next() {
                    Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => String::new(),
                }
            }
            Naming::Terraform => {
                let mut out = String::with_capacity(key.len());
                let mut upper = false;
                for c in key.chars() {
                    if c == '_' {
                        upper = true;
                    } else if upper {
                        out.push(c.to_ascii_uppercase());
                        upper = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

/// One step from a document's root to a resource's properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Finds positions of ECS-shaped JSON pointers in one resource of a document, on demand: the
/// resource is at `path` from the document root, and its keys follow `naming`. Nothing is
/// recorded up front, so a file without findings costs no position work.
#[derive(Debug, Clone)]
pub struct Locator {
    /// The resource's own position (logical id, address or object).
    pub root: Pos,
    pub path: Vec<Seg>,
    pub naming: Naming,
    /// The resource's properties as linted, when they differ from the document's (conditions
    /// resolved); their nodes keep the document's positions.
    pub resolved: Option<std::sync::Arc<Node>>,
}

impl Locator {
    pub fn new(root: Pos, path: Vec<Seg>, naming: Naming) -> Self {
        Self {
            root,
            path,
            naming,
            resolved: None,
        }
    }

    fn properties<'a>(&'a self, doc: &'a Node) -> Option<&'a Node> {
        if let Some(resolved) = &self.resolved {
            return Some(resolved);
        }
        let mut node = doc;
        for seg in &self.path {
            node = match seg {
                Seg::Key(k) => node.get(k)?,
                Seg::Index(i) => node.items().get(*i)?,
            };
        }
        Some(node)
    }

    fn is_key(&self, key: &str, camel: &str) -> bool {
        match self.naming {
            Naming::Camel => key == camel,
            Naming::Pascal => {
                let (mut k, mut c) = (key.chars(), camel.chars());
                match (k.next(), c.next()) {
                    (Some(a), Some(b)) => a.to_ascii_lowercase() == b && k.as_str() == c.as_str(),
                    (None, None) => true,
                    _ => false,
                }
            }
            Naming::Terraform => self.naming.to_camel(key) == camel,
        }
    }

    /// The position of `pointer` in `doc`, or of its nearest ancestor present in the file, or
    /// of the resource itself.
    pub fn lookup(&self, doc: &Node, pointer: &str) -> Pos {
        let Some(mut node) = self.properties(doc) else {
            return self.root;
        };
        let mut pos = self.root;
        for raw in pointer.split('/').skip(1) {
            let seg = unescape(raw);
            match &node.kind {
                NodeKind::Map(entries) => {
                    let Some(e) = entries.iter().rev().find(|e| self.is_key(&e.key, &seg)) else {
                        break;
                    };
                    pos = e.key_pos;
                    node = &e.value;
                    if self.naming == Naming::Terraform
                        && TERRAFORM_SINGLE_BLOCKS.contains(&e.key.as_str())
                        && node.items().len() == 1
                    {
                        node = &node.items()[0];
                    }
                }
                NodeKind::Seq(items) => {
                    let Some(item) = seg.parse::<usize>().ok().and_then(|i| items.get(i)) else {
                        break;
                    };
                    pos = item.pos;
                    node = item;
                }
                _ => break,
            }
        }
        pos
    }
}

/// Where a pointer leads in the source: the entry it names, or the map in which the rest of its
/// keys would go (for `lint --fix`).
#[derive(Debug)]
pub enum Target<'a> {
    Found(&'a super::tree::Entry),
    /// `keys` (in the input's naming) are missing from `parent`, the deepest map present.
    Missing {
        parent: &'a Node,
        keys: Vec<String>,
    },
}

impl Locator {
    /// The target of `pointer` in the document; `None` when the path runs through a list
    /// item that is absent or through a value that is not a map.
    pub fn target<'a>(&'a self, doc: &'a Node, pointer: &str) -> Option<Target<'a>> {
        let mut node = self.properties(doc)?;
        let segs: Vec<_> = pointer.split('/').skip(1).map(unescape).collect();
        let mut found: Option<&super::tree::Entry> = None;
        for (i, seg) in segs.iter().enumerate() {
            match &node.kind {
                NodeKind::Map(entries) => {
                    let Some(e) = entries.iter().rev().find(|e| self.is_key(&e.key, seg)) else {
                        if segs[i..].iter().any(|s| s.parse::<usize>().is_ok()) {
                            return None;
                        }
                        let keys = segs[i..].iter().map(|s| self.naming.key(s)).collect();
                        return Some(Target::Missing { parent: node, keys });
                    };
                    found = Some(e);
                    node = &e.value;
                }
                NodeKind::Seq(items) => {
                    node = items.get(seg.parse::<usize>().ok()?)?;
                    found = None;
                }
                _ => return None,
            }
        }
        found.map(Target::Found)
    }
}

fn unescape(segment: &str) -> std::borrow::Cow<'_, str> {
    if segment.contains('~') {
        segment.replace("~1", "/").replace("~0", "~").into()
    } else {
        segment.into()
    }
}

/// Escapes one JSON pointer segment.
pub fn escape(segment: &str) -> String {
    if segment.contains(['~', '/']) {
        segment.replace('~', "~0").replace('/', "~1")
    } else {
        segment.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::json;

    #[test]
    fn naming_round_trips() {
        for (n, key, camel) in [
            (
                Naming::Pascal,
                "ReadonlyRootFilesystem",
                "readonlyRootFilesystem",
            ),
            (Naming::Terraform, "task_role_arn", "taskRoleArn"),
            (
                Naming::Terraform,
                "enable_execute_command",
                "enableExecuteCommand",
            ),
            (Naming::Camel, "pidMode", "pidMode"),
        ] {
            assert_eq!(n.to_camel(key), camel);
            assert_eq!(n.key(camel), key);
        }
        assert_eq!(Naming::Terraform.key("serviceName"), "name");
    }

    #[test]
    fn lookup_falls_back_to_ancestors() {
        let t = "{\"Resources\": {\"T\": {\"Properties\": {\n \"ContainerDefinitions\": [\n  {\"Name\": \"app\"}\n ],\n \"RuntimePlatform\": {\"OperatingSystemFamily\": \"LINUX\"}\n}}}}";
        let doc = json::parse(t).unwrap();
        let path = vec![
            Seg::Key("Resources".into()),
            Seg::Key("T".into()),
            Seg::Key("Properties".into()),
        ];
        let loc = Locator::new(Pos::new(9, 9), path, Naming::Pascal);
        assert_eq!(
            loc.lookup(&doc, "/containerDefinitions/0/name"),
            Pos::new(3, 4)
        );
        assert_eq!(
            loc.lookup(&doc, "/containerDefinitions/0/readonlyRootFilesystem"),
            Pos::new(3, 3)
        );
        assert_eq!(
            loc.lookup(&doc, "/containerDefinitions/7/x"),
            Pos::new(2, 2)
        );
        assert_eq!(loc.lookup(&doc, "/taskRoleArn"), Pos::new(9, 9));
        assert_eq!(
            loc.lookup(&doc, "/runtimePlatform/operatingSystemFamily"),
            Pos::new(5, 22)
        );
        let gone = Locator::new(
            Pos::new(7, 7),
            vec![Seg::Key("Nope".into())],
            Naming::Pascal,
        );
        assert_eq!(gone.lookup(&doc, "/containerDefinitions"), Pos::new(7, 7));
    }

    #[test]
    fn terraform_single_blocks_collapse() {
        let t = "{\"runtime_platform\": [{\"operating_system_family\": \"WINDOWS_SERVER_2022_CORE\"}], \"a/b\": 1}";
        let doc = json::parse(t).unwrap();
        let loc = Locator::new(Pos::START, Vec::new(), Naming::Terraform);
        assert_eq!(
            loc.lookup(&doc, "/runtimePlatform/operatingSystemFamily"),
            Pos::new(1, 24)
        );
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        let plain = Locator::new(Pos::START, Vec::new(), Naming::Camel);
        assert_eq!(plain.lookup(&doc, "/a~1b"), Pos::new(1, 81));
    }
}
