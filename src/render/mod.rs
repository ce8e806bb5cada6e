//! Renderers: pure functions from a report to text. Nothing is printed while checks run.

pub mod explain;
pub mod github;
pub mod json;
pub mod junit;
pub mod lint_json;
pub mod lint_markdown;
pub mod lint_text;
pub mod markdown;
pub mod sarif;
pub mod scan;
pub mod text;

use ecs_exec_doctor_checks::outcome::FixStep;

/// The lines of one fix step, without styling.
pub fn step_lines(step: &FixStep) -> Vec<String> {
    match step {
        FixStep::Command { command } => vec![format!("$ {command}")],
        FixStep::Policy {
            attach_to,
            document,
        } => {
            let mut lines = vec![format!("policy for {attach_to}:")];
            lines.extend(
                serde_json::to_string_pretty(document)
                    .expect("serialises")
                    .lines()
                    .map(|l| format!("  {l}")),
            );
            lines
        }
        FixStep::TaskDefinition {
            container,
            field,
            value,
        } => {
            let at = container
                .as_deref()
                .map(|c| format!("container `{c}`: "))
                .unwrap_or_default();
            vec![format!("set {at}{field} = {value}")]
        }
        FixStep::Note { text } => vec![text.clone()],
    }
}

/// Text from AWS, a recording or a linted file, made safe for a terminal: control characters
/// (escape sequences, carriage returns, backspaces, C1 controls) are shown as `\u{..}` instead
/// of being interpreted. A tab is harmless and kept.
pub fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    ecs_exec_doctor_checks::lint::excerpt::safe(text)
}

/// `value` with [`safe`] applied to every string in it (keys included), so that everything
/// derived from it (messages, evidence, fix commands) is safe to print.
pub fn sanitized<T: serde::Serialize + serde::de::DeserializeOwned>(value: T) -> T {
    sanitized_copy(&value).unwrap_or(value)
}

/// A copy of `value` with [`safe`] applied to every string in it, or `None` when nothing in it
/// needs escaping (then there is no copy to make).
pub fn sanitized_copy<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> Option<T> {
    fn walk(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => match safe(s) {
                std::borrow::Cow::Owned(clean) => {
                    *s = clean;
                    true
                }
                std::borrow::Cow::Borrowed(_) => false,
            },
            serde_json::Value::Array(items) => {
                items.iter_mut().fold(false, |changed, i| walk(i) | changed)
            }
            serde_json::Value::Object(map) => {
                let dirty: Vec<String> = map
                    .keys()
                    .filter(|k| matches!(safe(k), std::borrow::Cow::Owned(_)))
                    .cloned()
                    .collect();
                for key in &dirty {
                    if let Some(inner) = map.remove(key) {
                        map.insert(safe(key).into_owned(), inner);
                    }
                }
                map.values_mut()
                    .fold(!dirty.is_empty(), |changed, i| walk(i) | changed)
            }
            _ => false,
        }
    }
    let Ok(mut tree) = serde_json::to_value(value) else {
        return None;
    };
    if !walk(&mut tree) {
        return None; // the common case: nothing to escape, no round trip
    }
    serde_json::from_value(tree).ok()
}
