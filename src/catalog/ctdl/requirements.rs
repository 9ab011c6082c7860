//! What a CTDL record aligns and requires: competencies by URI or by name,
//! frameworks, prerequisite records and credits.

use serde_json::Value;

use super::{Graph, Requirements};
use crate::catalog::linked_data::{id_from_iri, references, text};
use crate::catalog::report::{FieldOutcome, NamedCompetency, RecordReport};
use crate::domain::{AlignmentSource, CredentialId, TaughtCompetency};

impl<'a> Graph<'a> {
    /// Competencies, frameworks, prerequisites and credits of the
    /// record's alignments and `requires` condition profiles.
    pub(super) fn requirements(
        &self,
        node: &'a Value,
        parts: &[CredentialId],
        report: &mut RecordReport,
    ) -> Result<Requirements, String> {
        let mut found = Requirements::default();
        let conditions = self.nodes(node.get("ceterms:requires"));
        for condition in &conditions {
            for alignment in self.nodes(condition.get("ceterms:targetCompetency")) {
                found.align(alignment, true);
            }
            for key in [
                "ceterms:targetCredential",
                "ceterms:targetAssessment",
                "ceterms:targetLearningOpportunity",
            ] {
                let targets = references(condition.get(key));
                if key == "ceterms:targetAssessment" && !targets.is_empty() {
                    found.requires_assessment = true;
                }
                for iri in targets {
                    let (required, _) = id_from_iri(&iri)?;
                    if !parts.contains(&required) && !found.prerequisites.contains(&required) {
                        found.prerequisites.push(required);
                    }
                }
            }
            if found.credits.is_none() {
                found.credits = self.credits(condition);
            }
        }
        if !found.prerequisites.is_empty() {
            report.field(
                "prerequisites",
                FieldOutcome::Read,
                format!(
                    "{} required record(s) (targetCredential, targetAssessment, targetLearningOpportunity)",
                    found.prerequisites.len()
                ),
            );
        }
        for (key, assessed) in [("ceterms:teaches", false), ("ceterms:assesses", true)] {
            for alignment in self.nodes(node.get(key)) {
                found.align(alignment, assessed);
            }
        }
        for subject in self.nodes(node.get("ceterms:subject")) {
            if let Some(name) = text(subject.get("ceterms:targetNodeName")) {
                found.name(name, Some("ceterms:subject".to_owned()), false, None);
            }
        }
        let aligned = found.competencies.len();
        let named = found
            .named
            .iter()
            .filter(|n| n.published_uri.is_none())
            .count();
        match (aligned, named) {
            (0, 0) => report.field(
                "competencies",
                FieldOutcome::Unknown,
                "none published (the description may still name some)",
            ),
            (_, 0) => report.field(
                "competencies",
                FieldOutcome::Read,
                format!("{aligned} aligned by URI"),
            ),
            _ => report.field(
                "competencies",
                FieldOutcome::Resolved,
                format!(
                    "{aligned} aligned by URI, {named} named only (resolved through the competency extractor)"
                ),
            ),
        }
        Ok(found)
    }
}

impl Requirements {
    /// An alignment: a competency when it names a `targetNode` URI, a named
    /// competency when it has only a `targetNodeName`.
    fn align(&mut self, alignment: &Value, assessed: bool) {
        let framework = alignment
            .get("ceterms:framework")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| text(alignment.get("ceterms:frameworkName")));
        match alignment.get("ceterms:targetNode").and_then(Value::as_str) {
            Some(uri) => {
                if !self.competencies.iter().any(|c| c.uri == uri) {
                    self.competencies.push(TaughtCompetency {
                        uri: uri.to_owned(),
                        proficiency: None,
                        assessed,
                        source: AlignmentSource::Provider,
                        resolved_from: None,
                    });
                }
                if let Some(name) = text(alignment.get("ceterms:targetNodeName")) {
                    self.name(name, framework.clone(), assessed, Some(uri));
                }
                if let Some(framework) = framework.filter(|f| !self.frameworks.contains(f)) {
                    self.frameworks.push(framework);
                }
            }
            None => {
                if let Some(name) = text(alignment.get("ceterms:targetNodeName")) {
                    self.name(name, framework, assessed, None);
                }
            }
        }
    }

    fn name(&mut self, name: String, framework: Option<String>, assessed: bool, uri: Option<&str>) {
        if !self.named.iter().any(|n| n.name == name) {
            self.named.push(NamedCompetency {
                name,
                framework,
                assessed,
                published_uri: uri.map(str::to_owned),
                resolved: None,
            });
        }
    }
}
