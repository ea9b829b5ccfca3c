//! The embedded server's accounts, read from a TOML file such as `assets/accounts.toml`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::screenname::{ScreenName, ScreenNameError};
use flapjack_proto::secret::Secret;

/// The demo accounts shipped in `assets/accounts.toml`, built in so `flapjack serve` works
/// from any directory.
pub const DEMO_ACCOUNTS: &str = include_str!("../../../assets/accounts.toml");

/// One account the server knows. Copying one copies its password, on purpose (the account
/// table is shared by copy with the hub and the tests): hence the hand-written `Clone`.
#[derive(Debug)]
pub struct Account {
    /// The screen name (or ICQ UIN) as the server formats it.
    pub screen_name: ScreenName,
    /// The password, which the server needs to check digests and derive session keys.
    pub password: Secret,
    /// The profile text shown to buddies.
    pub profile: Option<String>,
    /// A demo bot: always online without a connection, its IMs answered by a `BotBrain`.
    pub bot: bool,
    /// Buddies a brand-new buddy list starts with (in the "Buddies" group), so the demo
    /// account sees the bot without setup.
    pub buddies: Vec<ScreenName>,
    /// Whether others must ask before adding this account (ICQ authorization, §6.4). Set with
    /// `requires_auth`; by default true for ICQ accounts that are not bots, as Open OSCAR
    /// Server defaults it, false for AIM accounts.
    pub requires_auth: bool,
    /// What the ICQ directory (§10.1) or, for an AIM account, the AIM directory (§16) shows
    /// of this account.
    pub directory: Directory,
}

/// An account's directory entry: what ICQ information and search answer (§10.1), and for an
/// AIM account what the AIM directory finds (§16). An account with no entry is not listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    /// Nickname.
    pub nickname: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// City.
    pub city: String,
    /// State.
    pub state: String,
    /// Country.
    pub country: String,
    /// Interest keywords (AIM directory).
    pub interests: Vec<String>,
}

impl Directory {
    /// Whether the account has an entry at all (any field set): only then is it listed.
    pub fn is_listed(&self) -> bool {
        [&self.nickname, &self.first_name, &self.last_name, &self.email]
            .into_iter()
            .chain([&self.city, &self.state, &self.country])
            .any(|f| !f.trim().is_empty())
            || !self.interests.is_empty()
    }
}

impl Clone for Account {
    fn clone(&self) -> Self {
        Self {
            screen_name: self.screen_name.clone(),
            password: self.password.duplicate(),
            profile: self.profile.clone(),
            bot: self.bot,
            buddies: self.buddies.clone(),
            requires_auth: self.requires_auth,
            directory: self.directory.clone(),
        }
    }
}

impl Account {
    /// Whether this is an ICQ account (its screen name is a UIN).
    pub fn is_icq(&self) -> bool {
        self.screen_name.is_uin()
    }
}

/// Why an accounts file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// The file could not be read.
    #[error("cannot read accounts file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TOML is invalid.
    #[error("accounts file is not valid: {0}")]
    Toml(#[from] toml::de::Error),
    /// A screen name is unusable.
    #[error("account {index}: {source}")]
    ScreenName {
        /// 1-based position in the file.
        index: usize,
        /// Why.
        #[source]
        source: ScreenNameError,
    },
    /// Two accounts normalize to the same name.
    #[error("account {0:?} appears twice")]
    Duplicate(String),
    /// An account has an empty password.
    #[error("account {0:?} has an empty password")]
    EmptyPassword(String),
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    account: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    screen_name: String,
    password: String,
    profile: Option<String>,
    #[serde(default)]
    bot: bool,
    #[serde(default)]
    buddies: Vec<String>,
    requires_auth: Option<bool>,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    interests: Vec<String>,
}

/// The account table, looked up by normalized screen name.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    by_name: HashMap<String, Account>,
}

impl Accounts {
    /// Parses an accounts file's text.
    pub fn from_toml(text: &str) -> Result<Self, AccountsError> {
        let file: File = toml::from_str(text)?;
        let mut by_name = HashMap::new();
        for (i, entry) in file.account.into_iter().enumerate() {
            let screen_name = ScreenName::parse(&entry.screen_name)
                .map_err(|source| AccountsError::ScreenName { index: i + 1, source })?;
            if entry.password.is_empty() {
                return Err(AccountsError::EmptyPassword(screen_name.to_string()));
            }
            let key = screen_name.normalized().to_string();
            let buddies = entry
                .buddies
                .iter()
                .map(|b| ScreenName::parse(b))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|source| AccountsError::ScreenName { index: i + 1, source })?;
            let requires_auth = entry.requires_auth.unwrap_or(screen_name.is_uin() && !entry.bot);
            let directory = Directory {
                nickname: entry.nickname,
                first_name: entry.first_name,
                last_name: entry.last_name,
                email: entry.email,
                city: entry.city,
                state: entry.state,
                country: entry.country,
                interests: entry.interests,
            };
            let account = Account {
                screen_name,
                password: Secret::new(entry.password),
                profile: entry.profile,
                bot: entry.bot,
                buddies,
                requires_auth,
                directory,
            };
            if by_name.insert(key, account).is_some() {
                return Err(AccountsError::Duplicate(entry.screen_name));
            }
        }
        Ok(Self { by_name })
    }

    /// Reads an accounts file.
    pub fn load(path: &Path) -> Result<Self, AccountsError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| AccountsError::Read { path: path.display().to_string(), source })?;
        Self::from_toml(&text)
    }

    /// The built-in demo accounts.
    pub fn demo() -> Result<Self, AccountsError> {
        Self::from_toml(DEMO_ACCOUNTS)
    }

    /// Finds an account by any spelling of its name.
    pub fn get(&self, name: &str) -> Option<&Account> {
        self.by_name.get(ScreenName::from_wire(name).normalized())
    }

    /// All accounts, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.by_name.values()
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_accounts_load() {
        let accounts = Accounts::demo().unwrap();
        assert!(accounts.len() >= 4);
        let fan = accounts.get("flapjackfan").unwrap();
        assert_eq!(fan.screen_name.as_str(), "Flapjack Fan");
        assert!(!fan.is_icq());
        assert!(accounts.get("123456789").unwrap().is_icq());
        assert!(accounts.get("ButterBot").unwrap().bot);
        assert!(!fan.bot);
        assert_eq!(fan.buddies, [ScreenName::from_wire("butterbot")]);
        // ICQ accounts ask for authorization unless told otherwise; AIM accounts and bots do not.
        assert!(!fan.requires_auth && !accounts.get("ButterBot").unwrap().requires_auth);
        assert!(accounts.get("987654321").unwrap().requires_auth);
        assert_eq!(accounts.get("123456789").unwrap().directory.nickname, "Stack");
        // The AIM demo account is in the AIM directory, with an interest to search by.
        assert!(fan.directory.is_listed() && fan.directory.interests.contains(&"Pancakes".into()));
    }

    #[test]
    fn requires_auth_can_be_set_either_way() {
        let text = "[[account]]\nscreen_name='11111'\npassword='x'\nrequires_auth=false\n\
                    [[account]]\nscreen_name='aim'\npassword='x'\nrequires_auth=true";
        let a = Accounts::from_toml(text).unwrap();
        assert!(!a.get("11111").unwrap().requires_auth);
        assert!(a.get("aim").unwrap().requires_auth);
    }

    #[test]
    fn bot_and_buddies_are_optional() {
        let old = "[[account]]\nscreen_name='a'\npassword='x'";
        let a = Accounts::from_toml(old).unwrap();
        assert!(!a.get("a").unwrap().bot && a.get("a").unwrap().buddies.is_empty());
        let bad = "[[account]]\nscreen_name='a'\npassword='x'\nbuddies=['  ']";
        assert!(matches!(Accounts::from_toml(bad), Err(AccountsError::ScreenName { .. })));
    }

    #[test]
    fn rejects_bad_files() {
        assert!(matches!(
            Accounts::from_toml("[[account]]\nscreen_name = 1"),
            Err(AccountsError::Toml(_))
        ));
        let dup = "[[account]]\nscreen_name='A b'\npassword='x'\n[[account]]\nscreen_name='ab'\npassword='y'";
        assert!(matches!(Accounts::from_toml(dup), Err(AccountsError::Duplicate(_))));
        let empty = "[[account]]\nscreen_name='  '\npassword='x'";
        assert!(matches!(Accounts::from_toml(empty), Err(AccountsError::ScreenName { .. })));
        let nopw = "[[account]]\nscreen_name='a'\npassword=''";
        assert!(matches!(Accounts::from_toml(nopw), Err(AccountsError::EmptyPassword(_))));
    }
}
