//! Locate: profiles, away messages and capabilities a session sets (02/04) and others read
//! (02/05, 02/15).

use super::Hub;
use crate::oscar::codes::SnacErrorCode;
use crate::oscar::locate::{self, InfoText, UserInfoReply};
use crate::oscar::TlvBlock;
use crate::screenname::ScreenName;

impl Hub {
    /// 02/04: stores profile, away message and capabilities; watchers see away/caps changes.
    pub fn set_info(
        &self,
        id: u64,
        profile: Option<InfoText>,
        away: Option<InfoText>,
        caps: Option<Vec<u8>>,
    ) {
        let mut w = self.lock();
        let Some(name) = self.session_account(&w, id) else { return };
        let st = self.account_state(&mut w, &name);
        let visible_change = away.is_some() || caps.is_some();
        if let Some(p) = profile {
            st.profile = Some(p);
        }
        if let Some(a) = away {
            st.away = if a.data.is_empty() { None } else { Some(a) };
        }
        if let Some(c) = caps {
            st.caps = c;
        }
        if visible_change {
            self.announce_if_ready(&w, id, &name);
        }
    }

    /// 02/05 / 02/15: `who`'s info with profile (flag 1), away message (2), capabilities (4),
    /// as `asker` may see it: someone privacy stands between (§6.4) is "not logged on".
    pub fn locate(
        &self,
        asker: &ScreenName,
        who: &str,
        flags: u32,
    ) -> Result<UserInfoReply, SnacErrorCode> {
        let who = ScreenName::from_wire(who);
        let w = self.lock();
        if !self.visible_to(&w, &who, asker) {
            return Err(SnacErrorCode::NotLoggedOn);
        }
        let info = self.user_info(&w, &who);
        let st = w.accounts.get(&who);
        let profile = st.and_then(|s| s.profile.clone()).or_else(|| {
            let account = self.state.config.accounts.get(who.normalized());
            account.and_then(|a| a.profile.as_deref()).map(InfoText::from_text)
        });
        // Bytes and MIME type go out exactly as they were set (§9.1): the reader decodes them.
        let mut tlvs = TlvBlock::new();
        if flags & 0x1 != 0 {
            let profile = profile.unwrap_or_else(|| InfoText::from_text(""));
            if let Some(mime) = profile.mime {
                tlvs.push(locate::tlv::PROFILE_MIME, mime);
            }
            tlvs.push(locate::tlv::PROFILE, profile.data);
        }
        if flags & 0x2 != 0 {
            if let Some(away) = st.and_then(|s| s.away.clone()) {
                if let Some(mime) = away.mime {
                    tlvs.push(locate::tlv::AWAY_MIME, mime);
                }
                tlvs.push(locate::tlv::AWAY_MESSAGE, away.data);
            }
        }
        if flags & 0x4 != 0 {
            tlvs.push(locate::tlv::CAPABILITIES, st.map(|s| s.caps.clone()).unwrap_or_default());
        }
        Ok(UserInfoReply { info, tlvs })
    }
}
