//! Reading a `Document` of a request into text, on the blocking pool.

use tonic::Status;

use super::Workers;
use super::convert::document::DocumentInput;
use crate::documents::document_text;
use crate::domain::ValidationError;
use crate::pb;

/// The text of the document in request field `field` (e.g. `cv_document`);
/// INVALID_ARGUMENT naming `field.content` or `field.media_type` when it
/// cannot be read.
pub(super) async fn read_document(
    workers: &Workers,
    document: pb::Document,
    field: &str,
) -> Result<String, Status> {
    let input = DocumentInput::try_from(document).map_err(|e| e.within(&format!("{field}.")))?;
    let field = format!("{field}.content");
    workers
        .compute(move |_| {
            document_text(input.kind, &input.content)
                .map_err(|error| ValidationError::field(field, error.to_string()).into())
        })
        .await
}
