//! The tokio task around one [`ServiceConnection`] (ChatNav, a room, BART or the directory): it connects to the
//! 01/05 host, moves frames and time in and out, takes orders from the session's actor and
//! reports back what happened. No protocol rule lives here.

use futures::StreamExt as _;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::Framed;

use bytes::Bytes;

use crate::auth::SecretBytes;
use crate::oscar::bart::BartId;
use crate::oscar::chat::RoomInfo;
use crate::oscar::odir::DirectoryQuery;
use crate::oscar::FlapCodec;

use super::api::RoomEvent;
use super::bos_core::{self, ReadEnd};
use super::login::{connect_service, ServiceTransport};
use super::room::{DirectoryAnswer, IconReply, KeywordAnswer, ServiceConnection, ServiceKind};

/// What the actor tells a service task.
#[derive(Debug)]
pub(super) enum ServiceCmd {
    /// ChatNav: find or create a room.
    Find {
        /// Exchange.
        exchange: u16,
        /// Name.
        name: String,
    },
    /// Room: say something.
    Send(String),
    /// BART: download `name`'s items.
    FetchIcons {
        /// Whose.
        name: String,
        /// Which.
        ids: Vec<BartId>,
    },
    /// BART: upload our icon.
    UploadIcon(Bytes),
    /// Directory: search.
    SearchDirectory(DirectoryQuery),
    /// Directory: ask for the interest keywords.
    DirectoryKeywords,
    /// Leave (close cleanly).
    Leave,
}

/// What a service task tells the actor, tagged with the task's generation.
#[derive(Debug)]
pub(super) enum ServiceReport {
    /// Room events.
    Events(Vec<RoomEvent>),
    /// ChatNav found rooms.
    RoomsFound(Vec<RoomInfo>),
    /// ChatNav refused a name.
    NotFound(String, u16),
    /// BART: answers to icon downloads.
    Icons(Vec<IconReply>),
    /// BART: what uploads came to.
    Uploads(Vec<Result<BartId, u16>>),
    /// Directory: answers to searches.
    Directory(Vec<DirectoryAnswer>),
    /// Directory: keyword lists.
    Keywords(Vec<KeywordAnswer>),
    /// The connection is gone; whether the room had been joined.
    Closed {
        /// Whether it joined its room (or, for ChatNav, signed on).
        joined: bool,
    },
}

/// One report with where it comes from.
pub(super) type Report = (u64, String, ServiceReport);

/// Where a service connection goes and what for, from a 01/05 redirect.
#[derive(Debug)]
pub(super) struct Target {
    /// ChatNav or the room.
    pub(super) kind: ServiceKind,
    /// The room's key (`""` for ChatNav).
    pub(super) key: String,
    /// The room's name as asked for.
    pub(super) name: String,
    /// `host[:port]`.
    pub(super) host: String,
    /// The cookie to sign on with.
    pub(super) cookie: SecretBytes,
    /// TLS or not, like the session's BOS connection.
    pub(super) transport: ServiceTransport,
}

/// Runs one service connection until it closes or is told to leave.
pub(super) async fn run(
    Target { kind, key, name, host, cookie, transport }: Target,
    generation: u64,
    mut commands: mpsc::UnboundedReceiver<ServiceCmd>,
    reports: mpsc::UnboundedSender<Report>,
) {
    let report = |r: ServiceReport| {
        let _ = reports.send((generation, key.clone(), r));
    };
    let transport = match connect_service(&host, &transport).await {
        Ok(t) => t,
        Err(e) => {
            // Nothing was written: the cookie stays unsent.
            tracing::info!("service connection to {host} failed: {:?}", e.reason);
            report(ServiceReport::Closed { joined: false });
            return;
        }
    };
    let base = Instant::now();
    let now = move || u64::try_from(base.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut framed = Framed::new(transport, FlapCodec::new());
    let mut conn = ServiceConnection::new(kind, name, rand::random());
    conn.connection_started(now(), cookie.expose());
    let mut leaving = false;
    loop {
        let out = conn.take_output();
        if !out.events.is_empty() {
            report(ServiceReport::Events(out.events));
        }
        if !out.rooms_found.is_empty() {
            report(ServiceReport::RoomsFound(out.rooms_found));
        }
        for (name, code) in out.nav_refused {
            report(ServiceReport::NotFound(name, code));
        }
        if !out.icons.is_empty() {
            report(ServiceReport::Icons(out.icons));
        }
        if !out.uploads.is_empty() {
            report(ServiceReport::Uploads(out.uploads));
        }
        if !out.directory.is_empty() {
            report(ServiceReport::Directory(out.directory));
        }
        if !out.keywords.is_empty() {
            report(ServiceReport::Keywords(out.keywords));
        }
        let written = bos_core::write_frames(&mut framed, out.frames).await;
        if written.is_ok() && out.messages_sent > 0 {
            let room = conn.name().to_string();
            report(ServiceReport::Events(vec![RoomEvent::Sent { room }; out.messages_sent]));
        }
        if out.close || written.is_err() {
            break;
        }
        let deadline = conn.next_deadline().map(|ms| base + std::time::Duration::from_millis(ms));
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            frame = framed.next() => {
                let read = bos_core::read_batch(&mut framed, frame, |f| {
                    conn.handle_frame(now(), f);
                    true
                });
                if let Err(end) = read {
                    if let ReadEnd::Failed(e) = end {
                        tracing::info!("service connection error: {e}");
                    }
                    report(ServiceReport::Closed { joined: conn.is_joined() });
                    return;
                }
            }
            cmd = commands.recv() => match cmd {
                Some(ServiceCmd::Find { exchange, name }) => conn.find_room(now(), exchange, &name),
                Some(ServiceCmd::Send(text)) => {
                    conn.send(now(), &text);
                }
                Some(ServiceCmd::FetchIcons { name, ids }) => conn.fetch_icons(now(), &name, ids),
                Some(ServiceCmd::UploadIcon(data)) => conn.upload_icon(now(), data),
                Some(ServiceCmd::SearchDirectory(q)) => conn.search_directory(now(), q),
                Some(ServiceCmd::DirectoryKeywords) => conn.list_keywords(now()),
                Some(ServiceCmd::Leave) | None => {
                    leaving = true;
                    conn.leave();
                }
            },
            () = sleep => conn.handle_timer(now()),
        }
    }
    if !leaving {
        report(ServiceReport::Closed { joined: conn.is_joined() });
    }
}
