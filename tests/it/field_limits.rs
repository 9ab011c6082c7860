//! Every request message, walked from the compiled descriptor set: each string,
//! bytes and repeated field (nested messages included) must state its maximum
//! in its proto comment ("at most N ...": for a repeated string field the
//! count first, then the length of each entry), and a request one past that
//! maximum must fail with INVALID_ARGUMENT and a field violation naming the
//! field and stating the number. A new field without a documented, enforced
//! bound fails here. Fields whose comment says "ignored on input" (output-only
//! parts of a message) are exempt, and so is what they hold.

use std::collections::BTreeSet;

use bytes::{Buf, BufMut};
use prost::Message;
use prost_reflect::{
    Cardinality, DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, Value,
};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::support::start_fresh;

const PACKAGE: &str = "skillmatch.v1";

/// What a field's comment promises.
#[derive(Debug, Clone, PartialEq)]
struct Bound {
    /// The largest value, as a number.
    max: usize,
    /// The number as the comment writes it (e.g. `1,000` or `4 MiB`).
    written: String,
}

/// One bounded field and where it sits in a request.
#[derive(Debug, Clone)]
struct Probe {
    /// `Service/Method`, for messages.
    method: String,
    /// The field path as a violation names it, e.g. `credentials[0].title`.
    violation_path: String,
    /// Fields from the request root down to the probed one.
    chain: Vec<FieldDescriptor>,
    /// What is probed: the entry count, or the length of one value.
    what: What,
    bound: Bound,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum What {
    /// Entries of a repeated field.
    Count,
    /// Characters (strings) or bytes (bytes) of a single value.
    Length,
    /// Characters of the first entry of a repeated string field.
    EntryLength,
}

/// Every "at most N" of a comment, in order.
fn bounds_in(comment: &str) -> Vec<Bound> {
    let lower = comment
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut found = Vec::new();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("at most ") {
        rest = &rest[at + "at most ".len()..];
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .collect();
        let number = digits.trim_end_matches(',');
        let Ok(value) = number.replace(',', "").parse::<usize>() else {
            continue;
        };
        let after = rest[number.len()..].trim_start();
        let (scale, unit) = if after.starts_with("kib") {
            (1024, " KiB")
        } else if after.starts_with("mib") {
            (1024 * 1024, " MiB")
        } else {
            (1, "")
        };
        found.push(Bound {
            max: value * scale,
            written: format!("{number}{unit}"),
        });
    }
    found
}

/// The leading comment of a field in its file's source info.
fn comment_of(field: &FieldDescriptor) -> String {
    let file = field.parent_file();
    let proto = file.file_descriptor_proto();
    let path = field.path();
    proto
        .source_code_info
        .as_ref()
        .and_then(|info| info.location.iter().find(|location| location.path == path))
        .and_then(|location| location.leading_comments.clone())
        .unwrap_or_default()
}

/// Walks `message`'s fields, appending a probe for every bounded field and
/// a problem for every string, bytes or repeated field without a bound.
fn walk(
    method: &str,
    message: &MessageDescriptor,
    prefix: &str,
    chain: &[FieldDescriptor],
    seen: &mut Vec<String>,
    probes: &mut Vec<Probe>,
    problems: &mut Vec<String>,
) {
    if seen.contains(&message.full_name().to_owned()) {
        return;
    }
    seen.push(message.full_name().to_owned());
    for field in message.fields() {
        let name = format!("{prefix}{}", field.name());
        let mut here = chain.to_vec();
        here.push(field.clone());
        let comment = comment_of(&field);
        if comment.to_lowercase().contains("ignored on input") {
            // Output-only fields (and what they hold) are never read.
            continue;
        }
        let bounds = bounds_in(&comment);
        let repeated = field.cardinality() == Cardinality::Repeated;
        let textual = matches!(field.kind(), Kind::String | Kind::Bytes);
        let where_ = format!("{method}: {} `{name}`", message.name());
        let probe = |what, bound: &Bound| Probe {
            method: method.to_owned(),
            violation_path: match what {
                What::EntryLength => format!("{name}[0]"),
                _ => name.clone(),
            },
            chain: here.clone(),
            what,
            bound: bound.clone(),
        };
        if repeated {
            match bounds.first() {
                Some(bound) => probes.push(probe(What::Count, bound)),
                None => problems.push(format!("{where_}: no \"at most N\" entries in its comment")),
            }
            if textual {
                match bounds.get(1) {
                    Some(bound) => probes.push(probe(What::EntryLength, bound)),
                    None => problems.push(format!(
                        "{where_}: no second \"at most N\" for the length of each entry"
                    )),
                }
            }
        } else if textual {
            match bounds.first() {
                Some(bound) => probes.push(probe(What::Length, bound)),
                None => problems.push(format!("{where_}: no \"at most N\" in its comment")),
            }
        }
        if let Kind::Message(inner) = field.kind() {
            if inner.full_name().starts_with(PACKAGE) {
                let nested = if repeated {
                    format!("{name}[0].")
                } else {
                    format!("{name}.")
                };
                walk(method, &inner, &nested, &here, seen, probes, problems);
            }
        }
    }
    seen.pop();
}

fn pool() -> DescriptorPool {
    DescriptorPool::decode(skillmatch::pb::FILE_DESCRIPTOR_SET).expect("descriptor set decodes")
}

/// Every probe of every request message, and every field without a bound.
fn probes() -> (Vec<Probe>, Vec<String>) {
    let pool = pool();
    let mut probes = Vec::new();
    let mut problems = Vec::new();
    for service in pool.services() {
        if service.package_name() != PACKAGE {
            continue;
        }
        for method in service.methods() {
            let path = format!("{}/{}", service.full_name(), method.name());
            walk(
                &path,
                &method.input(),
                "",
                &[],
                &mut Vec::new(),
                &mut probes,
                &mut problems,
            );
        }
    }
    (probes, problems)
}

/// A value of `field`'s kind and of length `length`.
fn long_value(field: &FieldDescriptor, length: usize) -> Value {
    match field.kind() {
        Kind::Bytes => Value::Bytes(vec![b'a'; length].into()),
        _ => Value::String("a".repeat(length)),
    }
}

/// A default entry for a repeated field.
fn entry(field: &FieldDescriptor) -> Value {
    match field.kind() {
        Kind::Message(inner) => Value::Message(DynamicMessage::new(inner)),
        Kind::String => Value::String("a".into()),
        Kind::Bytes => Value::Bytes(b"a".to_vec().into()),
        Kind::Enum(kind) => Value::EnumNumber(
            kind.values()
                .map(|v| v.number())
                .find(|n| *n != 0)
                .unwrap_or(0),
        ),
        _ => field.default_value(),
    }
}

/// Sets the probed field, one past its bound, in `message`, creating the
/// messages on the way (one entry of each repeated message on the way).
fn set_past(message: &mut DynamicMessage, chain: &[FieldDescriptor], probe: &Probe) {
    let (field, rest) = chain.split_first().expect("a field");
    if rest.is_empty() {
        let past = probe.bound.max + 1;
        let value = match probe.what {
            What::Length => long_value(field, past),
            What::Count => Value::List(vec![entry(field); past]),
            What::EntryLength => Value::List(vec![long_value(field, past)]),
        };
        message.set_field(field, value);
        return;
    }
    let Kind::Message(inner) = field.kind() else {
        unreachable!("only messages have fields")
    };
    let mut child = DynamicMessage::new(inner);
    set_past(&mut child, rest, probe);
    let value = if field.cardinality() == Cardinality::Repeated {
        Value::List(vec![Value::Message(child)])
    } else {
        Value::Message(child)
    };
    message.set_field(field, value);
}

/// Raw protobuf bytes in and out, so any method can be called by path.
#[derive(Debug, Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

/// Calls `method` (`pkg.Service/Method`) with `body`; the status it fails with.
async fn call(
    channel: tonic::transport::Channel,
    method: &str,
    server_streaming: bool,
    body: Vec<u8>,
) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(channel).max_encoding_message_size(64 << 20);
    grpc.ready().await.expect("channel ready");
    let path = http::uri::PathAndQuery::try_from(format!("/{method}")).expect("method path");
    let request = tonic::Request::new(body);
    if server_streaming {
        let mut stream = grpc
            .server_streaming(request, path, RawCodec)
            .await?
            .into_inner();
        while stream.message().await?.is_some() {}
    } else {
        grpc.unary(request, path, RawCodec).await?;
    }
    Ok(())
}

fn failure(probe: &Probe, result: Result<(), Status>) -> Option<String> {
    let past = probe.bound.max + 1;
    let what = match probe.what {
        What::Count => format!("{past} entries"),
        _ => format!("a value of {past}"),
    };
    let status = match result {
        Ok(()) => {
            return Some(format!(
                "{}: `{}` with {what} was accepted",
                probe.method, probe.violation_path
            ));
        }
        Err(status) => status,
    };
    if status.code() != Code::InvalidArgument {
        return Some(format!(
            "{}: `{}` with {what}: {:?} {}",
            probe.method,
            probe.violation_path,
            status.code(),
            status.message()
        ));
    }
    let details = status.get_error_details();
    let violations = details
        .bad_request()
        .map(|bad| bad.field_violations.clone())
        .unwrap_or_default();
    let digits = probe.bound.max.to_string();
    let named = violations.iter().any(|violation| {
        violation.field == probe.violation_path
            && (violation.description.contains(&digits)
                || violation.description.contains(&probe.bound.written))
    });
    (!named).then(|| {
        let got: Vec<String> = violations
            .iter()
            .map(|v| format!("{}: {}", v.field, v.description))
            .collect();
        format!(
            "{}: `{}` with {what}: no violation of that field stating {}; got {got:?}",
            probe.method, probe.violation_path, probe.bound.written
        )
    })
}

#[test]
fn the_comment_parser_reads_every_form_the_protos_use() {
    let read = |text: &str| {
        bounds_in(text)
            .into_iter()
            .map(|b| b.max)
            .collect::<Vec<_>>()
    };
    assert_eq!(read("At most 1,000 characters."), vec![1000]);
    assert_eq!(
        read("At most 32 values of at most 200 characters, each"),
        vec![32, 200]
    );
    assert_eq!(read("The file's bytes: at most 4 MiB."), vec![4 << 20]);
    assert_eq!(read("CV text. At most 64 KiB."), vec![64 << 10]);
    assert!(read("Required. No bound here; most of it.").is_empty());
}

#[test]
fn a_field_without_a_documented_bound_is_found() {
    // The walker itself must see unbounded fields: a response message's
    // `next_page_token` has no "at most" in its comment.
    let pool = pool();
    let response = pool
        .get_message_by_name("skillmatch.v1.ListCandidatesResponse")
        .expect("a response message");
    let (mut probes, mut problems) = (Vec::new(), Vec::new());
    walk(
        "test",
        &response,
        "",
        &[],
        &mut Vec::new(),
        &mut probes,
        &mut problems,
    );
    assert!(!problems.is_empty(), "{probes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_field_has_a_documented_and_enforced_maximum() {
    let (probes, mut problems) = probes();
    assert!(probes.len() > 20, "the walk found only {probes:?}");
    let pool = pool();
    let (_dir, server) = start_fresh().await;
    let channel = server.channel().await;
    let mut methods = BTreeSet::new();
    for probe in &probes {
        let (service, method) = probe.method.rsplit_once('/').expect("Service/Method");
        let method_descriptor = pool
            .get_service_by_name(service)
            .and_then(|s| s.methods().find(|m| m.name() == method))
            .expect("method");
        methods.insert(probe.method.clone());
        let mut request = DynamicMessage::new(method_descriptor.input());
        set_past(&mut request, &probe.chain, probe);
        let result = call(
            channel.clone(),
            &probe.method,
            method_descriptor.is_server_streaming(),
            request.encode_to_vec(),
        )
        .await;
        problems.extend(failure(probe, result));
    }
    assert!(
        problems.is_empty(),
        "{} of {} probes over {} methods failed:\n{}",
        problems.len(),
        probes.len(),
        methods.len(),
        problems.join("\n")
    );
    server.stop().await;
}
