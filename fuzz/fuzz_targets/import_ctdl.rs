//! Any text through the ctdl credential importer: it never panics, and
//! every record it accepts is one the API would accept.

#![no_main]

use libfuzzer_sys::fuzz_target;
use skillmatch::catalog::parse_credentials_ctdl;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse_credentials_ctdl(text);
    for credential in &parsed.credentials {
        assert!(credential.validate().is_ok(), "{credential:?}");
    }
});
