//! A `tonic::Status` as the Connect protocol's JSON error body:
//! `{"code": "invalid_argument", "message": "..", "details": [{"type":
//! "google.rpc.BadRequest", "value": "<base64>", "debug": {"fieldViolations":
//! [..]}}]}`, with the HTTP status Connect gives the code.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use prost::Message as _;
use serde_json::{Value, json};
use tonic::Status;

use crate::api::status::http::{code_name, http_status};

/// The JSON error object of `status`.
pub(super) fn error_json(status: &Status) -> Value {
    let mut error = json!({
        "code": code_name(status.code()),
        "message": status.message(),
    });
    let details = details_json(status.details());
    if !details.is_empty() {
        error["details"] = Value::Array(details);
    }
    error
}

/// The HTTP status and JSON body of `status`.
pub(super) fn error_parts(status: &Status) -> (u16, Vec<u8>) {
    let body = serde_json::to_vec(&error_json(status)).unwrap_or_default();
    (http_status(status.code()), body)
}

/// The `google.rpc.Status` details a status carries (encoded by
/// `tonic_types`), each with its JSON form under `debug` when known.
fn details_json(encoded: &[u8]) -> Vec<Value> {
    if encoded.is_empty() {
        return Vec::new();
    }
    let Ok(rpc_status) = tonic_types::Status::decode(encoded) else {
        return Vec::new();
    };
    rpc_status
        .details
        .iter()
        .map(|any| {
            let kind = any.type_url.rsplit('/').next().unwrap_or_default();
            let mut detail = json!({ "type": kind, "value": STANDARD.encode(&any.value) });
            if kind == "google.rpc.BadRequest" {
                if let Ok(bad) = tonic_types::pb::BadRequest::decode(any.value.as_slice()) {
                    let violations: Vec<Value> = bad
                        .field_violations
                        .iter()
                        .map(|v| json!({ "field": v.field, "description": v.description }))
                        .collect();
                    detail["debug"] = json!({ "fieldViolations": violations });
                }
            }
            detail
        })
        .collect()
}
