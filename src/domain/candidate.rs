//! Candidates: the credentials they hold, the competencies they declare and
//! their CV text. No protected attributes (age, gender, origin, ...) exist
//! here by design, and the display name is never used in scoring.

use serde::{Deserialize, Serialize};

use super::limits::{MAX_NAME_CHARS, MAX_URI_CHARS};
use super::{CredentialId, Date, Proficiency, RecordId, ValidationError, Violations};

/// Longest CV text accepted, in bytes.
pub const MAX_CV_BYTES: usize = 64 * 1024;
/// Most held credentials or declared competencies per candidate.
pub const MAX_ITEMS: usize = 500;

/// A credential a candidate holds: a catalogue credential or a free-form one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldCredential {
    /// Catalogue credential id, when it is one of the catalogue's.
    pub credential_id: Option<CredentialId>,
    /// Title, for free-form credentials (or to record the title as issued).
    pub title: String,
    /// Issuer, for free-form credentials.
    pub issuer: String,
    /// Date of issue.
    pub issued: Option<Date>,
    /// Date of expiry.
    pub expires: Option<Date>,
    /// Whether the issuer's record was verified (e.g. a signed badge).
    pub verified: bool,
}

/// A competency the candidate says they have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeclaredCompetency {
    /// Competency URI.
    pub uri: String,
    /// When it was last used.
    pub last_used: Option<Date>,
    /// Self-assessed proficiency.
    pub proficiency: Option<Proficiency>,
}

/// A span of the CV text that evidences a competency (character offsets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceSpan {
    /// First character.
    pub start: usize,
    /// Just past the last character.
    pub end: usize,
    /// The text of the span.
    pub text: String,
}

/// A competency extracted from the CV text when the candidate was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvCompetency {
    /// Competency URI.
    pub uri: String,
    /// Extraction confidence in [0, 1].
    pub score: f64,
    /// Where the CV evidences it.
    pub evidence: Vec<EvidenceSpan>,
}

/// A candidate record of one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Client-chosen id.
    pub id: RecordId,
    /// Name to display; never used in scoring, omitted by anonymised rankings.
    pub display_name: Option<String>,
    /// Credentials held.
    pub credentials: Vec<HeldCredential>,
    /// Declared competencies.
    pub competencies: Vec<DeclaredCompetency>,
    /// CV text.
    pub cv_text: String,
    /// Competencies extracted from the CV text (derived; set by the engine).
    pub cv_competencies: Vec<CvCompetency>,
}

impl Candidate {
    /// Checks limits and consistency the types cannot express.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        violations.check(
            self.cv_text.len() <= MAX_CV_BYTES,
            "cv_text",
            &format!("must be at most {MAX_CV_BYTES} bytes"),
        );
        violations.check(
            self.credentials.len() <= MAX_ITEMS,
            "credentials",
            &format!("at most {MAX_ITEMS}"),
        );
        violations.check(
            self.competencies.len() <= MAX_ITEMS,
            "competencies",
            &format!("at most {MAX_ITEMS}"),
        );
        if let Some(name) = &self.display_name {
            violations.check_chars("display_name", name, MAX_NAME_CHARS);
        }
        // Field paths name the wire fields (`expires_on`, not `expires`).
        for (index, held) in self.credentials.iter().enumerate().take(MAX_ITEMS) {
            let field = format!("credentials[{index}].");
            if held.credential_id.is_none() && held.title.trim().is_empty() {
                violations.add(
                    format!("{field}title"),
                    "is required when credential_id is empty",
                );
            }
            violations.check_chars(&format!("{field}title"), &held.title, MAX_NAME_CHARS);
            violations.check_chars(&format!("{field}issuer"), &held.issuer, MAX_NAME_CHARS);
            if let (Some(issued), Some(expires)) = (held.issued, held.expires) {
                if expires < issued {
                    violations.add(format!("{field}expires_on"), "must not be before issued_on");
                }
            }
        }
        for (index, declared) in self.competencies.iter().enumerate().take(MAX_ITEMS) {
            let field = format!("competencies[{index}].uri");
            if declared.uri.trim().is_empty() {
                violations.add(field, "must not be empty");
            } else {
                violations.check_chars(&field, &declared.uri, MAX_URI_CHARS);
            }
        }
        violations.finish(())
    }
}
