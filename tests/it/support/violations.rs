//! Assertions on error statuses and their `google.rpc.BadRequest` details.

use tonic::{Code, Status};
use tonic_types::StatusExt;

/// The fields named by the BadRequest field violations of a status, which
/// must be INVALID_ARGUMENT.
pub fn violated_fields(status: &Status) -> Vec<String> {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_error_details()
        .bad_request()
        .map(|bad_request| {
            bad_request
                .field_violations
                .iter()
                .map(|violation| violation.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts INVALID_ARGUMENT with a field violation naming exactly `field`.
pub fn assert_violates(status: &Status, field: &str) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let fields = violated_fields(status);
    assert!(
        fields.iter().any(|found| found == field),
        "expected a violation of `{field}`, got {fields:?} ({})",
        status.message()
    );
}

/// Asserts NOT_FOUND.
pub fn assert_not_found(status: &Status) {
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
}
