//! Documents to text: a CV or a posting given as PDF, DOCX or plain text is
//! read into the text that extraction then works on (and whose offsets its
//! evidence spans use). Synchronous and CPU-bound: call it on the blocking
//! pool.

mod docx;
mod pdf;

/// Largest document accepted, in bytes.
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

/// The media type of a DOCX file.
pub const DOCX_MEDIA_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The kinds of document that can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// `application/pdf`.
    Pdf,
    /// Office Open XML word processing (`.docx`).
    Docx,
    /// `text/plain`, UTF-8.
    PlainText,
}

impl DocumentKind {
    /// The kind of a media type (parameters such as `; charset=utf-8` ignored), if readable.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case("application/pdf") {
            Some(Self::Pdf)
        } else if essence.eq_ignore_ascii_case(DOCX_MEDIA_TYPE) {
            Some(Self::Docx)
        } else if essence.eq_ignore_ascii_case("text/plain") {
            Some(Self::PlainText)
        } else {
            None
        }
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// The document is encrypted or password-protected.
    #[error("the document is encrypted or password-protected; send it unprotected")]
    Encrypted,
    /// The bytes are not a document of the given kind, or it is damaged.
    #[error("the document cannot be read: {0}")]
    Unreadable(String),
    /// The document holds no text (e.g. a scanned PDF without a text layer).
    #[error("the document holds no text (a scan without a text layer?)")]
    NoText,
}

/// The text of a document.
pub fn document_text(kind: DocumentKind, content: &[u8]) -> Result<String, DocumentError> {
    let text = match kind {
        DocumentKind::Pdf => pdf::text(content)?,
        DocumentKind::Docx => docx::text(content)?,
        DocumentKind::PlainText => std::str::from_utf8(content)
            .map_err(|e| DocumentError::Unreadable(format!("not UTF-8 text: {e}")))?
            .trim_start_matches('\u{feff}')
            .to_owned(),
    };
    let text = tidy(&text);
    if text.trim().is_empty() {
        return Err(DocumentError::NoText);
    }
    Ok(text)
}

/// Lines trimmed at the end, runs of blank lines collapsed to one, no
/// leading or trailing blank lines: the layout extractors leave behind
/// is noise for offsets a reader will look at.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
            if blank_run > 0 {
                out.push('\n');
            }
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_matched_by_essence() {
        assert_eq!(
            DocumentKind::from_media_type("application/PDF"),
            Some(DocumentKind::Pdf)
        );
        assert_eq!(
            DocumentKind::from_media_type("text/plain; charset=utf-8"),
            Some(DocumentKind::PlainText)
        );
        assert_eq!(
            DocumentKind::from_media_type(DOCX_MEDIA_TYPE),
            Some(DocumentKind::Docx)
        );
        assert_eq!(DocumentKind::from_media_type("application/msword"), None);
    }

    #[test]
    fn plain_text_is_utf8_and_tidied() {
        let text = document_text(
            DocumentKind::PlainText,
            "\u{feff}\n\nSQL  \n\n\n\nPython\n".as_bytes(),
        );
        assert_eq!(text.unwrap(), "SQL\n\nPython");
        assert!(matches!(
            document_text(DocumentKind::PlainText, &[0xff, 0xfe, 0x00]),
            Err(DocumentError::Unreadable(_))
        ));
        assert_eq!(
            document_text(DocumentKind::PlainText, b"  \n "),
            Err(DocumentError::NoText)
        );
    }
}
