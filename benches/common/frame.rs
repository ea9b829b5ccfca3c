//! One TUI frame as the render and icon benches measure it: `app` drawn into a `TestBackend`
//! of its own size, the first frame drawn before measuring (so what a first frame prepares once,
//! icons encoded for the terminal among it, is not counted), the bench named `name`.

use std::hint::black_box;

use criterion::Criterion;
use flapjack::tui::{ui, App};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// Benchmarks drawing `app` at `width`×`height` under `name`.
pub fn bench_draw(c: &mut Criterion, name: &str, app: &App, width: u16, height: u16) {
    let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
        Ok(t) => t,
        Err(e) => panic!("terminal: {e}"),
    };
    if let Err(e) = terminal.draw(|f| ui::draw(f, app)) {
        panic!("first frame: {e}");
    }
    c.bench_function(name, |b| {
        b.iter(|| {
            let frame = terminal.draw(|f| ui::draw(f, black_box(app)));
            black_box(frame.is_ok())
        })
    });
}
