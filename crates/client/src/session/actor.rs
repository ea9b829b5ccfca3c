//! The tokio task that owns the connection: it moves frames between the socket and
//! [`SessionState`], commands from the front end into it, and time (its next deadline) into it.
//! It also runs sign-on and the reconnect loop. No protocol rule lives here.

use std::future::Future;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::codec::Framed;

use crate::oscar::FlapCodec;
use crate::screenname::ScreenName;

use super::api::{Command, DisconnectReason, Event, NetworkError, SignOnStep};
use super::bos_core::{self, ReadEnd};
use super::config::SessionConfig;
use super::login::{connect_bos, Authenticator, BoxedTransport, LoginFailure, ServiceTransport};
use super::room::ServiceKind;
use super::service_task::{self, Report, ServiceCmd, ServiceReport};
use super::state::{Close, ServiceOrder, SessionState, BART_KEY, DIRECTORY_KEY};
use crate::icon_cache::{IconCache, DEFAULT_MAX_BYTES};

/// What a caller of `connect` waits for: signed on (our display name) or why not.
pub type Ready = oneshot::Sender<Result<ScreenName, DisconnectReason>>;

/// Milliseconds since the actor started, the time base handed to [`SessionState`].
#[derive(Debug, Clone, Copy)]
struct Clock {
    base: Instant,
}

impl Clock {
    fn now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn instant(&self, ms: u64) -> Instant {
        self.base + Duration::from_millis(ms)
    }
}

/// Delivers events and resolves the `connect` future on the first sign-on or the end.
struct Sink {
    events: mpsc::UnboundedSender<Event>,
    ready: Option<Ready>,
}

impl Sink {
    fn emit(&mut self, event: Event) {
        if let Event::SignedOn { screen_name } = &event {
            if let Some(ready) = self.ready.take() {
                let _ = ready.send(Ok(screen_name.clone()));
            }
        }
        // A front end that dropped its receiver still gets signed off via the command channel.
        let _ = self.events.send(event);
    }

    fn drain(&mut self, state: &mut SessionState) -> super::state::Output {
        let mut out = state.take_output();
        for e in std::mem::take(&mut out.events) {
            self.emit(e);
        }
        out
    }
}

/// The actor's parts, kept separate so a pending future can borrow one while commands use
/// the others.
struct Actor {
    config: SessionConfig,
    state: SessionState,
    commands: mpsc::UnboundedReceiver<Command>,
    sink: Sink,
    clock: Clock,
    /// Running ChatNav and room connections by key (`""` for ChatNav), with their generation.
    services: std::collections::HashMap<String, (u64, mpsc::UnboundedSender<ServiceCmd>)>,
    reports: mpsc::UnboundedReceiver<Report>,
    reports_tx: mpsc::UnboundedSender<Report>,
    generation: u64,
    /// How service connections are made: like the current BOS connection.
    service_transport: ServiceTransport,
    /// The buddy-icon disk cache, when configured and usable.
    icon_cache: Option<IconCache>,
}

/// Runs a session to its end: sign on, serve, reconnect as the policy allows, then report
/// [`Event::Disconnected`].
pub async fn run(
    config: SessionConfig,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
    ready: Option<Ready>,
) {
    let state = SessionState::new(config.screen_name.clone())
        .with_idle_after(config.idle_after)
        .with_buddy_icons(config.buddy_icons);
    let icon_cache = config.icon_cache.as_ref().and_then(|dir| {
        IconCache::open(dir, DEFAULT_MAX_BYTES)
            .inspect_err(|e| tracing::warn!("no icon cache in {}: {e}", dir.display()))
            .ok()
    });
    let (reports_tx, reports) = mpsc::unbounded_channel();
    let mut actor = Actor {
        config,
        state,
        commands,
        sink: Sink { events, ready },
        clock: Clock { base: Instant::now() },
        services: std::collections::HashMap::new(),
        reports,
        reports_tx,
        generation: 0,
        service_transport: ServiceTransport::Plain,
        icon_cache,
    };
    let reason = actor.main_loop().await;
    actor.close_services();
    actor.state.connection_lost(false);
    actor.drain();
    if let Some(ready) = actor.sink.ready.take() {
        let _ = ready.send(Err(reason.clone()));
    }
    tracing::info!("session for {} ended: {reason:?}", actor.config.screen_name.as_str());
    actor.sink.emit(Event::Disconnected(reason));
}

/// Flushes and shuts our half down, then reads until the server closes its half (at most
/// [`LINGER`]): closing a socket with unread data makes the kernel answer with a reset, and a
/// reset makes the server's kernel throw away SNACs it had received but not yet read (the
/// buddy-list changes just before a sign-off, say). The caller waits for that only while
/// something written still awaits its answer; otherwise the reading goes on in the background
/// and the sign-off costs no round trip (`--send` returns right after the ack).
async fn close_gracefully(mut framed: Framed<BoxedTransport, FlapCodec>, wait: bool) {
    if !matches!(tokio::time::timeout(LINGER, framed.close()).await, Ok(Ok(()))) {
        return;
    }
    let linger = async move {
        let _ =
            tokio::time::timeout(LINGER, async { while let Some(Ok(_)) = framed.next().await {} })
                .await;
    };
    if wait {
        linger.await;
    } else {
        tokio::spawn(linger);
    }
}

/// How long a sign-off waits for the server to close its side.
const LINGER: Duration = Duration::from_secs(2);

/// What waiting for something (a login, a backoff) while serving commands ended with.
enum Waited<T> {
    Done(T),
    SignOff,
}

impl Actor {
    /// Drains the state's output: events to the front end, service orders carried out.
    fn drain(&mut self) -> super::state::Output {
        let mut out = self.sink.drain(&mut self.state);
        let mut orders = std::mem::take(&mut out.services);
        while !orders.is_empty() {
            for order in orders {
                self.apply(order);
            }
            let more = self.sink.drain(&mut self.state);
            out.frames.extend(more.frames);
            out.close = out.close.or(more.close);
            orders = more.services;
        }
        out
    }

    fn apply(&mut self, order: ServiceOrder) {
        match order {
            ServiceOrder::Open { kind, key, name, host, cookie } => {
                let (tx, rx) = mpsc::unbounded_channel();
                self.generation += 1;
                let chatnav = kind == ServiceKind::ChatNav;
                let bart = kind == ServiceKind::Bart;
                let directory = kind == ServiceKind::Directory;
                if let Some((_, old)) = self.services.insert(key.clone(), (self.generation, tx)) {
                    let _ = old.send(ServiceCmd::Leave);
                }
                let transport = self.service_transport.clone();
                let target = service_task::Target { kind, key, name, host, cookie, transport };
                tokio::spawn(service_task::run(
                    target,
                    self.generation,
                    rx,
                    self.reports_tx.clone(),
                ));
                if chatnav {
                    self.state.chatnav_opened();
                }
                if bart {
                    self.state.bart_opened(self.clock.now());
                }
                if directory {
                    self.state.directory_opened();
                }
            }
            ServiceOrder::LookUpIcon { id } => {
                let cached = self.icon_cache.as_ref().and_then(|c| c.get(&id.hash));
                self.state.icon_lookup(self.clock.now(), id, cached);
            }
            ServiceOrder::FetchIcons { name, ids } => {
                if let Some((_, tx)) = self.services.get(BART_KEY) {
                    let _ = tx.send(ServiceCmd::FetchIcons { name, ids });
                }
            }
            ServiceOrder::UploadIcon(data) => {
                if let Some((_, tx)) = self.services.get(BART_KEY) {
                    let _ = tx.send(ServiceCmd::UploadIcon(data));
                }
            }
            ServiceOrder::StoreIcon { hash, data } => {
                if let Some(cache) = &self.icon_cache {
                    if let Err(e) = cache.put(&hash, &data) {
                        tracing::info!("cannot cache an icon: {e}");
                    }
                }
            }
            ServiceOrder::SearchDirectory(query) => {
                if let Some((_, tx)) = self.services.get(DIRECTORY_KEY) {
                    let _ = tx.send(ServiceCmd::SearchDirectory(query));
                }
            }
            ServiceOrder::DirectoryKeywords => {
                if let Some((_, tx)) = self.services.get(DIRECTORY_KEY) {
                    let _ = tx.send(ServiceCmd::DirectoryKeywords);
                }
            }
            ServiceOrder::FindRoom { exchange, name } => {
                if let Some((_, tx)) = self.services.get("") {
                    let _ = tx.send(ServiceCmd::Find { exchange, name });
                }
            }
            ServiceOrder::Send { key, text } => {
                if let Some((_, tx)) = self.services.get(&key) {
                    let _ = tx.send(ServiceCmd::Send(text));
                }
            }
            ServiceOrder::Leave { key } => {
                if let Some((_, tx)) = self.services.remove(&key) {
                    let _ = tx.send(ServiceCmd::Leave);
                }
            }
        }
    }

    /// Closes every service connection (BOS went away; they go with it).
    fn close_services(&mut self) {
        for (_, (_, tx)) in self.services.drain() {
            let _ = tx.send(ServiceCmd::Leave);
        }
    }

    /// A service task's report, ignored when it comes from a connection already replaced.
    fn report(&mut self, (generation, key, report): Report) {
        if self.services.get(&key).is_none_or(|(g, _)| *g != generation) {
            return;
        }
        let now = self.clock.now();
        match report {
            ServiceReport::Events(events) => {
                for e in events {
                    if matches!(e, super::api::RoomEvent::Joined { .. }) {
                        self.state.room_joined(now, &key);
                    }
                    self.sink.emit(Event::Room(e));
                }
            }
            ServiceReport::RoomsFound(rooms) => self.state.rooms_found(now, rooms),
            ServiceReport::NotFound(name, code) => self.state.room_not_found(now, &name, code),
            ServiceReport::Icons(replies) => self.state.icons_received(replies),
            ServiceReport::Directory(answers) => self.state.directory_answered(answers),
            ServiceReport::Keywords(answers) => self.state.directory_keywords_answered(answers),
            ServiceReport::Uploads(results) => {
                for r in results {
                    self.state.icon_uploaded(now, r);
                }
            }
            ServiceReport::Closed { joined } => {
                self.services.remove(&key);
                if key == BART_KEY {
                    self.state.bart_closed();
                } else if key == DIRECTORY_KEY {
                    self.state.directory_closed();
                } else if key.is_empty() {
                    self.state.chatnav_closed();
                } else {
                    self.state.room_closed(now, &key, joined);
                }
            }
        }
    }

    /// Awaits `fut` while still accepting commands (IMs queue up, buddy changes wait); a
    /// sign-off (or the front end going away) abandons the wait.
    async fn wait<T>(&mut self, fut: impl Future<Output = T>) -> Waited<T> {
        let mut fut = std::pin::pin!(fut);
        loop {
            tokio::select! {
                v = &mut fut => return Waited::Done(v),
                cmd = self.commands.recv() => match cmd {
                    Some(Command::SignOff) | None => return Waited::SignOff,
                    Some(cmd) => {
                        self.state.handle_command(self.clock.now(), cmd);
                        self.drain();
                    }
                },
            }
        }
    }

    async fn main_loop(&mut self) -> DisconnectReason {
        let mut auth = Authenticator::new(self.config.clone());
        let mut attempt: u32 = 0;
        let mut ever_signed_on = false;
        loop {
            self.sink.emit(Event::SignOnProgress(SignOnStep::Authenticating));
            let ticket = self.wait(auth.ticket()).await;
            for first in auth.take_first_uses() {
                self.sink.emit(Event::CertificateTrusted(first));
            }
            let ticket = match ticket {
                Waited::SignOff => return DisconnectReason::SignedOff,
                Waited::Done(Ok(t)) => t,
                Waited::Done(Err(failure)) => {
                    match self.back_off(&failure, ever_signed_on, &mut attempt).await {
                        Some(end) => return end,
                        None => continue,
                    }
                }
            };
            self.sink.emit(Event::SignOnProgress(SignOnStep::ConnectingBos));
            let tls = self.config.tls.clone();
            let transport = match self.wait(connect_bos(&ticket, &tls)).await {
                Waited::SignOff => return DisconnectReason::SignedOff,
                Waited::Done(Ok((t, first))) => {
                    if let Some(first) = first {
                        self.sink.emit(Event::CertificateTrusted(first));
                    }
                    t
                }
                Waited::Done(Err(failure)) => {
                    match self.back_off(&failure, ever_signed_on, &mut attempt).await {
                        Some(end) => return end,
                        None => continue,
                    }
                }
            };
            self.service_transport = ServiceTransport::following(&ticket, &tls);
            let mut framed = Framed::new(transport, FlapCodec::new());
            self.state.connection_started(self.clock.now(), ticket.cookie.expose());
            let close = self.serve(&mut framed).await;
            self.close_services();
            if self.state.is_signed_on() {
                ever_signed_on = true;
                attempt = 0;
            }
            if !close.reconnect {
                close_gracefully(framed, self.state.awaiting_answers()).await;
                return close.reason;
            }
            tracing::warn!("BOS connection lost: {:?}", close.reason);
            let failure = LoginFailure {
                reason: close.reason,
                retryable: true,
                rate_limited: self.state.signing_on_too_often(),
            };
            if let Some(end) = self.back_off(&failure, ever_signed_on, &mut attempt).await {
                return end;
            }
        }
    }

    /// Decides whether to try again; if so, reports [`Event::Reconnecting`] and sleeps (still
    /// serving commands). Returns the final reason when the session must end.
    async fn back_off(
        &mut self,
        failure: &LoginFailure,
        ever_signed_on: bool,
        attempt: &mut u32,
    ) -> Option<DisconnectReason> {
        let policy = self.config.reconnect.clone();
        let retry = failure.retryable
            && (ever_signed_on || policy.first_sign_on)
            && policy.enabled
            && policy.max_attempts.is_none_or(|max| *attempt < max);
        self.state.connection_lost(retry);
        self.drain();
        if !retry {
            return Some(failure.reason.clone());
        }
        *attempt += 1;
        let delay = policy.delay(*attempt, failure.rate_limited);
        self.sink.emit(Event::Reconnecting {
            attempt: *attempt,
            delay,
            reason: failure.reason.clone(),
        });
        match self.wait(tokio::time::sleep(delay)).await {
            Waited::SignOff => Some(DisconnectReason::SignedOff),
            Waited::Done(()) => None,
        }
    }

    /// Serves one BOS connection until it must close.
    async fn serve(&mut self, framed: &mut Framed<BoxedTransport, FlapCodec>) -> Close {
        loop {
            let out = self.drain();
            let written = bos_core::write_frames(framed, out.frames).await;
            // A decided close (a channel-4 reason, our sign-off) wins over a failed last write.
            if let Some(close) = out.close {
                return close;
            }
            if let Err(e) = written {
                tracing::warn!("writing to the server failed: {e}");
                let reason = DisconnectReason::Network(NetworkError::Transport(e.to_string()));
                return Close { reason, reconnect: true };
            }
            let deadline = self.state.next_deadline().map(|ms| self.clock.instant(ms));
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                frame = framed.next() => {
                    // Handle every frame already buffered before writing once.
                    let (state, clock) = (&mut self.state, self.clock);
                    let read = bos_core::read_batch(framed, frame, |f| {
                        state.handle_frame(clock.now(), f);
                        !state.close_pending()
                    });
                    if let Err(end) = read {
                        self.drain();
                        let error = match end {
                            ReadEnd::Failed(e) => {
                                tracing::warn!("closing the BOS connection: {e}");
                                NetworkError::Transport(e.to_string())
                            }
                            ReadEnd::Closed => NetworkError::ConnectionClosed,
                        };
                        return Close { reason: DisconnectReason::Network(error), reconnect: true };
                    }
                }
                cmd = self.commands.recv() => {
                    let now = self.clock.now();
                    self.state.handle_command(now, cmd.unwrap_or(Command::SignOff));
                    while let Ok(cmd) = self.commands.try_recv() {
                        self.state.handle_command(now, cmd);
                    }
                }
                Some(report) = self.reports.recv() => {
                    self.report(report);
                    while let Ok(r) = self.reports.try_recv() {
                        self.report(r);
                    }
                }
                () = sleep => self.state.handle_timer(self.clock.now()),
            }
        }
    }
}
