//! Many IMs queued at once between two signed-on sessions on a server with AOL's rate classes
//! scaled down, as `tests/rate_pacing_margin.rs` and `benches/pacing.rs` run it.

use std::time::{Duration, Instant};

use flapjack::oscar::RateClass;
use flapjack::server::{Counters, RateClasses, Server};
use flapjack::session::{Command, Event};

use super::session::{server_config, sign_on, sn};

/// What one pacing run measured.
#[derive(Debug, Clone)]
pub struct Paced {
    /// How many IMs were queued.
    pub count: usize,
    /// The least time the rate classes allow from the first IM to the last, ms.
    pub floor_ms: u64,
    /// From queueing to the last acknowledgement.
    pub to_last_ack: Duration,
    /// From queueing to the recipient receiving the last IM.
    pub to_last_received: Duration,
    /// The texts the recipient got, in arrival order.
    pub received: Vec<String>,
    /// The texts sent, in queueing order.
    pub sent: Vec<String>,
    /// IMs acknowledged.
    pub acked: usize,
    /// IMs that failed, with why.
    pub failed: Vec<String>,
    /// Rate warnings the server sent (its counter).
    pub server_warnings: u64,
    /// Rate warnings the sender's session reported.
    pub client_warnings: usize,
}

impl Paced {
    /// Time over the floor, in percent of the floor (to the last acknowledgement).
    pub fn percent_over_floor(&self) -> f64 {
        let floor = self.floor_ms as f64;
        (self.to_last_ack.as_secs_f64() * 1e3 - floor) / floor * 100.0
    }
}

/// The IM class (id 3) of `classes`.
pub fn im_class(classes: &RateClasses) -> RateClass {
    *classes.classes.iter().find(|c| c.id == 3).expect("AOL's classes have an IM class")
}

/// Signs on two accounts on a server with `RateClasses::aol().scaled(scale)`, lets the IM class
/// rest, queues `count` IMs from one to the other in a single burst of commands, and waits (at
/// most `limit`) until every one is acknowledged and received.
pub async fn pace(scale: u32, count: usize, limit: Duration) -> Paced {
    let classes = RateClasses::aol().scaled(scale);
    let class = im_class(&classes);
    let floor_ms = class.floor_ms(count);
    let mut config = server_config();
    config.rate_classes = classes;
    let server = Server::start(config).await.expect("server starts");
    let mut alice = sign_on(&server, "Alice Ant", "alice-pw").await;
    let mut bob = sign_on(&server, "Bob Bee", "bob-pw").await;
    // A new connection's classes count as if a SNAC had just been sent; `max` ms later the IM
    // class is rested (its level full with the next gap), which is what the floor assumes.
    tokio::time::sleep(Duration::from_millis(u64::from(class.max) * 11 / 10 + 10)).await;
    let sent: Vec<String> = (0..count).map(|i| format!("message {i:04}")).collect();
    let start = Instant::now();
    for (id, text) in sent.iter().enumerate() {
        let command = Command::SendIm { id: id as u64, to: sn("Bob Bee"), text: text.clone() };
        alice.commands.send(command).expect("session alive");
    }
    let mut paced = Paced {
        count,
        floor_ms,
        to_last_ack: Duration::ZERO,
        to_last_received: Duration::ZERO,
        received: Vec::with_capacity(count),
        sent,
        acked: 0,
        failed: Vec::new(),
        server_warnings: 0,
        client_warnings: 0,
    };
    let deadline = tokio::time::Instant::now() + limit;
    while paced.acked + paced.failed.len() < count || paced.received.len() < count {
        tokio::select! {
            event = alice.events.recv() => match event {
                Some(Event::ImAcked { .. }) => {
                    paced.acked += 1;
                    paced.to_last_ack = start.elapsed();
                }
                Some(Event::ImFailed { id, reason }) => paced.failed.push(format!("{id}: {reason:?}")),
                Some(Event::RateWarning(_)) => paced.client_warnings += 1,
                Some(_) => {}
                None => break,
            },
            event = bob.events.recv() => match event {
                Some(Event::ImReceived(im)) => {
                    paced.received.push(im.text);
                    paced.to_last_received = start.elapsed();
                }
                Some(_) => {}
                None => break,
            },
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    paced.server_warnings = Counters::get(&server.state().counters.rate_warnings);
    let _ = alice.commands.send(Command::SignOff);
    let _ = bob.commands.send(Command::SignOff);
    server.shutdown().await;
    paced
}
