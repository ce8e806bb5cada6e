//! JSON to [`Node`] with positions, through `jsonc-parser`'s AST (byte ranges). Comments and
//! trailing commas are accepted, as in JSONC files editors write; other JSON5 extensions are
//! not.

use jsonc_parser::ast::{ObjectPropName, Value as Ast};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use super::Problem;
use super::source::{self, LineIndex, Pos};
use super::tree::{Entry, Node, NodeKind};

fn options() -> ParseOptions {
    ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: false,
        allow_trailing_commas: true,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Parses JSON text. Nesting deeper than [`source::MAX_DEPTH`] is refused before parsing.
pub fn parse(text: &str) -> Result<Node, Problem> {
    let index = LineIndex::new(text);
    if let Some(offset) = source::json_too_deep(text) {
        return Err(Problem::too_deep(index.pos(text, offset)));
    }
    let parsed = parse_to_ast(text, &CollectOptions::default(), &options()).map_err(|e| {
        Problem::new(
            format!("invalid JSON: {}", lower_first(&e.kind().to_string())),
            index.pos(text, e.range().start),
        )
    })?;
    let Some(value) = parsed.value else {
        return Err(Problem::new("invalid JSON: no value", Pos::START));
    };
    let conv = Converter {
        text,
        index: &index,
    };
    Ok(conv.node(&value))
}

struct Converter<'t> {
    text: &'t str,
    index: &'t LineIndex,
}

impl Converter<'_> {
    fn pos(&self, offset: usize) -> Pos {
        self.index.pos(self.text, offset)
    }

    fn node(&self, value: &Ast<'_>) -> Node {
        let pos = self.pos(value.start());
        let kind = match value {
            Ast::NullKeyword(_) => NodeKind::Null,
            Ast::BooleanLit(b) => NodeKind::Bool(b.value),
            Ast::NumberLit(n) => NodeKind::Number(n.value.to_string()),
            Ast::StringLit(s) => NodeKind::String(s.value.to_string()),
            Ast::Array(a) => NodeKind::Seq(a.elements.iter().map(|e| self.node(e)).collect()),
            Ast::Object(o) => NodeKind::Map(
                o.properties
                    .iter()
                    .map(|p| {
                        let (key, start) = match &p.name {
                            ObjectPropName::String(s) => (s.value.to_string(), s.range.start),
                            ObjectPropName::Word(w) => (w.value.to_string(), w.range.start),
                        };
                        Entry {
                            key,
                            key_pos: self.pos(start),
                            value: self.node(&p.value),
                        }
                    })
                    .collect(),
            ),
        };
        Node::new(pos, kind)
    }
}

pub(crate) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_and_values() {
        let t = "{\n  \"a\": [1, {\"b\": true}],\n  // note\n  \"c\": null,\n}";
        let n = parse(t).unwrap();
        assert_eq!(n.pos, Pos::new(1, 1));
        let a = n.entry("a").unwrap();
        assert_eq!(a.key_pos, Pos::new(2, 3));
        assert_eq!(a.value.pos, Pos::new(2, 8));
        let b = a.value.items()[1].entry("b").unwrap();
        assert_eq!(b.key_pos, Pos::new(2, 13));
        assert_eq!(b.value.kind, NodeKind::Bool(true));
        assert!(n.get("c").unwrap().is_null());
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("{\n  \"a\": 1\n  \"b\": 2\n}").unwrap_err();
        assert_eq!(e.pos, Pos::new(2, 9), "{e:?}");
        assert!(
            e.message.starts_with("invalid JSON: expected"),
            "{}",
            e.message
        );
        let e = parse("{\"a\": 'x'}").unwrap_err();
        assert!(e.message.contains("single-quoted"), "{}", e.message);
        let deep = "[".repeat(100_000);
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nested more than 128"), "{}", e.message);
    }
}
