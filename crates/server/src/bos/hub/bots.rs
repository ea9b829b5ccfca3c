//! The demo bot accounts: one task each, fed the IMs sent to the bot, answering through the hub
//! with a typing notice, a pause, and the brain's reply.

use std::sync::{Arc, Weak};

use tokio::sync::mpsc;

use super::Hub;
use crate::bot::BotBrain;
use crate::oscar::codes::TypingEvent;
use crate::oscar::icbm::{self, IncomingIm, Typing};
use crate::oscar::userinfo::UserInfo;
use crate::oscar::{ImMessage, SnacBody, TlvBlock};
use crate::screenname::ScreenName;
use crate::text::html;
use crate::Account;

/// An IM for a bot to answer.
#[derive(Debug)]
pub(super) struct BotJob {
    pub(super) from: ScreenName,
    pub(super) text: String,
    /// The room (key) it was said in, when it was addressed to the bot in a room.
    pub(super) room: Option<String>,
}

impl Hub {
    /// Starts one task per bot account, each owning a brain from the configured factory.
    pub fn start_bots(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        let bots: Vec<Account> =
            self.state.config.accounts.iter().filter(|a| a.bot).cloned().collect();
        for bot in bots {
            let (tx, rx) = mpsc::channel(64);
            let brain = self.state.config.bot_brain.as_ref().map(|f| f.make());
            self.lock().bots.insert(bot.screen_name.clone(), tx);
            tasks.push(tokio::spawn(run_bot(Arc::downgrade(self), bot.screen_name, brain, rx)));
        }
        tasks
    }

    pub(super) fn is_bot(&self, name: &ScreenName) -> bool {
        self.state.config.accounts.get(name.normalized()).is_some_and(|a| a.bot)
    }

    /// Queues a SNAC from a bot to every signed-on session of `to`.
    fn bot_deliver(&self, to: &ScreenName, body: SnacBody) {
        let w = self.lock();
        self.push_account(&w, to, &body);
    }

    fn bot_info(&self, bot: &ScreenName) -> UserInfo {
        let w = self.lock();
        self.user_info(&w, bot)
    }
}

async fn run_bot(
    hub: Weak<Hub>,
    bot: ScreenName,
    mut brain: Option<Box<dyn BotBrain>>,
    mut rx: mpsc::Receiver<BotJob>,
) {
    while let Some(job) = rx.recv().await {
        let Some(brain) = brain.as_mut() else {
            tracing::info!("{bot}: no bot brain configured, IM from {} left unanswered", job.from);
            continue;
        };
        let Some(reply) = brain.reply(job.from.as_str(), &job.text) else { continue };
        if let Some(room) = &job.room {
            tokio::time::sleep(reply.typing_delay).await;
            let Some(h) = hub.upgrade() else { return };
            h.bot_say_in_room(&bot, room, &reply.text);
            continue;
        }
        let Some(h) = hub.upgrade() else { return };
        let display = h.display(&bot);
        h.bot_deliver(
            &job.from,
            SnacBody::Typing(Typing::new(display.clone(), TypingEvent::Typing)),
        );
        drop(h);
        tokio::time::sleep(reply.typing_delay).await;
        let Some(h) = hub.upgrade() else { return };
        h.bot_deliver(&job.from, SnacBody::Typing(Typing::new(display, TypingEvent::Finished)));
        let message = ImMessage::new(&html::from_plain(&reply.text));
        let tlvs = match message.to_bytes() {
            Ok(data) => TlvBlock::new().with(icbm::tlv::MESSAGE_DATA, data),
            Err(e) => {
                tracing::error!("{bot}: reply cannot be encoded: {e}");
                continue;
            }
        };
        let im = IncomingIm {
            cookie: rand::random(),
            channel: icbm::CHANNEL_IM,
            sender: h.bot_info(&bot),
            tlvs,
        };
        h.bot_deliver(&job.from, SnacBody::IncomingIm(im));
    }
}
