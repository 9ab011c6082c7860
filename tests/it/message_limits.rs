//! Message, decompression and connection limits, on both edges: a request
//! at the message limit passes and one byte past it is refused, also when it
//! arrives gzip-compressed (the decoded size counts, so a small gzip bomb is
//! refused without being expanded); HTTP/JSON responses are held to the same
//! limit; HTTP/2 keepalive closes a connection whose peer stops answering
//! pings; a connection without a call in progress is closed after the idle
//! timeout, even while it answers pings, and connections past the maximum
//! are closed as soon as they are accepted.

use std::io::Write;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use prost::Message;
use serde_json::json;
use skillmatch::ServerOptions;
use skillmatch::listener::ConnectionLimits;
use skillmatch::pb;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonic::Code;
use tonic::codec::CompressionEncoding;

use crate::support::TestServer;

const EXTRACT: &str = "/skillmatch.v1.TaxonomyService/ExtractCompetencies";
const LIST_CREDENTIALS: &str = "/skillmatch.v1.CatalogService/ListCredentials";
const LIMIT: usize = 64 * 1024;

fn options(max_message_bytes: usize) -> ServerOptions {
    ServerOptions {
        max_message_bytes,
        ..ServerOptions::default()
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// An extraction request whose encoding is exactly `bytes` long.
fn extract_request_of(bytes: usize) -> pb::ExtractCompetenciesRequest {
    let mut request = pb::ExtractCompetenciesRequest {
        text: "a".repeat(bytes.saturating_sub(8)),
        ..Default::default()
    };
    while request.encoded_len() < bytes {
        request.text.push('a');
    }
    assert_eq!(request.encoded_len(), bytes);
    request
}

#[tokio::test]
async fn grpc_messages_at_the_limit_pass_and_one_byte_past_is_refused_compressed_or_not() {
    let server = TestServer::builder().options(options(LIMIT)).start().await;
    for compressed in [false, true] {
        let mut client = TaxonomyServiceClient::new(server.channel().await);
        if compressed {
            client = client.send_compressed(CompressionEncoding::Gzip);
        }
        let at = client.extract_competencies(extract_request_of(LIMIT)).await;
        assert!(at.is_ok(), "compressed {compressed}: {at:?}");
        let past = client
            .extract_competencies(extract_request_of(LIMIT + 1))
            .await
            .unwrap_err();
        // tonic refuses a plain message past the limit with OUT_OF_RANGE and
        // a compressed one whose decoded size passes it with RESOURCE_EXHAUSTED.
        let expected = if compressed {
            Code::ResourceExhausted
        } else {
            Code::OutOfRange
        };
        assert_eq!(past.code(), expected, "compressed {compressed}: {past:?}");
        assert!(past.message().contains(&LIMIT.to_string()), "{past:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_grpc_gzip_bomb_is_refused() {
    let server = TestServer::builder().options(options(LIMIT)).start().await;
    let mut client = TaxonomyServiceClient::new(server.channel().await)
        .send_compressed(CompressionEncoding::Gzip);
    // 8 MiB of text: about 8 KiB on the wire, 128 times the limit decoded.
    let bomb = pb::ExtractCompetenciesRequest {
        text: "a".repeat(8 << 20),
        ..Default::default()
    };
    let status = client.extract_competencies(bomb).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    // The server is unharmed and still answers.
    let small = pb::ExtractCompetenciesRequest {
        text: "python developer".into(),
        ..Default::default()
    };
    client.extract_competencies(small).await.unwrap();
    server.stop().await;
}

/// A JSON extraction body exactly `bytes` long.
fn json_body_of(bytes: usize) -> Vec<u8> {
    let overhead = serde_json::to_vec(&json!({ "text": "" })).unwrap().len();
    let body = serde_json::to_vec(&json!({ "text": "a".repeat(bytes - overhead) })).unwrap();
    assert_eq!(body.len(), bytes);
    body
}

async fn post_gzip(server: &TestServer, body: &[u8], encoding: &str) -> (u16, serde_json::Value) {
    let answer = server
        .send(
            "POST",
            EXTRACT,
            &[
                ("content-type", "application/json"),
                ("content-encoding", encoding),
            ],
            gzip(body),
        )
        .await;
    let json = serde_json::from_slice(&answer.body).unwrap_or_default();
    (answer.status, json)
}

#[tokio::test]
async fn http_gzip_bodies_are_held_to_the_limit_once_decoded() {
    let server = TestServer::builder().options(options(LIMIT)).start().await;
    let (status, json) = post_gzip(&server, &json_body_of(LIMIT), "gzip").await;
    assert_eq!(status, 200, "{json}");
    assert!(json["taxonomyVersion"].is_object(), "{json}");

    let (status, json) = post_gzip(&server, &json_body_of(LIMIT + 1), "gzip").await;
    assert_eq!(status, 400, "{json}");
    assert_eq!(json["code"], "out_of_range", "{json}");
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains(&LIMIT.to_string()),
        "{json}"
    );

    // A bomb: 64 MiB of zeros in about 64 KiB.
    let (status, json) = post_gzip(&server, &vec![0; 64 << 20], "gzip").await;
    assert_eq!((status, json["code"].as_str()), (400, Some("out_of_range")));

    // Encodings it does not decode are refused, not read as JSON.
    let (status, json) = post_gzip(&server, &json_body_of(100), "br").await;
    assert_eq!(
        (status, json["code"].as_str()),
        (501, Some("unimplemented"))
    );
    // Corrupt gzip.
    let answer = server
        .send(
            "POST",
            EXTRACT,
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
            b"not gzip".to_vec(),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["code"], "invalid_argument");
    // Identity is the plain body.
    let answer = server
        .send(
            "POST",
            EXTRACT,
            &[
                ("content-type", "application/json"),
                ("content-encoding", "identity"),
            ],
            json_body_of(200),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    server.stop().await;
}

#[tokio::test]
async fn http_responses_are_held_to_the_message_limit() {
    // The embedded catalogue: a page of 50 credentials is far over 8 KiB,
    // one credential is well under it.
    let server = TestServer::builder()
        .options(options(8 * 1024))
        .start()
        .await;
    let one = server
        .rpc(LIST_CREDENTIALS, "", &json!({ "pageSize": 1 }))
        .await;
    assert_eq!(one.status, 200, "{one:?}");
    assert!(one.body.len() < 8 * 1024);
    let page = server
        .rpc(LIST_CREDENTIALS, "", &json!({ "pageSize": 50 }))
        .await;
    let json = page.json();
    assert_eq!(page.status, 400, "{json}");
    assert_eq!(json["code"], "out_of_range", "{json}");
    assert!(json["message"].as_str().unwrap().contains("8192"), "{json}");
    server.stop().await;
}

/// A raw HTTP/2 connection: the client preface and an empty SETTINGS frame
/// sent, frames read one at a time.
struct RawH2 {
    stream: TcpStream,
}

/// HTTP/2 frame types used here.
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const ACK: u8 = 0x1;

impl RawH2 {
    async fn connect(server: &TestServer) -> Self {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream
            .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            .await
            .unwrap();
        stream
            .write_all(&[0, 0, 0, SETTINGS, 0, 0, 0, 0, 0])
            .await
            .unwrap();
        Self { stream }
    }

    /// The next frame's type, flags and payload; `None` once the server
    /// closed the connection.
    async fn frame(&mut self) -> Option<(u8, u8, Vec<u8>)> {
        let mut header = [0u8; 9];
        self.stream.read_exact(&mut header).await.ok()?;
        let length = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
        let mut payload = vec![0; length];
        self.stream.read_exact(&mut payload).await.ok()?;
        Some((header[3], header[4], payload))
    }

    async fn send(&mut self, kind: u8, flags: u8, payload: &[u8]) {
        let length = (payload.len() as u32).to_be_bytes();
        let mut frame = vec![length[1], length[2], length[3], kind, flags, 0, 0, 0, 0];
        frame.extend_from_slice(payload);
        // The server may already have closed; a failed write is no failure here.
        let _ = self.stream.write_all(&frame).await;
    }
}

#[tokio::test]
async fn a_peer_that_stops_answering_keepalive_pings_is_disconnected() {
    let options = ServerOptions {
        http2_keepalive_interval: Some(Duration::from_millis(200)),
        http2_keepalive_timeout: Duration::from_millis(300),
        ..ServerOptions::default()
    };
    let server = TestServer::builder().options(options).start().await;
    let mut h2 = RawH2::connect(&server).await;
    let started = tokio::time::Instant::now();
    let mut pinged = false;
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some((kind, flags, _)) = h2.frame().await {
            if kind == SETTINGS && flags & ACK == 0 {
                h2.send(SETTINGS, ACK, &[]).await;
            }
            // Pings are never answered: the peer is "dead".
            pinged |= kind == PING && flags & ACK == 0;
        }
    })
    .await;
    assert!(closed.is_ok(), "the connection stayed open for 10 s");
    assert!(pinged, "the server never pinged");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test]
async fn a_live_peer_that_answers_pings_stays_connected() {
    let options = ServerOptions {
        http2_keepalive_interval: Some(Duration::from_millis(100)),
        http2_keepalive_timeout: Duration::from_millis(500),
        ..ServerOptions::default()
    };
    let server = TestServer::builder().options(options).start().await;
    let mut h2 = RawH2::connect(&server).await;
    let mut pings = 0;
    let outlived = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some((kind, flags, payload)) = h2.frame().await {
            match kind {
                SETTINGS if flags & ACK == 0 => h2.send(SETTINGS, ACK, &[]).await,
                PING if flags & ACK == 0 => {
                    pings += 1;
                    h2.send(PING, ACK, &payload).await;
                }
                _ => {}
            }
        }
    })
    .await;
    // Still open after four keepalive timeouts, because every ping was answered.
    assert!(
        outlived.is_err(),
        "the connection was closed after {pings} pings"
    );
    assert!(pings >= 5, "{pings} pings answered");
    server.stop().await;
}

fn connection_limits(max_connections: usize, idle_timeout: Option<Duration>) -> ServerOptions {
    ServerOptions {
        http2_keepalive_interval: Some(Duration::from_millis(100)),
        http2_keepalive_timeout: Duration::from_secs(5),
        connections: ConnectionLimits {
            max_connections,
            idle_timeout,
        },
        ..ServerOptions::default()
    }
}

impl RawH2 {
    /// Answers the server's SETTINGS and pings until it closes the
    /// connection; the number of pings answered.
    async fn answer_until_closed(&mut self) -> usize {
        let mut pings = 0;
        while let Some((kind, flags, payload)) = self.frame().await {
            match kind {
                SETTINGS if flags & ACK == 0 => self.send(SETTINGS, ACK, &[]).await,
                PING if flags & ACK == 0 => {
                    pings += 1;
                    self.send(PING, ACK, &payload).await;
                }
                _ => {}
            }
        }
        pings
    }
}

#[tokio::test]
async fn a_connection_without_calls_is_closed_after_the_idle_timeout_though_it_answers_pings() {
    let idle = Duration::from_millis(500);
    let server = TestServer::builder()
        .options(connection_limits(0, Some(idle)))
        .start()
        .await;
    let mut h2 = RawH2::connect(&server).await;
    let started = tokio::time::Instant::now();
    let pings = tokio::time::timeout(Duration::from_secs(10), h2.answer_until_closed())
        .await
        .expect("the idle connection stayed open for 10 s");
    let open_for = started.elapsed();
    assert!(
        open_for >= idle,
        "closed after {open_for:?}, before the idle timeout"
    );
    assert!(
        open_for < Duration::from_secs(5),
        "closed after {open_for:?}"
    );
    // It was alive the whole time: the pings were answered.
    assert!(pings >= 2, "{pings} pings answered");
    server.stop().await;
}

#[tokio::test]
async fn a_connection_with_a_stream_open_is_not_idle() {
    let idle = Duration::from_millis(300);
    let server = TestServer::builder()
        .options(connection_limits(0, Some(idle)))
        .start()
        .await;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr()))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    let mut watch = health
        .watch(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap()
        .into_inner();
    let first = watch.message().await.unwrap().expect("the current status");
    assert_eq!(first.status, 1, "SERVING");
    // Five idle timeouts with the stream open: no message, no error.
    let next = tokio::time::timeout(idle * 5, watch.message()).await;
    assert!(
        next.is_err(),
        "the stream ended while open: {:?}",
        next.map(|message| message.map(|m| m.map(|m| m.status)))
    );
    // The client goes first, so its connection does not hold the server.
    drop((watch, health));
    server.stop().await;
}

#[tokio::test]
async fn connections_past_the_maximum_are_closed_at_once() {
    let server = TestServer::builder()
        .options(connection_limits(2, None))
        .start()
        .await;
    let mut first = RawH2::connect(&server).await;
    let mut second = RawH2::connect(&server).await;
    // Both are served: each gets the server's SETTINGS.
    for connection in [&mut first, &mut second] {
        let (kind, _, _) = connection.frame().await.expect("served");
        assert_eq!(kind, SETTINGS);
    }
    let mut third = RawH2::connect(&server).await;
    let refused = tokio::time::timeout(Duration::from_secs(5), third.frame())
        .await
        .expect("the connection past the maximum was neither served nor closed");
    assert!(refused.is_none(), "the third connection was served");
    // A place frees when a connection closes.
    drop(first);
    let mut served = None;
    for _ in 0..50 {
        let mut next = RawH2::connect(&server).await;
        if let Ok(Some(frame)) = tokio::time::timeout(Duration::from_secs(2), next.frame()).await {
            served = Some(frame.0);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        served,
        Some(SETTINGS),
        "no place freed after a connection closed"
    );
    server.stop().await;
}
