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
