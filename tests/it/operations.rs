//! Operations surface: health (SERVING, NOT_SERVING while shutting down),
//! server reflection listing every service, gzip and the message size limit.

use crate::support;

use skillmatch::ServerOptions;
use skillmatch::api::SERVICE_NAMES;
use support::{TestServer, start_fresh};
use tokio_stream::StreamExt;
use tonic::codec::CompressionEncoding;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

fn health_request(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.to_owned(),
    }
}

#[tokio::test]
async fn health_reports_serving_for_the_server_and_each_service() {
    let (_dir, server) = start_fresh().await;
    let mut health = HealthClient::new(server.channel().await);
    for service in std::iter::once("").chain(SERVICE_NAMES) {
        let status = health
            .check(health_request(service))
            .await
            .unwrap_or_else(|status| panic!("health of {service:?}: {status:?}"))
            .into_inner()
            .status;
        assert_eq!(status, i32::from(ServingStatus::Serving), "{service:?}");
    }
    let unknown = health
        .check(health_request("skillmatch.v1.NoSuchService"))
        .await
        .expect_err("unknown service");
    assert_eq!(unknown.code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn health_turns_not_serving_when_shutdown_begins() {
    let (_dir, mut server) = start_fresh().await;
    let mut health = HealthClient::new(server.channel().await);
    let mut updates = health
        .watch(health_request(""))
        .await
        .expect("watch")
        .into_inner();
    let first = updates.next().await.expect("first update").expect("status");
    assert_eq!(first.status, i32::from(ServingStatus::Serving));
    server.begin_shutdown();
    let next = updates
        .next()
        .await
        .expect("second update")
        .expect("status");
    assert_eq!(next.status, i32::from(ServingStatus::NotServing));
    drop(updates);
    drop(health);
    server.stop().await;
}

#[tokio::test]
async fn reflection_lists_every_service() {
    let (_dir, server) = start_fresh().await;
    let mut reflection = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection stream")
        .into_inner();
    let response = responses.next().await.expect("a response").expect("ok");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection response {response:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in SERVICE_NAMES.into_iter().chain([
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
    ]) {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[tokio::test]
async fn reflection_describes_the_skillmatch_files() {
    let (_dir, server) = start_fresh().await;
    let mut reflection = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(
            "skillmatch.v1.MatchService".to_owned(),
        )),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection stream")
        .into_inner();
    let response = responses.next().await.expect("a response").expect("ok");
    let Some(MessageResponse::FileDescriptorResponse(files)) = response.message_response else {
        panic!("unexpected reflection response {response:?}");
    };
    assert!(!files.file_descriptor_proto.is_empty());
}

#[tokio::test]
async fn gzip_compressed_calls_are_accepted_and_answered() {
    let (_dir, server) = start_fresh().await;
    let mut client =
        skillmatch::pb::catalog_service_client::CatalogServiceClient::new(server.channel().await)
            .send_compressed(CompressionEncoding::Gzip)
            .accept_compressed(CompressionEncoding::Gzip);
    let response = client
        .get_credential(skillmatch::pb::GetCredentialRequest {
            id: "data-sql-foundations".to_owned(),
        })
        .await
        .expect("gzip call");
    assert_eq!(
        response
            .metadata()
            .get("grpc-encoding")
            .map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
}

#[tokio::test]
async fn messages_over_the_limit_are_refused() {
    let dir = tempfile::tempdir().expect("data dir");
    let options = ServerOptions {
        max_message_bytes: 4096,
        ..ServerOptions::default()
    };
    let server = TestServer::builder()
        .data_dir(dir.path())
        .options(options)
        .start()
        .await;
    let mut large = support::fixtures::credential("test-too-large");
    large.description = "x".repeat(8192);
    let status = server
        .catalog()
        .upsert_credentials(skillmatch::pb::UpsertCredentialsRequest {
            credentials: vec![large],
        })
        .await
        .expect_err("message over the limit");
    assert_eq!(status.code(), tonic::Code::OutOfRange, "{status:?}");
    server.stop().await;
}
