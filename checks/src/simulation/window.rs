//! Time-boxed grants: a decision that depends on `aws:CurrentTime` or `aws:EpochTime`, read
//! from the same request simulated at other times. An open window says when it closes; a
//! closed one says when it was open, and names the key.

use crate::model::{Decision, SimResult, TimeSample};

/// Within this many hours a closing window is worth a warning: a session opened now may be
/// cut off, and the next one refused.
const SOON_HOURS: i64 = 24;

/// What the time samples say about a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    /// Allowed now; not allowed at the first later sample (`closes_by`), `soon` when that is
    /// within a day.
    ClosesBy { key: String, at: String, soon: bool },
    /// Allowed now and at every later sample.
    StaysOpen { key: String, until: String },
    /// Not allowed now; allowed at an earlier sample (the latest such).
    Closed { key: String, was_open_at: String },
    /// Not allowed now; allowed at a later sample (the earliest such).
    NotYetOpen { key: String, opens_by: String },
    /// Not allowed now nor at any sample.
    Shut { key: String },
}

impl Window {
    pub fn key(&self) -> &str {
        match self {
            Window::ClosesBy { key, .. }
            | Window::StaysOpen { key, .. }
            | Window::Closed { key, .. }
            | Window::NotYetOpen { key, .. }
            | Window::Shut { key } => key,
        }
    }

    /// The window in words, for evidence.
    pub fn words(&self) -> String {
        match self {
            Window::ClosesBy { key, at, .. } => {
                format!("a time-boxed grant (a condition on {key}): allowed now, no longer at {at}")
            }
            Window::StaysOpen { key, until } => {
                format!(
                    "a time-boxed grant (a condition on {key}): allowed now and still at {until}"
                )
            }
            Window::Closed { key, was_open_at } => format!(
                "a time-boxed grant (a condition on {key}) whose window has closed: it allowed the request at {was_open_at}"
            ),
            Window::NotYetOpen { key, opens_by } => format!(
                "a time-boxed grant (a condition on {key}) whose window has not opened: it allows the request at {opens_by}"
            ),
            Window::Shut { key } => {
                format!(
                    "a condition on {key} is in play, but no time within 30 days of now allows the request"
                )
            }
        }
    }
}

/// The window of `result`, when its decision depends on the time.
pub fn window(result: &SimResult) -> Option<Window> {
    let time = result.time.as_ref()?;
    let key = time.keys.first()?.clone();
    let allowed = |s: &&&TimeSample| s.decision == Decision::Allowed;
    let mut past: Vec<&TimeSample> = time.samples.iter().filter(|s| s.offset_hours < 0).collect();
    past.sort_by_key(|s| s.offset_hours);
    let mut future: Vec<&TimeSample> = time.samples.iter().filter(|s| s.offset_hours > 0).collect();
    future.sort_by_key(|s| s.offset_hours);
    Some(if result.decision == Decision::Allowed {
        match future.iter().find(|s| !allowed(s)) {
            Some(s) => Window::ClosesBy {
                key,
                at: s.at.clone(),
                soon: s.offset_hours <= SOON_HOURS,
            },
            None => Window::StaysOpen {
                key,
                until: future.last().map(|s| s.at.clone()).unwrap_or_default(),
            },
        }
    } else if let Some(s) = past.iter().rev().find(allowed) {
        Window::Closed {
            key,
            was_open_at: s.at.clone(),
        }
    } else if let Some(s) = future.iter().find(allowed) {
        Window::NotYetOpen {
            key,
            opens_by: s.at.clone(),
        }
    } else {
        Window::Shut { key }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimeWindow;

    fn at(decision: Decision, samples: &[(i64, Decision)]) -> SimResult {
        SimResult {
            time: Some(TimeWindow {
                keys: vec!["aws:CurrentTime".into()],
                samples: samples
                    .iter()
                    .map(|(h, d)| TimeSample {
                        offset_hours: *h,
                        at: format!("T{h:+}h"),
                        decision: *d,
                    })
                    .collect(),
            }),
            ..SimResult::new("ecs:ExecuteCommand", "*", decision)
        }
    }

    use Decision::{Allowed as A, ImplicitDeny as D};

    #[test]
    fn an_open_window_says_when_it_closes() {
        let w = window(&at(A, &[(-24, A), (1, A), (24, D), (168, D)])).unwrap();
        assert_eq!(
            w,
            Window::ClosesBy {
                key: "aws:CurrentTime".into(),
                at: "T+24h".into(),
                soon: true
            }
        );
        let w = window(&at(A, &[(1, A), (24, A), (168, D)])).unwrap();
        assert!(matches!(w, Window::ClosesBy { soon: false, .. }));
        let w = window(&at(A, &[(1, A), (720, A)])).unwrap();
        assert_eq!(
            w,
            Window::StaysOpen {
                key: "aws:CurrentTime".into(),
                until: "T+720h".into()
            }
        );
    }

    #[test]
    fn a_closed_window_says_when_it_was_open() {
        let w = window(&at(D, &[(-720, A), (-168, A), (-24, D), (1, D)])).unwrap();
        assert_eq!(
            w,
            Window::Closed {
                key: "aws:CurrentTime".into(),
                was_open_at: "T-168h".into()
            }
        );
        let w = window(&at(D, &[(-24, D), (24, D), (168, A)])).unwrap();
        assert!(matches!(w, Window::NotYetOpen { ref opens_by, .. } if opens_by == "T+168h"));
        assert!(matches!(
            window(&at(D, &[(-24, D), (24, D)])).unwrap(),
            Window::Shut { .. }
        ));
    }

    #[test]
    fn no_time_no_window() {
        let mut r = at(A, &[]);
        r.time = None;
        assert_eq!(window(&r), None);
    }
}
