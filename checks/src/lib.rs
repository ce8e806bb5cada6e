//! The domain of `ecs-exec-doctor`, free of any AWS SDK: the fact model, the checks, their
//! registry, and evaluation. The binary crate fetches facts (live, recorded, or from files)
//! and renders reports; everything that decides pass or fail lives here.

pub mod arn;
pub mod carry_over;
pub mod catalog;
pub mod check;
pub mod docs;
pub mod facts;
pub mod fixes;
pub mod fleet;
pub mod gaps;
pub mod lint;
pub mod model;
pub mod outcome;
pub mod policy;
pub mod redact;
pub mod registry;
pub mod report;
pub mod runner;
pub mod simulation;
pub mod snapshot;
pub mod task_role;
pub mod version;

pub mod caller;
pub mod cluster;
pub mod containers;
pub mod local;
pub mod network;
pub mod roles;
pub mod task;

#[doc(hidden)]
pub mod testing;

pub use check::{Category, Check, CheckMeta, Severity};
pub use facts::{Diagnosis, Fact, FactError, FactErrorKind, FactKind, Mode, Subject};
pub use registry::CHECKS;
pub use report::{CheckResult, Report, Status};
