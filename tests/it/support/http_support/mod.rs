//! Harness of the HTTP/JSON tests: a real server on 127.0.0.1:0 (with API
//! keys, or open) reached through a real HTTP/1.1 client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use skillmatch::ServerOptions;
use skillmatch::auth::{Authenticator, KeyRing, Role, append_key};
use skillmatch::engine::{Engine, EngineConfig};
use tonic::transport::Channel;

/// A running server and an HTTP client for it.
pub struct HttpServer {
    pub addr: SocketAddr,
    /// A read key and a write key of tenant `tenant-a` (empty when open).
    pub read_key: String,
    pub write_key: String,
    client: Client<HttpConnector, Full<Bytes>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    _dirs: Vec<tempfile::TempDir>,
}

/// What the server answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The `field` of every field violation of a Connect error body.
    pub fn violated_fields(&self) -> Vec<String> {
        let json = self.json();
        assert_eq!(json["code"], "invalid_argument", "{json}");
        let details = json["details"].as_array().expect("details");
        let bad = details
            .iter()
            .find(|d| d["type"] == "google.rpc.BadRequest")
            .expect("a google.rpc.BadRequest detail");
        bad["debug"]["fieldViolations"]
            .as_array()
            .expect("field violations")
            .iter()
            .map(|v| v["field"].as_str().unwrap().to_owned())
            .collect()
    }
}

impl HttpServer {
    /// A server with API keys and the default limits.
    pub async fn keyed() -> Self {
        Self::start(true, ServerOptions::default()).await
    }

    /// A server with or without API keys, with these limits.
    pub async fn start(keyed: bool, options: ServerOptions) -> Self {
        let data = tempfile::tempdir().unwrap();
        let key_dir = tempfile::tempdir().unwrap();
        let (auth, read_key, write_key) = if keyed {
            let key_file = key_dir.path().join("keys.toml");
            let read = append_key(&key_file, "tenant-a", Role::Read).unwrap();
            let write = append_key(&key_file, "tenant-a", Role::Write).unwrap();
            (
                Authenticator::Keys(KeyRing::read(&key_file).unwrap()),
                read,
                write,
            )
        } else {
            (Authenticator::Open, String::new(), String::new())
        };
        let config = EngineConfig::new(data.path());
        let engine = tokio::task::spawn_blocking(move || Engine::open(&config).unwrap().0)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            skillmatch::serve_with_auth(listener, Arc::new(engine), options, auth, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Self {
            addr,
            read_key,
            write_key,
            client: Client::builder(TokioExecutor::new()).build_http(),
            shutdown: Some(tx),
            handle: Some(handle),
            _dirs: vec![data, key_dir],
        }
    }

    /// A gRPC channel to the same port.
    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    /// Sends a request: `method path` with these headers and body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Answer {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body.into())).unwrap();
        let response = self.client.request(request).await.expect("HTTP exchange");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            content_type,
            body,
        }
    }

    /// POSTs JSON to an RPC with `authorization: Bearer key` (none when `key` is empty).
    pub async fn rpc(&self, path: &str, key: &str, body: &serde_json::Value) -> Answer {
        let bearer = format!("Bearer {key}");
        let mut headers = vec![("content-type", "application/json")];
        if !key.is_empty() {
            headers.push(("authorization", bearer.as_str()));
        }
        self.send("POST", path, &headers, serde_json::to_vec(body).unwrap())
            .await
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.unwrap();
        }
    }
}
