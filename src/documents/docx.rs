//! DOCX text: the paragraphs of `word/document.xml` in the ZIP container,
//! one line each, tabs and breaks kept.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::DocumentError;

/// Largest `word/document.xml` read, uncompressed: a guard against ZIP bombs.
const MAX_XML_BYTES: u64 = 32 * 1024 * 1024;

pub(super) fn text(content: &[u8]) -> Result<String, DocumentError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(content)).map_err(|e| {
        if content.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
            // An OLE container: a password-protected Office file (or a .doc).
            DocumentError::Encrypted
        } else {
            DocumentError::Unreadable(format!("not a DOCX (ZIP) file: {e}"))
        }
    })?;
    let entry = archive
        .by_name("word/document.xml")
        .map_err(|_| DocumentError::Unreadable("no word/document.xml: not a DOCX file".into()))?;
    if entry.encrypted() {
        return Err(DocumentError::Encrypted);
    }
    let mut xml = Vec::new();
    entry
        .take(MAX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|e| DocumentError::Unreadable(e.to_string()))?;
    if xml.len() as u64 > MAX_XML_BYTES {
        return Err(DocumentError::Unreadable(format!(
            "word/document.xml is larger than {MAX_XML_BYTES} bytes"
        )));
    }
    paragraphs(&xml)
}

/// The text of WordprocessingML: `w:t` runs, `w:tab` as a tab, `w:br` and
/// `w:cr` as line breaks, a line break after every `w:p`.
fn paragraphs(xml: &[u8]) -> Result<String, DocumentError> {
    let mut reader = Reader::from_reader(xml);
    let mut text = String::new();
    let mut in_text = false;
    let mut buffer = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|e| DocumentError::Unreadable(format!("word/document.xml: {e}")))?;
        match event {
            Event::Start(start) if start.name().as_ref() == b"w:t" => in_text = true,
            Event::End(end) => match end.name().as_ref() {
                b"w:t" => in_text = false,
                b"w:p" => text.push('\n'),
                _ => {}
            },
            Event::Empty(empty) => match empty.name().as_ref() {
                b"w:tab" => text.push('\t'),
                b"w:br" | b"w:cr" | b"w:p" => text.push('\n'),
                _ => {}
            },
            Event::Text(run) if in_text => {
                let decoded = run
                    .xml10_content()
                    .map_err(|e| DocumentError::Unreadable(format!("word/document.xml: {e}")))?;
                text.push_str(&decoded);
            }
            Event::GeneralRef(reference) if in_text => {
                let name = reference
                    .decode()
                    .map_err(|e| DocumentError::Unreadable(format!("word/document.xml: {e}")))?;
                let resolved = quick_xml::escape::resolve_predefined_entity(&name)
                    .map(str::to_owned)
                    .or_else(|| {
                        reference
                            .resolve_char_ref()
                            .ok()
                            .flatten()
                            .map(String::from)
                    })
                    .unwrap_or_default();
                text.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    Ok(text)
}
