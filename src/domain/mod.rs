//! The domain model: competencies, credentials, jobs. No protobuf here.

mod candidate;
mod competency;
mod credential;
mod credential_batch;
mod date;
mod ids;
mod job;
mod language;
pub mod limits;
mod money;
mod occupation;
mod record_id;
mod validation;

pub use candidate::{
    Candidate, CvCompetency, DeclaredCompetency, EvidenceSpan, HeldCredential, MAX_CV_BYTES,
};
pub use competency::{Competency, CompetencyKind, TaxonomyVersion};
pub use credential::{
    AlignmentSource, CredentialKind, Credits, DeliveryMode, Microcredential, Proficiency,
    PublishedCompetency, PublishedCost, TaughtCompetency, is_language_tag, primary_language,
};
pub use credential_batch::CredentialBatch;
pub use date::Date;
pub use ids::{CredentialId, MAX_ID_LEN, check_client_id};
pub use job::{Importance, JobPosting, RequiredCompetency};
pub use language::{PublishedLanguage, read_language};
pub use money::{Currency, Money};
pub use occupation::{CompetencyImportance, Occupation};
pub use record_id::RecordId;
pub use validation::{FieldViolation, ValidationError, Violations};
