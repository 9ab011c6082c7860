//! The native JSON Lines format: one [`Microcredential`] per line, serde names.
//! Parsing is all-or-report: every bad line is reported with its number and reason.

use std::collections::HashSet;

use super::report::RecordReport;
use crate::domain::Microcredential;

/// A record that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedLine {
    /// 1-based position: the line number for one-record-per-line input (and
    /// for a JSON document that does not parse), the record's index in the
    /// document (`@graph` or array) otherwise.
    pub line: usize,
    /// Why it was rejected.
    pub reason: String,
}

/// The credentials of a JSON Lines text, and the lines that were rejected.
#[derive(Debug, Default)]
pub struct ParsedCredentials {
    /// Valid credentials, in file order.
    pub credentials: Vec<Microcredential>,
    /// Rejected lines, in file order.
    pub rejected: Vec<RejectedLine>,
    /// One report per record, in file order (a JSON Lines record is read
    /// as it is: its report has no field details).
    pub reports: Vec<super::report::RecordReport>,
}

/// Parses and validates JSON Lines; blank lines are skipped. A repeated id is
/// rejected on its second and later lines.
pub fn parse_credentials_jsonl(text: &str) -> ParsedCredentials {
    let mut parsed = ParsedCredentials::default();
    let mut seen = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_number = index + 1;
        let mut report = RecordReport::new(line_number, None);
        match parse_line(line) {
            Ok(credential) if !seen.insert(credential.id.clone()) => {
                let reason = format!("duplicate id {}", credential.id);
                report.reject(reason.clone());
                parsed.rejected.push(RejectedLine {
                    line: line_number,
                    reason,
                });
            }
            Ok(credential) => {
                report.id = Some(credential.id.to_string());
                report.title = Some(credential.title.clone());
                report.kind = Some(credential.kind);
                parsed.credentials.push(credential);
            }
            Err(reason) => {
                report.reject(reason.clone());
                parsed.rejected.push(RejectedLine {
                    line: line_number,
                    reason,
                });
            }
        }
        parsed.reports.push(report);
    }
    parsed
}

fn parse_line(line: &str) -> Result<Microcredential, String> {
    let credential: Microcredential =
        serde_json::from_str(line).map_err(|error| error.to_string())?;
    credential.validate().map_err(|error| error.to_string())?;
    Ok(credential)
}

/// Asserts that exactly these records were rejected: each expected pair is a
/// position and a fragment of its reason.
#[cfg(test)]
pub(crate) fn assert_rejected(parsed: &ParsedCredentials, expected: &[(usize, &str)]) {
    let found: Vec<(usize, &str)> = parsed
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(found.len(), expected.len(), "{found:?}");
    for ((line, reason), (want_line, want_reason)) in found.iter().zip(expected) {
        assert_eq!(line, want_line);
        assert!(reason.contains(want_reason), "line {line}: {reason}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"a","title":"A","hours":3,"cost":{"amount":0,"currency":"EUR"},"delivery_mode":"online","language":"en"}"#;

    #[test]
    fn reports_bad_lines_with_numbers_and_reasons() {
        let text = format!(
            "{GOOD}\n\nnot json\n{}\n{}\n{GOOD}\n",
            GOOD.replace("online", "video"),
            GOOD.replace(r#""hours":3"#, r#""hours":-1"#)
                .replace(r#""a""#, r#""b""#),
        );
        let parsed = parse_credentials_jsonl(&text);
        assert_eq!(parsed.credentials.len(), 1);
        let lines: Vec<usize> = parsed.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5, 6]);
        assert!(
            parsed.rejected[1]
                .reason
                .contains("unknown variant `video`")
        );
        assert!(parsed.rejected[2].reason.contains("hours"));
        assert!(parsed.rejected[3].reason.contains("duplicate id a"));
    }
}
