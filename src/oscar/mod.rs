//! oscar
