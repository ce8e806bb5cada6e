//! Renderers: pure functions from a report to text. Nothing is printed while checks run.

pub mod explain;
pub mod json;
pub mod markdown;
pub mod text;
