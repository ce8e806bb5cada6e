//! The whole pipeline on any bytes, then every excerpt as the text format shows it: never a
//! panic, every caret inside its excerpt.
#![no_main]

use ecs_exec_doctor_checks::lint;
use ecs_exec_doctor_checks::runner::Selection;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = lint::lint(data, &Selection::default());
    let excerpts = report
        .diagnostics
        .iter()
        .filter_map(|d| d.excerpt.as_ref())
        .chain(
            report
                .units
                .iter()
                .flat_map(|u| &u.checks)
                .flat_map(|c| &c.findings)
                .filter_map(|f| f.excerpt.as_ref()),
        );
    for e in excerpts {
        assert!(e.caret <= e.text.chars().count(), "{e:?}");
        let shown = e.shown(100);
        assert!(shown.line.chars().count() <= 100 + 6, "{shown:?}");
    }
});
