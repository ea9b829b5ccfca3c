//! What the front end asks for ([`Command`]), turned into SNACs or state.

use super::*;

impl SessionState {
    /// Applies a front-end command.
    pub fn handle_command(&mut self, now: u64, command: Command) {
        match command {
            Command::Activity => self.activity(now),
            Command::WatchPresence { name } => self.watch_presence(&name),
            Command::SendIm { id, to, text } => {
                self.activity(now);
                // The IM first; then the recipient's presence, if not a buddy.
                let watch = to.clone();
                self.send_im(now, id, to, &text);
                self.watch_presence(&watch);
            }
            Command::Typing { to, state } => {
                if self.connected {
                    let event = match state {
                        TypingState::Finished => TypingEvent::Finished,
                        TypingState::Paused => TypingEvent::Paused,
                        TypingState::Typing => TypingEvent::Typing,
                    };
                    // Only the latest state matters: drop a notice to the same buddy that the
                    // rate limiter is still holding.
                    self.queue.retain(|o| {
                        !matches!(&o.body, SnacBody::Typing(t)
                            if ScreenName::from_wire(&t.screen_name) == to)
                    });
                    let body = SnacBody::Typing(Typing::new(to.as_str(), event));
                    self.enqueue(body, Tag::Plain);
                }
            }
            Command::SetStatus(status) => {
                self.status = status;
                if self.connected {
                    // Only the newest choice matters: drop one the limiter still holds.
                    self.queue.retain(|o| !matches!(o.body, SnacBody::SetStatus(_)));
                    let out = self.set_status_snac();
                    self.queue.push_back(out);
                }
            }
            Command::SetAway(message) => {
                if message.is_none() {
                    // Back: the next time away, everyone gets the message once again.
                    self.auto_responded.clear();
                }
                self.away = message.clone();
                if self.connected {
                    self.enqueue(SnacBody::SetInfo(self.set_info(false)), Tag::Plain);
                }
                self.emit(Event::AwayChanged(message));
            }
            Command::SetProfile(text) => {
                let text = (!text.trim().is_empty()).then_some(text);
                let html = text.as_deref().map_or_else(String::new, html_body);
                self.profile = text;
                if self.connected {
                    let info = SetInfo::default().with_profile(&html);
                    self.enqueue(SnacBody::SetInfo(info), Tag::Plain);
                }
            }
            cmd @ (Command::AddBuddy { .. }
            | Command::RemoveBuddy { .. }
            | Command::AddGroup { .. }
            | Command::RemoveGroup { .. }
            | Command::Block { .. }
            | Command::Unblock { .. }
            | Command::SetPrivacy(_)) => {
                if self.connected && self.feedbag_loaded {
                    self.change_feedbag(cmd);
                } else {
                    self.deferred.push(cmd);
                }
            }
            Command::Warn { name, anonymous } => self.warn(now, name, anonymous),
            Command::GetInfo { name } => {
                let uin = name.as_str().parse::<u32>().ok().filter(|_| name.is_uin());
                let query = UserInfoQuery { kind: 0x0003, screen_name: name.as_str().into() };
                self.enqueue(SnacBody::UserInfoQuery2(query), Tag::GetInfo(name));
                if let Some(uin) = uin {
                    self.icq_command(icq::IcqAsk::Info { uin, full: true });
                }
            }
            Command::IcqInfo { uin, full } => self.icq_command(icq::IcqAsk::Info { uin, full }),
            Command::Search(query) => self.icq_command(icq::IcqAsk::Search(query)),
            Command::SearchDirectory(query) => self.search_directory(now, query),
            Command::DirectoryKeywords => self.directory_keywords(now),
            cmd @ (Command::RequestAuthorization { .. } | Command::Authorize { .. }) => {
                self.authorization_command(cmd)
            }
            cmd @ (Command::JoinRoom { .. }
            | Command::AcceptInvitation(_)
            | Command::DeclineInvitation(_)
            | Command::LeaveRoom { .. }
            | Command::SendRoom { .. }
            | Command::Invite { .. }) => self.room_command(now, cmd),
            Command::SetIcon(data) => self.set_icon(now, data),
            Command::SignOff => {
                if self.connected {
                    self.out
                        .frames
                        .push(OutFlap { channel: Channel::SignOff, payload: Default::default() });
                }
                self.close(DisconnectReason::SignedOff, false);
            }
        }
        self.flush(now);
    }
}
