//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod fake_bos;
pub mod hostile;
pub mod keyring;
pub mod session;
