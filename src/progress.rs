//! The progress indicator of a live `check`: a spinner on stderr with the tasks selected, in
//! a scan the clusters judged of those found, and the AWS calls made so far. It appears only
//! when the scan takes longer than a second and stderr is a terminal, never with `--quiet`,
//! so the report on stdout and any redirected output stay clean.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::aws::fetch::Progress;

/// How long a scan runs before the indicator appears.
const DELAY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(100);

/// The indicator's thread; dropping it (or [`Spinner::finish`]) clears the line.
pub struct Spinner {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Starts watching `progress`; shows nothing unless `wanted` and stderr is a terminal.
    pub fn start(progress: Arc<Progress>, wanted: bool) -> Spinner {
        if !wanted || !std::io::stderr().is_terminal() {
            return Spinner {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if stopped.recv_timeout(DELAY) != Err(mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
                .with_elapsed(DELAY);
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .expect("a valid template"),
            );
            loop {
                bar.set_message(message(&progress));
                bar.tick();
                if stopped.recv_timeout(TICK) != Err(mpsc::RecvTimeoutError::Timeout) {
                    break;
                }
            }
            bar.finish_and_clear();
        });
        Spinner {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Clears the indicator before anything else is printed.
    pub fn finish(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// `reading AWS: 1,000 tasks, 23 calls`; in a scan `reading AWS: 3/12 clusters, …`.
fn message(progress: &Progress) -> String {
    use ecs_exec_doctor_checks::fleet::thousands;
    let calls = progress.calls.load(Ordering::Relaxed) as usize;
    let tasks = progress.tasks.load(Ordering::Relaxed);
    let clusters = progress.clusters.load(Ordering::Relaxed);
    let mut parts = Vec::new();
    if clusters > 0 {
        parts.push(format!(
            "{}/{} cluster{}",
            thousands(progress.clusters_done.load(Ordering::Relaxed)),
            thousands(clusters),
            if clusters == 1 { "" } else { "s" }
        ));
    }
    if tasks > 0 {
        parts.push(format!(
            "{} task{}",
            thousands(tasks),
            if tasks == 1 { "" } else { "s" }
        ));
    }
    parts.push(format!(
        "{} call{}",
        thousands(calls),
        if calls == 1 { "" } else { "s" }
    ));
    format!("reading AWS: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_counts_tasks_and_calls() {
        let p = Progress::default();
        assert_eq!(message(&p), "reading AWS: 0 calls");
        p.calls.store(1, Ordering::Relaxed);
        assert_eq!(message(&p), "reading AWS: 1 call");
        p.tasks.store(1000, Ordering::Relaxed);
        p.calls.store(23, Ordering::Relaxed);
        assert_eq!(message(&p), "reading AWS: 1,000 tasks, 23 calls");
        p.clusters.store(12, Ordering::Relaxed);
        p.clusters_done.store(3, Ordering::Relaxed);
        assert_eq!(
            message(&p),
            "reading AWS: 3/12 clusters, 1,000 tasks, 23 calls"
        );
    }

    #[test]
    fn nothing_is_shown_off_a_terminal_or_when_not_wanted() {
        // Tests run with stderr captured: never a terminal, so no thread is started.
        let s = Spinner::start(Arc::default(), true);
        assert!(s.thread.is_none() || !std::io::stderr().is_terminal());
        let s = Spinner::start(Arc::default(), false);
        assert!(s.thread.is_none());
    }
}
