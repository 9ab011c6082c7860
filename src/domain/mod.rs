//! The domain model: competencies, credentials, jobs. No protobuf here.

mod competency;
mod credential;
mod ids;
mod job;
mod money;
mod occupation;
mod validation;

pub use competency::{Competency, CompetencyKind, TaxonomyVersion};
pub use credential::{
    AlignmentSource, Credits, DeliveryMode, Microcredential, Proficiency, TaughtCompetency,
    primary_language,
};
pub use ids::CredentialId;
pub use job::{Importance, JobPosting, RequiredCompetency};
pub use money::{Currency, Money};
pub use occupation::{CompetencyImportance, Occupation};
pub use validation::{FieldViolation, ValidationError, Violations};
