//! The `--trace` sink: each sign-on step reported as it happens, already redacted.

use std::sync::{Arc, Mutex};

/// One traced step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLine {
    /// The endpoint or phase (`clientLogin`, `startOSCARSession`, …).
    pub step: String,
    /// What happened; never contains a secret (callers pass only redacted values).
    pub message: String,
}

impl std::fmt::Display for TraceLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.step, self.message)
    }
}

type Sink = Arc<dyn Fn(&TraceLine) + Send + Sync>;

/// Where the client reports its steps: nowhere (the default), a callback, or a buffer that
/// tests read back.
#[derive(Clone, Default)]
pub struct Trace {
    sink: Option<Sink>,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.sink.is_some() { "Trace(on)" } else { "Trace(off)" })
    }
}

impl Trace {
    /// A trace that discards everything, for normal sign-ons.
    pub fn off() -> Self {
        Self { sink: None }
    }

    /// A trace that calls `f` for each line, as `login --trace` does to print them.
    pub fn to_fn(f: impl Fn(&TraceLine) + Send + Sync + 'static) -> Self {
        Self { sink: Some(Arc::new(f)) }
    }

    /// A trace that collects lines into a shared buffer, so tests can inspect them.
    pub fn collect() -> (Self, Arc<Mutex<Vec<TraceLine>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        let trace = Self::to_fn(move |line| {
            if let Ok(mut lines) = sink.lock() {
                lines.push(line.clone());
            }
        });
        (trace, buf)
    }

    /// Whether anyone listens, so expensive diagnostics are only computed when traced.
    pub fn is_on(&self) -> bool {
        self.sink.is_some()
    }

    /// Reports one step; `message` must already be redacted.
    pub fn step(&self, step: impl std::fmt::Display, message: impl Into<String>) {
        if let Some(sink) = &self.sink {
            sink(&TraceLine { step: step.to_string(), message: message.into() });
        }
    }
}
