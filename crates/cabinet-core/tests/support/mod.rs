//! Shared by the core's integration tests.

pub mod proxy;
