//! The import report: for each record of a file, whether it was imported
//! (with or without warnings) or rejected, and for each field what the
//! reader made of it.

use serde::Serialize;

use crate::domain::CredentialKind;

/// What became of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Every field was read as published.
    Imported,
    /// Imported, but some field was resolved leniently, is unknown, or a
    /// published value was ignored (see the fields).
    ImportedWithWarnings,
    /// Not imported (see the reason).
    Rejected,
}

/// What the reader made of one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldOutcome {
    /// Read as published.
    Read,
    /// Read after a lenient mapping (a language name to its tag, a currency
    /// name to its code, a name to a taxonomy competency, an id derived
    /// from a URL).
    Resolved,
    /// Not published, or not usable: the field is unknown.
    Unknown,
    /// Published but not used.
    Ignored,
}

/// One field of a record's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldReport {
    /// The skillmatch field (`hours`, `cost`, ...) or, for an ignored
    /// value, the published term (`ceterms:naics`).
    pub field: String,
    /// What became of it.
    pub outcome: FieldOutcome,
    /// What was read and how, in words.
    pub detail: String,
}

/// A competency a record names without a taxonomy URI, and what it was
/// resolved to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedCompetency {
    /// The published name.
    pub name: String,
    /// The published framework (name or URL), when given.
    pub framework: Option<String>,
    /// Whether the record says it is assessed.
    pub assessed: bool,
    /// The URL the alignment points to, when it has one (a framework item
    /// that is not a taxonomy URI; the name is resolved then).
    pub published_uri: Option<String>,
    /// The taxonomy competency it was resolved to, if any.
    pub resolved: Option<ResolvedCompetency>,
}

/// A taxonomy competency a published name resolved to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedCompetency {
    /// Its URI.
    pub uri: String,
    /// Its preferred label.
    pub label: String,
    /// The extraction score.
    pub score: f64,
}

/// An occupation a record names by code (CTDL `occupationType`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedOccupation {
    /// The code (`15-1121.00`).
    pub code: String,
    /// The published name.
    pub name: Option<String>,
    /// The framework (`Standard Occupational Classification`).
    pub framework: Option<String>,
    /// The taxonomy occupation it was resolved to, if any.
    pub resolved_uri: Option<String>,
}

/// The report of one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordReport {
    /// 1-based position in the file (line for JSON Lines, index otherwise).
    pub position: usize,
    /// The id as published (`@id`, `id`), when given.
    pub source_id: Option<String>,
    /// The skillmatch credential id.
    pub id: Option<String>,
    /// The title.
    pub title: Option<String>,
    /// The kind of entry.
    pub kind: Option<CredentialKind>,
    /// What became of it.
    pub status: RecordStatus,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// Field by field.
    pub fields: Vec<FieldReport>,
    /// Competencies the record names without a taxonomy URI.
    pub named_competencies: Vec<NamedCompetency>,
    /// Occupations the record names by code.
    pub occupations: Vec<PublishedOccupation>,
}

impl RecordReport {
    /// A report for a record at `position`, with nothing read yet.
    pub fn new(position: usize, source_id: Option<String>) -> Self {
        Self {
            position,
            source_id,
            id: None,
            title: None,
            kind: None,
            status: RecordStatus::Imported,
            reason: None,
            fields: Vec::new(),
            named_competencies: Vec::new(),
            occupations: Vec::new(),
        }
    }

    /// Records what became of a field.
    pub fn field(&mut self, field: &str, outcome: FieldOutcome, detail: impl Into<String>) {
        self.fields.push(FieldReport {
            field: field.to_owned(),
            outcome,
            detail: detail.into(),
        });
    }

    /// Marks the record rejected.
    pub fn reject(&mut self, reason: impl Into<String>) {
        self.status = RecordStatus::Rejected;
        self.reason = Some(reason.into());
    }

    /// Sets the status of an imported record from its fields: with warnings
    /// when any field is not simply read, or a named competency or
    /// occupation stayed unresolved.
    pub fn settle(&mut self) {
        if self.status == RecordStatus::Rejected {
            return;
        }
        let warned = self.fields.iter().any(|f| f.outcome != FieldOutcome::Read)
            || self.named_competencies.iter().any(|c| c.resolved.is_none())
            || self.occupations.iter().any(|o| o.resolved_uri.is_none());
        self.status = if warned {
            RecordStatus::ImportedWithWarnings
        } else {
            RecordStatus::Imported
        };
    }

    /// The outcome of a field, the first time it was reported.
    pub fn outcome(&self, field: &str) -> Option<FieldOutcome> {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.outcome)
    }

    /// One line per warning for a terminal: `field: outcome: detail`.
    pub fn warning_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .fields
            .iter()
            .filter(|f| f.outcome != FieldOutcome::Read)
            .map(|f| {
                let outcome = match f.outcome {
                    FieldOutcome::Read => "read",
                    FieldOutcome::Resolved => "resolved",
                    FieldOutcome::Unknown => "unknown",
                    FieldOutcome::Ignored => "ignored",
                };
                format!("{}: {outcome}: {}", f.field, f.detail)
            })
            .collect();
        let unresolved = self
            .named_competencies
            .iter()
            .filter(|c| c.resolved.is_none())
            .count();
        if unresolved > 0 {
            lines.push(format!(
                "competencies: {unresolved} of {} named competencies matched no taxonomy competency",
                self.named_competencies.len()
            ));
        }
        let unresolved = self
            .occupations
            .iter()
            .filter(|o| o.resolved_uri.is_none())
            .count();
        if unresolved > 0 {
            lines.push(format!(
                "occupations: {unresolved} of {} occupation codes are not in an imported taxonomy",
                self.occupations.len()
            ));
        }
        lines
    }
}

/// The reports of a whole file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// One per record.
    pub records: Vec<RecordReport>,
}

impl ImportReport {
    /// How many records have this status.
    pub fn count(&self, status: RecordStatus) -> usize {
        self.records.iter().filter(|r| r.status == status).count()
    }
}
