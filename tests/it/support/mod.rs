//! Harnesses shared by the integration-test modules.

pub mod binary;
pub mod common;
pub mod hardening_support;
pub mod http_support;
pub mod records_support;
