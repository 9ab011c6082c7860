//! TaxonomyService through the real server: the fixture taxonomies are
//! imported with the CLI into a fresh data directory, the server starts on
//! it (twice, to check that nothing depends on the importing process), and
//! the RPCs answer from the imported releases.

use crate::support::binary::import;
use crate::support::fixtures::fixture;
use crate::support::violations::violated_fields;
use std::path::Path;

use crate::support::{self, TestServer};

use skillmatch::pb;
use skillmatch::taxonomy::onet::{occupation_uri, technology_uri};
use tonic::Code;

const SKILL: &str = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-00000000000";
const OCCUPATION: &str =
    "http://data.europa.eu/esco/occupation/00000000-0000-4000-9000-00000000000";

/// Serves `data_dir`, which holds the sample, ESCO and O*NET releases.
async fn start(data_dir: &Path) -> TestServer {
    let server = TestServer::start(data_dir).await;
    let report = server.open_report();
    assert_eq!(report.taxonomies.len(), 3, "{:?}", report.taxonomies);
    server
}

fn extract_request(text: &str) -> pb::ExtractCompetenciesRequest {
    pb::ExtractCompetenciesRequest {
        text: text.into(),
        top_k: 0,
        min_score: None,
        taxonomy_ids: Vec::new(),
        view: 0,
        document: None,
        text_kind: 0,
    }
}

fn search_request(query: &str) -> pb::SearchCompetenciesRequest {
    pb::SearchCompetenciesRequest {
        query: query.into(),
        page_size: 0,
        page_token: String::new(),
        types: Vec::new(),
        reuse_levels: Vec::new(),
        collections: Vec::new(),
        taxonomy_ids: Vec::new(),
        view: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_taxonomies_serve_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let esco = fixture("esco-mini");
    let out = import(
        dir.path(),
        &["esco", esco.to_str().unwrap(), "--version", "v1.1.1"],
    );
    assert!(
        out.contains("imported esco v1.1.1: 5 competencies, 2 occupations"),
        "{out}"
    );
    let again = import(
        dir.path(),
        &["esco", esco.to_str().unwrap(), "--version", "v1.1.1"],
    );
    assert!(again.contains("(unchanged)"), "{again}");
    let crosswalk = fixture("esco-onet-crosswalk/crosswalk_esco_onet.csv");
    let onet = fixture("onet-mini");
    let out = import(
        dir.path(),
        &[
            "onet",
            onet.to_str().unwrap(),
            "--crosswalk",
            crosswalk.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("imported onet mini:"),
        "version from the folder name: {out}"
    );

    let first = start(dir.path()).await;
    first.stop().await;
    let running = start(dir.path()).await;
    let mut client = running.taxonomy();

    let python = client
        .get_competency(pb::GetCompetencyRequest {
            uri: format!("{SKILL}1"),
        })
        .await
        .unwrap()
        .into_inner()
        .competency
        .unwrap();
    assert_eq!(python.preferred_label, "Python (computer programming)");
    let version = python.taxonomy.unwrap();
    assert_eq!(
        (version.id.as_str(), version.version.as_str()),
        ("esco", "v1.1.1")
    );
    assert_eq!(python.broader_uris, [format!("{SKILL}3")]);
    assert_eq!(python.collections, ["digital"]);
    let onet_python = client
        .get_competency(pb::GetCompetencyRequest {
            uri: technology_uri("Python"),
        })
        .await
        .unwrap()
        .into_inner()
        .competency
        .unwrap();
    assert_eq!(onet_python.taxonomy.unwrap().id, "onet");

    let hits = |response: pb::SearchCompetenciesResponse| -> Vec<String> {
        response.competencies.into_iter().map(|c| c.uri).collect()
    };
    let digital = client
        .search_competencies(pb::SearchCompetenciesRequest {
            collections: vec!["digital".into()],
            ..search_request("python")
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hits(digital), [format!("{SKILL}1")]);
    let from_onet = client
        .search_competencies(pb::SearchCompetenciesRequest {
            taxonomy_ids: vec!["onet".into()],
            ..search_request("python")
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hits(from_onet), [technology_uri("Python")]);
    let skills_only = client
        .search_competencies(pb::SearchCompetenciesRequest {
            types: vec![pb::CompetencyType::Skill.into()],
            reuse_levels: vec!["transversal".into()],
            ..search_request("staff")
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hits(skills_only), [format!("{SKILL}4")]);
    let hidden = client
        .search_competencies(pb::SearchCompetenciesRequest {
            taxonomy_ids: vec!["esco".into()],
            ..search_request("pyhton")
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(hidden.hits[0].matched_label, "pyhton");

    let text = "Café team (Zürich) — we hire a software engineer: Python, SQL and Excel.";
    let extracted = client
        .extract_competencies(extract_request(text))
        .await
        .unwrap()
        .into_inner();
    assert!(extracted.taxonomy_version.is_some());
    let chars: Vec<char> = text.chars().collect();
    let found: Vec<&str> = extracted
        .competencies
        .iter()
        .map(|c| c.competency.as_ref().unwrap().uri.as_str())
        .collect();
    assert!(
        found.contains(&format!("{SKILL}5").as_str()),
        "SQL: {found:?}"
    );
    for competency in &extracted.competencies {
        assert!((0.0..=1.0).contains(&competency.score));
        assert_ne!(competency.reason, 0);
        for span in &competency.evidence {
            let (start, end) = (span.start as usize, span.end as usize);
            let quoted: String = chars[start..end].iter().collect();
            assert_eq!(quoted, span.text, "character offsets into the input");
        }
    }

    let inferred = client
        .infer_occupations(pb::InferOccupationsRequest {
            text: "Senior Software Engineer".into(),
            top_k: 5,
            taxonomy_ids: Vec::new(),
            view: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let esco_developer = inferred
        .occupations
        .iter()
        .filter_map(|o| o.occupation.as_ref())
        .find(|o| o.uri == format!("{OCCUPATION}1"))
        .expect("the ESCO occupation with that alternative label");
    assert_eq!(
        esco_developer.linked_occupations[0].uri,
        occupation_uri("15-1252.00")
    );
    assert_eq!(
        esco_developer.linked_occupations[0]
            .taxonomy
            .as_ref()
            .unwrap()
            .id,
        "onet"
    );
    assert!(!inferred.occupations[0].evidence.is_empty());
    // The default view is basic: no labels beyond the preferred one.
    assert!(esco_developer.alt_labels.is_empty());
    let full = client
        .infer_occupations(pb::InferOccupationsRequest {
            text: "Senior Software Engineer".into(),
            top_k: 5,
            taxonomy_ids: Vec::new(),
            view: pb::ConceptView::Full.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let full_developer = full
        .occupations
        .iter()
        .filter_map(|o| o.occupation.as_ref())
        .find(|o| o.uri == format!("{OCCUPATION}1"))
        .unwrap();
    assert!(!full_developer.alt_labels.is_empty());
    assert_eq!(
        full_developer.linked_occupations,
        esco_developer.linked_occupations
    );
    let onet_only = client
        .infer_occupations(pb::InferOccupationsRequest {
            text: "Senior Software Engineer".into(),
            top_k: 5,
            taxonomy_ids: vec!["onet".into()],
            view: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let onet_developers = onet_only.occupations[0].occupation.as_ref().unwrap();
    assert_eq!(onet_developers.uri, occupation_uri("15-1252.00"));
    assert_eq!(
        onet_developers.linked_occupations[0].uri,
        format!("{OCCUPATION}1")
    );
    assert!(
        onet_only
            .occupations
            .iter()
            .all(|o| { o.occupation.as_ref().unwrap().taxonomy.as_ref().unwrap().id == "onet" })
    );
    let esco_only = client
        .extract_competencies(pb::ExtractCompetenciesRequest {
            taxonomy_ids: vec!["esco".into()],
            ..extract_request(text)
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!esco_only.competencies.is_empty());
    assert!(
        esco_only
            .competencies
            .iter()
            .all(|c| { c.competency.as_ref().unwrap().taxonomy.as_ref().unwrap().id == "esco" })
    );

    let onet_occupation = client
        .get_occupation(pb::GetOccupationRequest {
            uri: occupation_uri("15-2051.00"),
        })
        .await
        .unwrap()
        .into_inner()
        .occupation
        .unwrap();
    assert_eq!(onet_occupation.code, "15-2051.00");
    assert_eq!(
        onet_occupation.crosswalk_uris.len(),
        2,
        "ESCO occupation and ISCO group"
    );
    assert_eq!(onet_occupation.linked_occupations.len(), 1);

    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_name_their_fields() {
    let dir = tempfile::tempdir().unwrap();
    import(
        dir.path(),
        &[
            "esco",
            fixture("esco-mini").to_str().unwrap(),
            "--version",
            "v1",
        ],
    );
    import(
        dir.path(),
        &["onet", fixture("onet-mini").to_str().unwrap()],
    );
    // The sample, ESCO and O*NET (without crosswalk): `start` expects three releases.
    let running = start(dir.path()).await;
    let mut client = running.taxonomy();
    let long = "a".repeat(100_001);
    for (request, field) in [
        (extract_request("  "), "text"),
        (extract_request(&long), "text"),
        (
            pb::ExtractCompetenciesRequest {
                min_score: Some(1.5),
                ..extract_request("Python")
            },
            "min_score",
        ),
        (
            pb::ExtractCompetenciesRequest {
                top_k: -1,
                ..extract_request("Python")
            },
            "top_k",
        ),
        (
            pb::ExtractCompetenciesRequest {
                text_kind: pb::TextKind::JobTitle.into(),
                ..extract_request("Data analyst\nWe need Python")
            },
            "text_kind",
        ),
        (
            pb::ExtractCompetenciesRequest {
                text_kind: pb::TextKind::Sentence.into(),
                ..extract_request("Data analyst\nWe need Python")
            },
            "text_kind",
        ),
        (
            pb::ExtractCompetenciesRequest {
                text_kind: pb::TextKind::Posting.into(),
                ..extract_request("Data analyst")
            },
            "text_kind",
        ),
        (
            pb::ExtractCompetenciesRequest {
                text_kind: 7,
                ..extract_request("Python")
            },
            "text_kind",
        ),
    ] {
        let status = client.extract_competencies(request).await.unwrap_err();
        assert_eq!(violated_fields(&status), [field]);
    }
    let at_limit = "a ".repeat(50_000);
    client
        .extract_competencies(extract_request(&at_limit))
        .await
        .unwrap();
    let status = client
        .infer_occupations(pb::InferOccupationsRequest {
            text: String::new(),
            top_k: 0,
            taxonomy_ids: vec![String::new()],
            view: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["text", "taxonomy_ids[0]"]);
    let status = client
        .search_competencies(pb::SearchCompetenciesRequest {
            types: vec![0],
            ..search_request("python")
        })
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["types[0]"]);
    let status = client
        .get_occupation(pb::GetOccupationRequest {
            uri: "urn:nothing".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    running.stop().await;
}

#[tokio::test]
async fn concepts_come_in_a_basic_view_unless_the_full_one_is_asked_for() {
    use prost::Message as _;
    let (_dir, server) = support::start_fresh().await;
    let mut client = server.taxonomy();
    let text = "Junior data analyst: clean data in Excel, write SQL queries, build dashboards";
    let extract = |view: pb::ConceptView| pb::ExtractCompetenciesRequest {
        text: text.to_owned(),
        view: view.into(),
        ..pb::ExtractCompetenciesRequest::default()
    };
    let basic = client
        .extract_competencies(extract(pb::ConceptView::Unspecified))
        .await
        .unwrap()
        .into_inner();
    let full = client
        .extract_competencies(extract(pb::ConceptView::Full))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(basic.competencies.len(), full.competencies.len());
    assert!(!basic.competencies.is_empty());
    for (basic, full) in basic.competencies.iter().zip(&full.competencies) {
        let (b, f) = (
            basic.competency.as_ref().unwrap(),
            full.competency.as_ref().unwrap(),
        );
        assert_eq!(
            (&b.uri, &b.preferred_label, b.r#type),
            (&f.uri, &f.preferred_label, f.r#type)
        );
        assert!(b.taxonomy.is_some());
        assert!(b.alt_labels.is_empty() && b.description.is_empty() && b.related_uris.is_empty());
        assert_eq!(
            (basic.score, &basic.evidence, basic.reason),
            (full.score, &full.evidence, full.reason)
        );
    }
    assert!(
        full.competencies
            .iter()
            .any(|c| !c.competency.as_ref().unwrap().alt_labels.is_empty())
    );
    assert!(basic.encoded_len() < full.encoded_len());

    let status = client
        .infer_occupations(pb::InferOccupationsRequest {
            text: "data analyst".to_owned(),
            view: 7,
            ..pb::InferOccupationsRequest::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    server.stop().await;
}
