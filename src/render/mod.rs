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

/// Text from AWS or a recording, made safe for a terminal: control characters (escape
/// sequences included) are shown as `\u{..}` instead of being interpreted.
pub fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}
