//! The `skillmatch` binary: `import credentials` is all-or-nothing and names
//! bad lines; `match --json` prints the ranking.

use crate::support;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use crate::support::binary::run_binary;

use skillmatch::domain::CredentialId;
use skillmatch::engine::{Engine, EngineConfig};
use support::fixtures::{SAMPLE_CREDENTIALS, SQL};

fn skillmatch(data_dir: &Path, args: &[&str]) -> Output {
    let mut all: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    all.extend([OsStr::new("--data-dir"), data_dir.as_os_str()]);
    run_binary(all)
}

fn line(id: &str, delivery_mode: &str, hours: f64) -> String {
    serde_json::json!({
        "id": id,
        "title": format!("Imported {id}"),
        "provider": "Import Test",
        "description": "Imported by the CLI test.",
        "competencies": [{"uri": SQL, "assessed": true}],
        "hours": hours,
        "cost": {"amount": 120, "currency": "EUR"},
        "delivery_mode": delivery_mode,
        "language": "en",
        "assessed": true,
    })
    .to_string()
}

fn open(data_dir: &Path) -> Engine {
    Engine::open(&EngineConfig::new(data_dir))
        .expect("engine opens")
        .0
}

fn has(engine: &Engine, id: &str) -> bool {
    engine
        .credential(&CredentialId::parse(id).expect("valid id"))
        .is_ok()
}

#[test]
fn import_with_bad_lines_names_them_and_imports_nothing_until_fixed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let file = dir.path().join("credentials.jsonl");
    let text = [
        line("import-good-1", "online", 10.0),
        "{not json".to_owned(),
        line("import-good-2", "blended", 12.0),
        line("import-bad-mode", "video", 5.0),
        line("import-bad-hours", "online", -1.0),
        String::new(),
        line("import-good-1", "online", 10.0),
    ]
    .join("\n");
    std::fs::write(&file, text).expect("write import file");

    let output = skillmatch(
        &data_dir,
        &["import", "credentials", "--strict", file.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "import succeeded: {stderr}");
    for bad in [2, 4, 5, 7] {
        assert!(
            stderr.contains(&format!("line {bad}:")),
            "line {bad} not named in {stderr}"
        );
    }
    for good in [1, 3] {
        assert!(
            !stderr.contains(&format!("line {good}:")),
            "good line {good} named in {stderr}"
        );
    }
    assert!(stderr.contains("nothing was imported"), "{stderr}");

    let engine = open(&data_dir);
    assert!(!has(&engine, "import-good-1"));
    assert!(!has(&engine, "import-good-2"));
    assert_eq!(engine.catalog().len(), SAMPLE_CREDENTIALS);
    drop(engine);

    // The corrected file then imports completely.
    let text = [
        line("import-good-1", "online", 10.0),
        line("import-good-2", "blended", 12.0),
        line("import-fixed-mode", "in_person", 5.0),
    ]
    .join("\n");
    std::fs::write(&file, text + "\n").expect("write corrected file");
    let output = skillmatch(
        &data_dir,
        &["import", "credentials", file.to_str().unwrap()],
    );
    assert!(
        output.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("imported 3 credentials"));
    let engine = open(&data_dir);
    for id in ["import-good-1", "import-good-2", "import-fixed-mode"] {
        assert!(has(&engine, id), "{id} missing");
    }
    assert_eq!(engine.catalog().len(), SAMPLE_CREDENTIALS + 3);
}

#[test]
fn import_without_strict_imports_the_usable_records_and_writes_a_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let file = dir.path().join("credentials.jsonl");
    let report = dir.path().join("report.json");
    let text = [
        line("lenient-good", "online", 10.0),
        "{not json".to_owned(),
        line("lenient-bad-hours", "online", -1.0),
    ]
    .join("\n");
    std::fs::write(&file, text).expect("write import file");
    let output = skillmatch(
        &data_dir,
        &[
            "import",
            "credentials",
            file.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "import failed: {stderr}");
    assert!(
        stderr.contains("line 2:") && stderr.contains("line 3:"),
        "{stderr}"
    );
    assert!(stdout.contains("imported 1 credentials"), "{stdout}");
    assert!(stdout.contains("2 of 3 records rejected"), "{stdout}");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report written")).expect("JSON");
    let statuses: Vec<&str> = written["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["status"].as_str().expect("status"))
        .collect();
    assert_eq!(statuses, ["imported", "rejected", "rejected"]);
    assert!(has(&open(&data_dir), "lenient-good"));
}

#[test]
fn ctdl_import_prints_and_writes_what_each_field_became() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let file = dir.path().join("exam.json");
    let report = dir.path().join("report.json");
    let record = serde_json::json!({
        "@id": "https://r.example/resources/ce-exam",
        "@type": "ceterms:AssessmentProfile",
        "ceterms:name": "Phlebotomy Exam",
        "ceterms:inLanguage": ["English"],
        "ceterms:estimatedCost": [{"ceterms:price": 90, "ceterms:currency": "US Dollar"}],
        "ceterms:assesses": [{"ceterms:targetNodeName": "Venipuncture"}],
        "ceterms:isProctored": true
    });
    std::fs::write(&file, record.to_string()).expect("write record");
    let output = skillmatch(
        &data_dir,
        &[
            "import",
            "credentials",
            "--format",
            "ctdl",
            file.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("record 1 ce-exam: imported with warnings"),
        "{stdout}"
    );
    assert!(stdout.contains("hours: unknown"), "{stdout}");
    assert!(stdout.contains("ceterms:isProctored: ignored"), "{stdout}");
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report written")).expect("JSON");
    let record = &written["records"][0];
    assert_eq!(record["kind"], "assessment");
    let outcome = |field: &str| {
        record["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["field"] == field)
            .map(|f| f["outcome"].as_str().expect("outcome").to_owned())
    };
    assert_eq!(
        outcome("cost").as_deref(),
        Some("resolved"),
        "US Dollar is USD"
    );
    assert_eq!(outcome("language").as_deref(), Some("resolved"));
    assert_eq!(outcome("hours").as_deref(), Some("unknown"));
    assert_eq!(outcome("title").as_deref(), Some("read"));
    assert_eq!(record["named_competencies"][0]["name"], "Venipuncture");
    assert!(
        record["named_competencies"][0]["resolved"]["uri"].is_string(),
        "{record:#}"
    );
}

#[test]
fn match_json_ranks_data_credentials_for_a_data_analyst() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = skillmatch(
        dir.path(),
        &[
            "match",
            "Junior data analyst\nclean data in Excel and SQL, build dashboards",
            "--json",
            "--top-k",
            "4",
        ],
    );
    assert!(
        output.status.success(),
        "match failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("match --json prints JSON");
    let matches = printed["matches"].as_array().expect("matches array");
    assert_eq!(matches.len(), 4);
    for found in matches {
        let id = found["id"].as_str().expect("id");
        assert!(id.starts_with("data-"), "{printed:#}");
        assert!(!found["teaches"].as_array().expect("teaches").is_empty());
    }
}
