//! PDF text through pdf-extract (lopdf underneath).

use std::panic::{AssertUnwindSafe, catch_unwind};

use pdf_extract::{Document, PlainTextOutput, output_doc};

use super::DocumentError;

/// The text of a PDF, page after page. Encrypted PDFs are refused, even
/// those that open with an empty password.
pub(super) fn text(content: &[u8]) -> Result<String, DocumentError> {
    // pdf-extract can panic on malformed input; a bad upload must not take
    // the worker down with it.
    catch_unwind(AssertUnwindSafe(|| read(content)))
        .unwrap_or_else(|_| Err(DocumentError::Unreadable("malformed PDF".into())))
}

fn read(content: &[u8]) -> Result<String, DocumentError> {
    if !content.starts_with(b"%PDF-") {
        return Err(DocumentError::Unreadable("not a PDF file".into()));
    }
    let document =
        Document::load_mem(content).map_err(|e| DocumentError::Unreadable(e.to_string()))?;
    if document.is_encrypted() || document.was_encrypted() {
        return Err(DocumentError::Encrypted);
    }
    let mut text = String::new();
    let mut output = PlainTextOutput::new(&mut text);
    output_doc(&document, &mut output).map_err(|e| DocumentError::Unreadable(e.to_string()))?;
    Ok(text)
}
