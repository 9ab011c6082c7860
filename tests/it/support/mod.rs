//! Harnesses shared by the integration-test modules: one in-process
//! [`TestServer`] (`server.rs`, started through its builder), the real
//! binary as a child process (`binary.rs`), test certificates (`certs.rs`),
//! and fixtures.
#![allow(dead_code)]

pub mod binary;
pub mod certs;
pub mod fixtures;
pub mod records;
pub mod server;
pub mod violations;

pub use binary::{Spawned, spawn_binary};
pub use server::{TestServer, call_ok, start_fresh};
