//! TLS on the gRPC listener: served with certificates made here, plaintext
//! refused, certificates reloaded when their files change, client
//! certificates required with a client CA, and the CLI's refusal to take API
//! keys in plaintext on a non-loopback address. Loopback only.

use std::sync::Arc;
use std::time::Duration;

use crate::support::certs::{TestCa, write_leaf};
use crate::support::{TestServer, call_ok};
use skillmatch::Hardening;
use skillmatch::tls::{ReloadingTls, TlsFiles};

fn files(dir: &std::path::Path, client_ca: Option<&str>) -> TlsFiles {
    let client_ca = client_ca.map(|pem| {
        let path = dir.join("client-ca.pem");
        std::fs::write(&path, pem).unwrap();
        path
    });
    TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        client_ca,
    }
}

fn with_tls(tls: &Arc<ReloadingTls>) -> Hardening {
    Hardening {
        tls: Some(tls.clone()),
        ..Hardening::default()
    }
}

#[tokio::test]
async fn tls_is_served_and_plaintext_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("test CA");
    write_leaf(dir.path(), &ca.server());
    let tls = Arc::new(ReloadingTls::load(files(dir.path(), None)).unwrap());
    let server = TestServer::builder()
        .hardening(with_tls(&tls))
        .start()
        .await;

    call_ok(server.tls(&ca.pem, None).await.unwrap())
        .await
        .expect("a call over TLS succeeds");

    // A plaintext HTTP/2 client gets no gRPC answer from a TLS listener.
    let plain = match server.plain().await {
        Ok(channel) => call_ok(channel).await.is_ok(),
        Err(_) => false,
    };
    assert!(!plain, "plaintext must not be served");

    // A client that does not trust the server's CA cannot connect.
    let stranger = TestCa::new("another CA");
    let untrusted = match server.tls(&stranger.pem, None).await {
        Ok(channel) => call_ok(channel).await.is_ok(),
        Err(_) => false,
    };
    assert!(!untrusted, "a certificate from an untrusted CA must fail");
    server.stop().await;
}

#[tokio::test]
async fn changed_certificate_files_are_reloaded_for_new_connections() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestCa::new("first CA");
    write_leaf(dir.path(), &first.server());
    let tls = Arc::new(ReloadingTls::load(files(dir.path(), None)).unwrap());
    let watcher = tls.watch(Duration::from_millis(50));
    let server = TestServer::builder()
        .hardening(with_tls(&tls))
        .start()
        .await;
    call_ok(server.tls(&first.pem, None).await.unwrap())
        .await
        .unwrap();

    // A broken file is not taken: the old certificate stays in force.
    std::fs::write(dir.path().join("cert.pem"), "not a certificate").unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    call_ok(server.tls(&first.pem, None).await.unwrap())
        .await
        .expect("a failed reload keeps the previous certificate");

    // Rotation to a certificate of another CA.
    let second = TestCa::new("second CA");
    write_leaf(dir.path(), &second.server());
    let mut rotated = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Ok(channel) = server.tls(&second.pem, None).await {
            if call_ok(channel).await.is_ok() {
                rotated = true;
                break;
            }
        }
    }
    assert!(rotated, "the new certificate was not picked up within 5 s");
    let old = match server.tls(&first.pem, None).await {
        Ok(channel) => call_ok(channel).await.is_ok(),
        Err(_) => false,
    };
    assert!(!old, "new connections must get the new certificate");
    watcher.abort();
    server.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn sighup_reloads_the_certificate_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestCa::new("first CA");
    write_leaf(dir.path(), &first.server());
    let tls = Arc::new(ReloadingTls::load(files(dir.path(), None)).unwrap());
    // File polling so slow that only the signal can explain a reload.
    let watcher = tls.watch(Duration::from_secs(3600));
    let server = TestServer::builder()
        .hardening(with_tls(&tls))
        .start()
        .await;
    // The interval's first tick fires at once; let it pass before the change.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let second = TestCa::new("second CA");
    write_leaf(dir.path(), &second.server());
    call_ok(server.tls(&first.pem, None).await.unwrap())
        .await
        .expect("no reload yet: the old certificate is served");
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut reloaded = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if let Ok(channel) = server.tls(&second.pem, None).await {
            if call_ok(channel).await.is_ok() {
                reloaded = true;
                break;
            }
        }
    }
    assert!(reloaded, "SIGHUP did not reload the certificate within 2 s");
    watcher.abort();
    server.stop().await;
}

#[tokio::test]
async fn a_client_ca_makes_client_certificates_required() {
    let dir = tempfile::tempdir().unwrap();
    let server_ca = TestCa::new("server CA");
    let client_ca = TestCa::new("client CA");
    write_leaf(dir.path(), &server_ca.server());
    let tls = Arc::new(ReloadingTls::load(files(dir.path(), Some(&client_ca.pem))).unwrap());
    let server = TestServer::builder()
        .hardening(with_tls(&tls))
        .start()
        .await;

    let trusted = client_ca.client("reporting-job");
    call_ok(server.tls(&server_ca.pem, Some(&trusted)).await.unwrap())
        .await
        .expect("a client certificate of the client CA is accepted");

    let anonymous = match server.tls(&server_ca.pem, None).await {
        Ok(channel) => call_ok(channel).await.is_ok(),
        Err(_) => false,
    };
    assert!(!anonymous, "a client without a certificate must be refused");

    let forged = server_ca.client("intruder");
    let foreign = match server.tls(&server_ca.pem, Some(&forged)).await {
        Ok(channel) => call_ok(channel).await.is_ok(),
        Err(_) => false,
    };
    assert!(
        !foreign,
        "a client certificate of another CA must be refused"
    );
    server.stop().await;
}

#[test]
fn mismatched_or_missing_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("CA");
    let one = ca.server();
    let other = ca.server();
    std::fs::write(dir.path().join("cert.pem"), &one.cert).unwrap();
    std::fs::write(dir.path().join("key.pem"), &other.key).unwrap();
    let error = ReloadingTls::load(files(dir.path(), None)).unwrap_err();
    assert!(error.to_string().contains("TLS configuration"), "{error}");

    std::fs::write(dir.path().join("key.pem"), "").unwrap();
    assert!(ReloadingTls::load(files(dir.path(), None)).is_err());
    let missing = TlsFiles {
        cert: dir.path().join("absent.pem"),
        key: dir.path().join("key.pem"),
        client_ca: None,
    };
    let error = ReloadingTls::load(missing).unwrap_err();
    assert!(error.to_string().contains("absent.pem"), "{error}");
}

#[test]
fn api_keys_in_plaintext_on_a_public_address_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.toml");
    skillmatch::auth::append_key(&keys, "acme", skillmatch::auth::Role::Read).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_skillmatch"))
        .args(["serve", "--addr", "0.0.0.0:0", "--api-keys"])
        .arg(&keys)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env_remove("SKILLMATCH_ALLOW_PLAINTEXT")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to accept API keys in plaintext"),
        "{stderr}"
    );

    // A certificate without its key is refused before anything starts.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_skillmatch"))
        .args(["serve", "--tls-cert", "cert.pem"])
        .output()
        .unwrap();
    assert!(!output.status.success());
}
