//! What the CTDL and Open Badges readers share: splitting a file into
//! records, reading JSON-LD values (language maps, references), ids from
//! IRIs, and ISO 8601 durations.

use serde_json::Value;

use std::collections::HashSet;

use super::report::RecordReport;
use super::{ParsedCredentials, RejectedLine};
use crate::domain::{CredentialId, Microcredential};

/// One record of an import file and its 1-based position.
#[derive(Debug, Clone)]
pub(super) struct Record {
    /// The line (JSON Lines input) or the index in the document (`@graph` or array).
    pub position: usize,
    /// The JSON-LD node.
    pub node: Value,
}

/// Collects the outcome of each record: credentials in order, a repeated id
/// rejected on its later records, every rejection with its position and the
/// record's id when it has one, and a report per record.
pub(super) struct Outcomes {
    parsed: ParsedCredentials,
    rejected: Vec<RejectedLine>,
    seen: HashSet<CredentialId>,
}

impl Outcomes {
    /// Starts from the rejections made while splitting the file.
    pub(super) fn new(rejected: Vec<RejectedLine>) -> Self {
        let mut parsed = ParsedCredentials::default();
        for line in &rejected {
            let mut report = RecordReport::new(line.line, None);
            report.reject(line.reason.clone());
            parsed.reports.push(report);
        }
        Self {
            parsed,
            rejected,
            seen: HashSet::new(),
        }
    }

    /// Records one record's outcome and its report.
    pub(super) fn push(
        &mut self,
        record: &Record,
        mut report: RecordReport,
        outcome: Result<Microcredential, String>,
    ) {
        let line = record.position;
        let reject = |report: &mut RecordReport, reason: String| {
            let reason = match &report.source_id {
                Some(id) => format!("{id}: {reason}"),
                None => reason,
            };
            report.reject(reason.clone());
            RejectedLine { line, reason }
        };
        match outcome {
            Ok(credential) if !self.seen.insert(credential.id.clone()) => {
                let reason = format!("duplicate id {}", credential.id);
                report.id = Some(credential.id.to_string());
                self.rejected.push(reject(&mut report, reason));
            }
            Ok(credential) => {
                report.id = Some(credential.id.to_string());
                report.title = Some(credential.title.clone());
                report.kind = Some(credential.kind);
                report.settle();
                self.parsed.credentials.push(credential);
            }
            Err(reason) => self.rejected.push(reject(&mut report, reason)),
        }
        self.parsed.reports.push(report);
    }

    /// The credentials, the rejections and the reports in file order.
    pub(super) fn finish(mut self) -> ParsedCredentials {
        self.rejected.sort_by_key(|r| r.line);
        self.parsed.reports.sort_by_key(|r| r.position);
        self.parsed.rejected = self.rejected;
        self.parsed
    }
}

/// Splits a file into records: a JSON document (an object with `@graph`, an
/// array of nodes, or one node) or JSON Lines (one node per line, detected
/// when the first line is a complete JSON value and more follows). A
/// document that does not parse is one rejection at the line of the error.
pub(super) fn records(text: &str) -> (Vec<Record>, Vec<RejectedLine>) {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let first_is_whole = lines
        .next()
        .is_some_and(|(_, line)| serde_json::from_str::<Value>(line).is_ok());
    if first_is_whole && lines.next().is_some() {
        return json_lines(text);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut object)) => match object.remove("@graph") {
            Some(Value::Array(nodes)) => (numbered(nodes), Vec::new()),
            Some(_) => (
                Vec::new(),
                vec![RejectedLine {
                    line: 1,
                    reason: "@graph must be an array of nodes".into(),
                }],
            ),
            None => (numbered(vec![Value::Object(object)]), Vec::new()),
        },
        Ok(Value::Array(nodes)) => (numbered(nodes), Vec::new()),
        Ok(_) => (
            Vec::new(),
            vec![RejectedLine {
                line: 1,
                reason: "expected a JSON object, an array of objects or JSON Lines".into(),
            }],
        ),
        Err(error) => (
            Vec::new(),
            vec![RejectedLine {
                line: error.line().max(1),
                reason: format!("not valid JSON: {error}"),
            }],
        ),
    }
}

fn numbered(nodes: Vec<Value>) -> Vec<Record> {
    nodes
        .into_iter()
        .enumerate()
        .map(|(index, node)| Record {
            position: index + 1,
            node,
        })
        .collect()
}

fn json_lines(text: &str) -> (Vec<Record>, Vec<RejectedLine>) {
    let mut records = Vec::new();
    let mut rejected = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(node) => records.push(Record {
                position: index + 1,
                node,
            }),
            Err(error) => rejected.push(RejectedLine {
                line: index + 1,
                reason: format!("not valid JSON: {error}"),
            }),
        }
    }
    (records, rejected)
}

/// A text value: a string, a language map (English preferred, else the
/// first), `{"@value": ...}`, or the first of an array of those.
pub(super) fn text(value: Option<&Value>) -> Option<String> {
    let text = match value? {
        Value::String(s) => s.clone(),
        Value::Array(items) => return items.iter().find_map(|item| text(Some(item))),
        Value::Object(map) => {
            if let Some(inner) = map.get("@value") {
                return text(Some(inner));
            }
            let english = ["en", "en-US", "en-GB"]
                .iter()
                .find_map(|key| map.get(*key))
                .or_else(|| {
                    map.iter()
                        .find(|(key, _)| key.starts_with("en"))
                        .map(|(_, v)| v)
                });
            return text(english.or_else(|| map.values().next()));
        }
        _ => return None,
    };
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The language tag of the first key of a language map, if `value` is one.
pub(super) fn language_map_tag(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Object(map) if !map.contains_key("@value") => map.keys().next().cloned(),
        _ => None,
    }
}

/// A value or each element of an array of values.
pub(super) fn each(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    let items: &[Value] = match value {
        Some(Value::Array(items)) => items,
        Some(single) => std::slice::from_ref(single),
        None => &[],
    };
    items.iter()
}

/// The IRIs a property references: strings, or objects with `@id` / `id`.
pub(super) fn references(value: Option<&Value>) -> Vec<String> {
    each(value)
        .filter_map(|item| match item {
            Value::String(iri) => Some(iri.clone()),
            Value::Object(map) => map
                .get("@id")
                .or_else(|| map.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// A credential id from an IRI, and whether it had to be derived rather
/// than taken as it is. The id is the IRI's last path segment (`ce-...` for
/// a Credential Registry resource; a URN as it is); a query string is kept,
/// appended after a `.` with every character an id cannot hold replaced by
/// `-` (`badge?v=3_0` gives `badge.v-3_0`). An IRI that still gives no valid
/// id gets `iri-` and the first 32 hex digits of its BLAKE3 hash. Equal IRIs
/// always give equal ids.
pub(super) fn id_from_iri(iri: &str) -> Result<(CredentialId, bool), String> {
    let trimmed = iri.trim();
    if trimmed.is_empty() {
        return Err("an empty id".to_owned());
    }
    if let Ok(id) = plain_id(trimmed) {
        return Ok((id, false));
    }
    let (path, query) = trimmed.split_once('?').unwrap_or((trimmed, ""));
    let last = path
        .trim_end_matches('/')
        .rsplit(['/', '#'])
        .next()
        .unwrap_or_default();
    let sanitise = |part: &str| -> String {
        part.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':') {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    let mut derived = sanitise(last);
    if !query.is_empty() {
        derived.push('.');
        derived.push_str(&sanitise(query));
    }
    if !last.is_empty() {
        if let Ok(id) = CredentialId::parse(&derived) {
            return Ok((id, true));
        }
    }
    let hash = blake3::hash(trimmed.as_bytes()).to_hex();
    let id = CredentialId::parse(&format!("iri-{}", &hash[..32]))
        .map_err(|error| format!("cannot make a credential id from {iri:?}: {error}"))?;
    Ok((id, true))
}

/// The last path segment of an IRI when it is a valid id as it is.
fn plain_id(iri: &str) -> Result<CredentialId, ()> {
    let trimmed = iri.trim_end_matches('/');
    let last = trimmed.rsplit(['/', '#']).next().unwrap_or(trimmed);
    CredentialId::parse(last).map_err(|_| ())
}

/// Hours in an ISO 8601 duration such as `PT40H` or `P6W`. Time parts count
/// as they are; date parts count as full-time study: a day is 8 hours, a week
/// 40, a month 173 (40 x 52 / 12) and a year 2,080.
pub(super) fn duration_hours(raw: &str) -> Result<f64, String> {
    let invalid = || format!("{raw:?} is not an ISO 8601 duration such as PT40H or P6W");
    let body = raw.trim().strip_prefix('P').ok_or_else(invalid)?;
    let (date, time) = body.split_once('T').unwrap_or((body, ""));
    if body.is_empty() || (body.contains('T') && time.is_empty()) {
        return Err(invalid());
    }
    let mut hours = 0.0;
    for (part, units) in [
        (
            date,
            &[('Y', 2080.0), ('M', 173.0), ('W', 40.0), ('D', 8.0)][..],
        ),
        (
            time,
            &[('H', 1.0), ('M', 1.0 / 60.0), ('S', 1.0 / 3600.0)][..],
        ),
    ] {
        let mut rest = part;
        let mut allowed = units.iter();
        while !rest.is_empty() {
            let end = rest
                .find(|c: char| c.is_ascii_alphabetic())
                .ok_or_else(invalid)?;
            let number: f64 = rest[..end]
                .replace(',', ".")
                .parse()
                .map_err(|_| invalid())?;
            let designator = rest[end..].chars().next().ok_or_else(invalid)?;
            let (_, factor) = allowed
                .find(|(d, _)| *d == designator)
                .ok_or_else(invalid)?;
            hours += number * factor;
            rest = &rest[end + 1..];
        }
    }
    Ok(hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_hours("PT40H"), Ok(40.0));
        assert_eq!(duration_hours("PT1H30M"), Ok(1.5));
        assert_eq!(duration_hours("P6W"), Ok(240.0));
        assert_eq!(duration_hours("P1DT2H"), Ok(10.0));
        assert_eq!(duration_hours("PT0,5H"), Ok(0.5));
        for bad in ["40H", "P", "PT", "P1H", "PT1D", "P1W1Y", "Pxx"] {
            assert!(duration_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts_and_ids() {
        let map = serde_json::json!({"de": "Hallo", "en-US": "Hello"});
        assert_eq!(text(Some(&map)).as_deref(), Some("Hello"));
        assert_eq!(language_map_tag(Some(&map)).as_deref(), Some("de"));
        let id = |iri: &str| {
            let (id, derived) = id_from_iri(iri).unwrap();
            (id.to_string(), derived)
        };
        assert_eq!(
            id("https://credentialengineregistry.org/resources/ce-1a2b/"),
            ("ce-1a2b".into(), false)
        );
        assert_eq!(id("urn:uuid:42"), ("urn:uuid:42".into(), false));
        assert_eq!(
            id("https://api.openbadges.education/public/badges/1l5y_22PS?v=3_0"),
            ("1l5y_22PS.v-3_0".into(), true)
        );
        assert_eq!(id("https://x.org/a b"), ("a-b".into(), true));
        let long = format!("https://x.org/{}", "a".repeat(200));
        let (hashed, derived) = id(&long);
        assert!(hashed.starts_with("iri-") && derived, "{hashed}");
        assert_eq!(id(&long), id(&long), "deterministic");
        assert!(id_from_iri(" ").is_err());
    }

    #[test]
    fn splits_documents_and_lines() {
        let (found, rejected) = records(r#"{"@graph": [{"a": 1}, {"b": 2}]}"#);
        assert_eq!((found.len(), rejected.len()), (2, 0));
        let (found, rejected) = records("{\"a\": 1}\n\nnot json\n{\"b\": 2}\n");
        let positions: Vec<usize> = found.iter().map(|r| r.position).collect();
        assert_eq!(positions, [1, 4]);
        assert_eq!(rejected[0].line, 3);
        let (found, rejected) = records("{\n \"a\": \n}");
        assert!(found.is_empty());
        assert_eq!(rejected[0].line, 3);
    }
}
