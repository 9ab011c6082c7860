//! CVs and postings as documents: PDF and DOCX (and plain text) are read
//! server-side, the extracted text is returned and evidence offsets refer to
//! it; unreadable or encrypted documents are INVALID_ARGUMENT and nothing is
//! stored. The documents are made here: a DOCX with the zip crate, a PDF by
//! hand (one page, Helvetica, one text line per CV line).

use crate::support::violations::violated_fields;
use std::io::Write;

use crate::support::TestServer;
use base64::Engine as _;
use serde_json::json;
use skillmatch::documents::{DOCX_MEDIA_TYPE, MAX_DOCUMENT_BYTES};
use skillmatch::pb;
use skillmatch::pb::candidate_service_client::CandidateServiceClient;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use tonic_types::StatusExt;

const SQL: &str = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742";
const CV_LINES: [&str; 3] = [
    "Ada Lovelace, data analyst",
    "Five years of SQL reporting and Python automation.",
    "Built dashboards with machine learning forecasts.",
];

/// A one-page PDF showing `lines`; with `encrypt`, its trailer names a
/// standard security handler.
fn pdf(lines: &[&str], encrypt: bool) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 14 TL 72 720 Td\n");
    for line in lines {
        let escaped = line
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        content.push_str(&format!("({escaped}) Tj T*\n"));
    }
    content.push_str("ET");
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ];
    if encrypt {
        let hex32 = "00".repeat(32);
        objects.push(format!(
            "<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <{hex32}> /U <{hex32}> >>"
        ));
    }
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    let encryption = if encrypt {
        format!(
            " /Encrypt {} 0 R /ID [<{id}> <{id}>]",
            objects.len(),
            id = "ab".repeat(16)
        )
    } else {
        String::new()
    };
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R{encryption} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A DOCX with one paragraph per line.
fn docx(lines: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for line in lines {
        let escaped = line.replace('&', "&amp;").replace('<', "&lt;");
        body.push_str(&format!(
            "<w:p><w:r><w:t xml:space=\"preserve\">{escaped}</w:t></w:r></w:p>"
        ));
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
         <w:body>{body}</w:body></w:document>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(
        b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
          <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>",
    )
    .unwrap();
    zip.start_file("word/document.xml", options).unwrap();
    zip.write_all(document.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

fn document(content: Vec<u8>, media_type: &str) -> pb::Document {
    pb::Document {
        content,
        media_type: media_type.to_owned(),
    }
}

fn upsert(id: &str, cv: pb::Document) -> pb::UpsertCandidateRequest {
    pb::UpsertCandidateRequest {
        candidate: Some(pb::Candidate {
            id: id.to_owned(),
            display_name: "Ada".into(),
            ..Default::default()
        }),
        cv_document: Some(cv),
    }
}

/// Every evidence span slices the text to its own text.
fn assert_offsets_refer_to(text: &str, spans: &[(i32, i32, &str)]) {
    let chars: Vec<char> = text.chars().collect();
    assert!(!spans.is_empty());
    for (start, end, shown) in spans {
        let (start, end) = (
            usize::try_from(*start).unwrap(),
            usize::try_from(*end).unwrap(),
        );
        let sliced: String = chars[start..end].iter().collect();
        assert_eq!(&sliced, shown, "offsets {start}..{end} of {text:?}");
    }
}

#[tokio::test]
async fn pdf_and_docx_cvs_yield_competencies_with_evidence_in_the_extracted_text() {
    let server = TestServer::builder().start().await;
    let mut candidates = CandidateServiceClient::new(server.channel().await);
    for (id, cv) in [
        ("pdf-cv", document(pdf(&CV_LINES, false), "application/pdf")),
        ("docx-cv", document(docx(&CV_LINES), DOCX_MEDIA_TYPE)),
        (
            "text-cv",
            document(
                CV_LINES.join("\n").into_bytes(),
                "text/plain; charset=utf-8",
            ),
        ),
    ] {
        let stored = candidates
            .upsert_candidate(upsert(id, cv))
            .await
            .unwrap_or_else(|status| panic!("{id}: {status:?}"))
            .into_inner()
            .candidate
            .unwrap();
        for line in CV_LINES {
            assert!(
                stored.cv_text.contains(line),
                "{id}: {line:?} in {:?}",
                stored.cv_text
            );
        }
        let sql = stored
            .cv_competencies
            .iter()
            .find(|c| c.uri == SQL)
            .unwrap_or_else(|| panic!("{id}: SQL found in {:?}", stored.cv_competencies));
        let spans: Vec<(i32, i32, &str)> = stored
            .cv_competencies
            .iter()
            .flat_map(|c| &c.evidence)
            .map(|span| (span.start, span.end, span.text.as_str()))
            .collect();
        assert_offsets_refer_to(&stored.cv_text, &spans);
        assert_eq!(sql.evidence[0].text, "SQL");
    }
    server.stop().await;
}

#[tokio::test]
async fn extraction_reads_a_document_and_returns_its_text() {
    let server = TestServer::builder().start().await;
    let mut taxonomy = TaxonomyServiceClient::new(server.channel().await);
    let answer = taxonomy
        .extract_competencies(pb::ExtractCompetenciesRequest {
            document: Some(document(pdf(&CV_LINES, false), "application/pdf")),
            text_kind: 0,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(answer.text.contains(CV_LINES[1]), "{:?}", answer.text);
    let spans: Vec<(i32, i32, &str)> = answer
        .competencies
        .iter()
        .flat_map(|c| &c.evidence)
        .map(|span| (span.start, span.end, span.text.as_str()))
        .collect();
    assert_offsets_refer_to(&answer.text, &spans);
    assert!(
        answer
            .competencies
            .iter()
            .any(|c| c.competency.as_ref().unwrap().uri == SQL)
    );

    let plain = taxonomy
        .extract_competencies(pb::ExtractCompetenciesRequest {
            text: "SQL".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(plain.text.is_empty(), "the text is not echoed back");

    // Over HTTP/JSON the bytes are base64.
    let encoded = base64::engine::general_purpose::STANDARD.encode(docx(&CV_LINES));
    let over_http = server
        .rpc(
            "/skillmatch.v1.TaxonomyService/ExtractCompetencies",
            "",
            &json!({ "document": { "content": encoded, "mediaType": DOCX_MEDIA_TYPE } }),
        )
        .await;
    assert_eq!(over_http.status, 200, "{over_http:?}");
    assert!(
        over_http.json()["text"]
            .as_str()
            .unwrap()
            .contains(CV_LINES[2])
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_documents_are_refused_with_a_reason_and_nothing_is_stored() {
    let server = TestServer::builder().start().await;
    let mut candidates = CandidateServiceClient::new(server.channel().await);
    let cases = [
        (
            document(pdf(&CV_LINES, true), "application/pdf"),
            "cv_document.content",
            "encrypted",
        ),
        (
            document(b"%PDF-1.4 garbage".to_vec(), "application/pdf"),
            "cv_document.content",
            "cannot be read",
        ),
        (
            document(b"PK\x03\x04 not really".to_vec(), DOCX_MEDIA_TYPE),
            "cv_document.content",
            "cannot be read",
        ),
        (
            document(pdf(&[], false), "application/pdf"),
            "cv_document.content",
            "no text",
        ),
        (
            document(b"SQL".to_vec(), "application/msword"),
            "cv_document.media_type",
            "must be",
        ),
        (
            document(Vec::new(), "application/pdf"),
            "cv_document.content",
            "empty",
        ),
        (
            document(vec![b'a'; MAX_DOCUMENT_BYTES + 1], "text/plain"),
            "cv_document.content",
            "at most",
        ),
    ];
    for (index, (cv, field, reason)) in cases.into_iter().enumerate() {
        let status = candidates
            .upsert_candidate(upsert(&format!("bad-{index}"), cv))
            .await
            .unwrap_err();
        assert_eq!(violated_fields(&status), [field], "case {index}");
        let described = status.get_details_bad_request().unwrap().field_violations[0]
            .description
            .clone();
        assert!(described.contains(reason), "case {index}: {described}");
        let lookup = candidates
            .get_candidate(pb::GetCandidateRequest {
                id: format!("bad-{index}"),
            })
            .await
            .unwrap_err();
        assert_eq!(
            lookup.code(),
            tonic::Code::NotFound,
            "case {index}: nothing stored"
        );
    }
    let at_limit = vec![b'a'; MAX_DOCUMENT_BYTES];
    let status = candidates
        .upsert_candidate(upsert("at-limit", document(at_limit, "text/plain")))
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&status),
        ["candidate.cv_text"],
        "a document at the limit is read; its text then meets the CV text limit"
    );

    let both = pb::UpsertCandidateRequest {
        candidate: Some(pb::Candidate {
            id: "both".into(),
            cv_text: "SQL".into(),
            ..Default::default()
        }),
        cv_document: Some(document(b"SQL".to_vec(), "text/plain")),
    };
    let status = candidates.upsert_candidate(both).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["cv_document"]);
    server.stop().await;
}
