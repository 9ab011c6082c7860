//! Field-level validation failures, carried to the API edge as
//! `google.rpc.BadRequest` field violations.

use std::fmt;

/// One invalid field: its path in the request (e.g. `credentials[2].cost.currency`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Dotted path of the field, with indices for repeated fields.
    pub field: String,
    /// What is wrong with it, for a human.
    pub description: String,
}

/// A non-empty set of field violations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    violations: Vec<FieldViolation>,
}

impl ValidationError {
    /// A single violation.
    pub fn field(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            violations: vec![FieldViolation {
                field: field.into(),
                description: description.into(),
            }],
        }
    }

    /// The violations, at least one.
    pub fn violations(&self) -> &[FieldViolation] {
        &self.violations
    }

    /// Prefixes every field path, e.g. with `credentials[3].`.
    #[must_use]
    pub fn within(mut self, prefix: &str) -> Self {
        for violation in &mut self.violations {
            violation.field = if violation.field.is_empty() {
                prefix.trim_end_matches('.').to_owned()
            } else {
                format!("{prefix}{}", violation.field)
            };
        }
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .violations
            .iter()
            .map(|v| format!("{}: {}", v.field, v.description))
            .collect();
        write!(f, "invalid request: {}", parts.join("; "))
    }
}

impl std::error::Error for ValidationError {}

/// Collects violations while checking many fields, so a client sees all of them at once.
#[derive(Debug, Default)]
pub struct Violations {
    violations: Vec<FieldViolation>,
}

impl Violations {
    /// Records a violation.
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.violations.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    /// Records a violation when `ok` is false.
    pub fn check(&mut self, ok: bool, field: &str, description: &str) {
        if !ok {
            self.add(field, description);
        }
    }

    /// Merges another error's violations under a path prefix.
    pub fn extend(&mut self, error: ValidationError, prefix: &str) {
        self.violations.extend(error.within(prefix).violations);
    }

    /// Records the error of a fallible step and returns its value, if any.
    pub fn take<T>(&mut self, result: Result<T, ValidationError>, prefix: &str) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.extend(error, prefix);
                None
            }
        }
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn finish<T>(self, value: T) -> Result<T, ValidationError> {
        if self.violations.is_empty() {
            Ok(value)
        } else {
            Err(ValidationError {
                violations: self.violations,
            })
        }
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }
}
