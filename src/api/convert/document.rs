//! `Document` messages to a validated document to read.

use crate::documents::{DocumentKind, MAX_DOCUMENT_BYTES};
use crate::domain::{ValidationError, Violations};
use crate::pb;

/// Longest media type accepted, in characters.
pub const MAX_MEDIA_TYPE_CHARS: usize = 255;

/// A document whose size and media type were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInput {
    /// How to read it.
    pub kind: DocumentKind,
    /// Its bytes.
    pub content: Vec<u8>,
}

impl TryFrom<pb::Document> for DocumentInput {
    type Error = ValidationError;

    fn try_from(document: pb::Document) -> Result<Self, Self::Error> {
        let pb::Document {
            content,
            media_type,
        } = document;
        let mut violations = Violations::default();
        if content.is_empty() {
            violations.add("content", "must not be empty");
        } else if content.len() > MAX_DOCUMENT_BYTES {
            violations.add(
                "content",
                format!("must be at most {MAX_DOCUMENT_BYTES} bytes"),
            );
        }
        const UNKNOWN: &str = "must be application/pdf, text/plain or the DOCX media type \
             (application/vnd.openxmlformats-officedocument.wordprocessingml.document)";
        let kind = DocumentKind::from_media_type(&media_type);
        if media_type.chars().nth(MAX_MEDIA_TYPE_CHARS).is_some() {
            violations.add(
                "media_type",
                format!("must be at most {MAX_MEDIA_TYPE_CHARS} characters"),
            );
        } else if kind.is_none() {
            violations.add("media_type", UNKNOWN);
        }
        violations.finish(())?;
        let kind = kind.ok_or_else(|| ValidationError::field("media_type", UNKNOWN))?;
        Ok(Self { kind, content })
    }
}
