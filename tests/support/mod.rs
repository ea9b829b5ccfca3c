//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod cli;
pub mod delay_proxy;
pub mod fake_bos;
pub mod hostile;
pub mod keyring;
pub mod load;
pub mod pacing;
pub mod session;
pub mod signon_rig;
