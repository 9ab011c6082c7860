//! `skillmatch match "job text"`: credentials for a posting, as a table or JSON.

use std::path::Path;

use skillmatch::catalog::CredentialFilter;
use skillmatch::domain::JobPosting;
use skillmatch::embed::EmbedderChoice;
use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::matching::{MatchOutcome, MatchQuery};

use super::MatchArgs;

pub(super) fn run(
    data_dir: &Path,
    args: &MatchArgs,
    embedder: &EmbedderChoice,
) -> anyhow::Result<()> {
    let (engine, _) = Engine::open(&EngineConfig::new(data_dir).with_embedder(embedder.load()?))?;
    let (title, description) = args
        .text
        .split_once('\n')
        .map_or((args.text.as_str(), ""), |(t, d)| (t, d));
    let query = MatchQuery {
        job: JobPosting {
            title: title.to_owned(),
            description: description.to_owned(),
            ..JobPosting::default()
        },
        filter: CredentialFilter::default(),
        top_k: args.top_k,
        offset: 0,
    };
    let outcome = engine.match_credentials(&query)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&engine, &outcome))?
        );
    } else {
        print_table(&engine, &outcome);
    }
    Ok(())
}

fn to_json(engine: &Engine, outcome: &MatchOutcome) -> serde_json::Value {
    let taxonomy = engine.taxonomy();
    serde_json::json!({
        "job_competencies": outcome.needs.iter().map(|n| serde_json::json!({
            "uri": n.uri, "preferred_label": taxonomy.label(&n.uri), "weight": n.weight,
        })).collect::<Vec<_>>(),
        "matches": outcome.matches.iter().map(|m| serde_json::json!({
            "id": m.credential.id.as_str(),
            "title": m.credential.title,
            "score": m.score,
            "coverage": m.components.coverage,
            "text": m.components.text,
            "teaches": m.covered.iter().map(|c| taxonomy.label(&outcome.needs[c.need].uri)).collect::<Vec<_>>(),
            "cost": m.credential.cost.map(|cost| cost.to_string()),
            "hours": m.credential.hours,
            "kind": m.credential.kind,
        })).collect::<Vec<_>>(),
    })
}

fn print_table(engine: &Engine, outcome: &MatchOutcome) {
    let taxonomy = engine.taxonomy();
    let needs: Vec<&str> = outcome
        .needs
        .iter()
        .map(|n| taxonomy.label(&n.uri))
        .collect();
    println!("Job competencies: {}", needs.join(", "));
    println!();
    println!(
        "{:>3}  {:>5}  {:<44}  {:>12}  {:>6}  teaches",
        "#", "score", "credential", "cost", "hours"
    );
    for (rank, m) in outcome.matches.iter().enumerate() {
        let teaches: Vec<&str> = m
            .covered
            .iter()
            .map(|c| taxonomy.label(&outcome.needs[c.need].uri))
            .collect();
        let unknown = || "unknown".to_owned();
        println!(
            "{:>3}  {:>5.3}  {:<44}  {:>12}  {:>6}  {}",
            rank + 1,
            m.score,
            truncate(&m.credential.title, 44),
            m.credential
                .cost
                .map_or_else(unknown, |cost| cost.to_string()),
            m.credential
                .hours
                .map_or_else(unknown, |hours| format!("{hours:.0}")),
            teaches.join(", ")
        );
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}
