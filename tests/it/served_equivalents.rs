//! ESCO and O*NET served together, through the real server: the fixture
//! releases are imported with the CLI as the README documents (ESCO, then
//! O*NET with the crosswalk), and a concept both taxonomies have comes back
//! as one answer carrying both URIs, while `taxonomy_ids` filters answers.

use crate::support::binary::import;
use crate::support::fixtures::fixture;

use crate::support::TestServer;

use skillmatch::pb;
use skillmatch::taxonomy::onet::{occupation_uri, technology_uri};

const ESCO_PYTHON: &str = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000001";
const ESCO_DEVELOPER: &str =
    "http://data.europa.eu/esco/occupation/00000000-0000-4000-9000-000000000001";

fn occupations_request(text: &str, taxonomy_ids: &[&str]) -> pb::InferOccupationsRequest {
    pb::InferOccupationsRequest {
        text: text.into(),
        top_k: 10,
        taxonomy_ids: taxonomy_ids.iter().map(|&id| id.to_owned()).collect(),
        view: 0,
    }
}

fn extract_request(text: &str, taxonomy_ids: &[&str]) -> pb::ExtractCompetenciesRequest {
    pb::ExtractCompetenciesRequest {
        text: text.into(),
        top_k: 20,
        min_score: Some(0.0),
        taxonomy_ids: taxonomy_ids.iter().map(|&id| id.to_owned()).collect(),
        document: None,
        text_kind: 0,
        view: 0,
    }
}

/// `(uri, taxonomy id, equivalent URIs)` of each answer.
type Answer = (String, String, Vec<String>);

fn occupations(response: pb::InferOccupationsResponse) -> Vec<Answer> {
    response
        .occupations
        .into_iter()
        .map(|o| {
            let occupation = o.occupation.unwrap();
            (
                occupation.uri,
                occupation.taxonomy.unwrap().id,
                o.equivalent_uris,
            )
        })
        .collect()
}

fn competencies(response: pb::ExtractCompetenciesResponse) -> Vec<Answer> {
    response
        .competencies
        .into_iter()
        .map(|c| {
            let competency = c.competency.unwrap();
            (
                competency.uri,
                competency.taxonomy.unwrap().id,
                c.equivalent_uris,
            )
        })
        .collect()
}

fn uris(answers: &[Answer]) -> Vec<&str> {
    answers
        .iter()
        .flat_map(|(uri, _, equivalents)| {
            std::iter::once(uri.as_str()).chain(equivalents.iter().map(String::as_str))
        })
        .collect()
}

/// A data directory with the fixture ESCO, then O*NET with the crosswalk,
/// imported as the README documents.
fn esco_and_onet() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    import(
        dir.path(),
        &[
            "esco",
            fixture("esco-mini").to_str().unwrap(),
            "--version",
            "v1.1.1",
        ],
    );
    import(
        dir.path(),
        &[
            "onet",
            fixture("onet-mini").to_str().unwrap(),
            "--crosswalk",
            fixture("esco-onet-crosswalk/crosswalk_esco_onet.csv")
                .to_str()
                .unwrap(),
        ],
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crosswalk_and_same_label_equivalents_are_one_answer_and_filters_filter() {
    let dir = esco_and_onet();
    let server = TestServer::start(dir.path()).await;
    let mut client = server.taxonomy();
    let onet_developer = occupation_uri("15-1252.00");

    // The O*NET title names both occupations: one answer, both URIs.
    let title = "Software Developers";
    let response = client
        .infer_occupations(occupations_request(title, &[]))
        .await
        .unwrap()
        .into_inner();
    let scores: Vec<f64> = response.occupations.iter().map(|o| o.score).collect();
    let all = occupations(response);
    let developer = all
        .iter()
        .find(|(uri, _, _)| uri == ESCO_DEVELOPER)
        .unwrap_or_else(|| panic!("the ESCO occupation: {all:?}"));
    assert_eq!(
        developer.2,
        std::slice::from_ref(&onet_developer),
        "{all:?}"
    );
    assert!(
        all.iter().all(|(uri, _, _)| *uri != onet_developer),
        "not a separate answer: {all:?}"
    );
    // Scored as shares: an answer carries its equivalents' shares, so the
    // named occupation leads and scores sum to at most 1.
    assert!(scores.iter().sum::<f64>() <= 1.0 + 1e-6, "{scores:?}");
    assert!(scores[0] > 0.5, "{scores:?}");
    let uris_once = uris(&all);
    let mut distinct = uris_once.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), uris_once.len(), "{all:?}");

    // A filter keeps its taxonomy's answers only; the crosswalk partner
    // outside it still rides along as an equivalent.
    let onet_only = occupations(
        client
            .infer_occupations(occupations_request(title, &["onet"]))
            .await
            .unwrap()
            .into_inner(),
    );
    assert!(!onet_only.is_empty());
    assert!(
        onet_only.iter().all(|(_, id, _)| id == "onet"),
        "{onet_only:?}"
    );
    assert_eq!(onet_only[0].0, onet_developer, "{onet_only:?}");
    assert_eq!(onet_only[0].2, [ESCO_DEVELOPER.to_owned()]);
    let esco_only = occupations(
        client
            .infer_occupations(occupations_request(title, &["esco"]))
            .await
            .unwrap()
            .into_inner(),
    );
    assert!(
        esco_only.iter().all(|(_, id, _)| id == "esco"),
        "{esco_only:?}"
    );
    assert_eq!(esco_only[0].0, ESCO_DEVELOPER, "{esco_only:?}");

    // ESCO's Python (alternative label `Python`) and O*NET's technology
    // skill `Python` are one competency.
    let text = "We write Python every day.";
    let onet_python = technology_uri("Python");
    let all = competencies(
        client
            .extract_competencies(extract_request(text, &[]))
            .await
            .unwrap()
            .into_inner(),
    );
    // (The embedded sample has a Python skill of its own; it may join.)
    let python: Vec<&Answer> = all
        .iter()
        .filter(|(uri, _, equivalents)| {
            let carried = |wanted: &str| uri == wanted || equivalents.iter().any(|e| e == wanted);
            carried(ESCO_PYTHON) || carried(&onet_python)
        })
        .collect();
    assert_eq!(python.len(), 1, "one answer for Python: {all:?}");
    let carried = uris(&all[..]);
    assert!(
        carried.contains(&ESCO_PYTHON) && carried.contains(&onet_python.as_str()),
        "{all:?}"
    );
    let mut distinct = carried.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), carried.len(), "each URI once: {all:?}");

    for (filter, other) in [("esco", "onet"), ("onet", "esco")] {
        let filtered = competencies(
            client
                .extract_competencies(extract_request(text, &[filter]))
                .await
                .unwrap()
                .into_inner(),
        );
        assert!(!filtered.is_empty(), "{filter}");
        assert!(
            filtered.iter().all(|(_, id, _)| id == filter),
            "{filter}: {filtered:?}"
        );
        assert!(
            !filtered.iter().any(|(_, id, _)| id == other),
            "{filter}: {filtered:?}"
        );
        let python_uri = if filter == "esco" {
            ESCO_PYTHON
        } else {
            onet_python.as_str()
        };
        assert!(
            filtered.iter().any(|(uri, _, _)| uri == python_uri),
            "{filter}: {filtered:?}"
        );
    }

    server.stop().await;
}

/// `developer` ends three occupation labels of the two taxonomies (ESCO's
/// `software developer`, O*NET's `Software Developers` and its alternate
/// title `Application Developer`) and no competency label, so a line whose
/// head it is reads as a job title, which lends its occupation's essential
/// competencies in full; the response says how the text was read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_naming_a_role_is_read_as_a_job_title_unless_told_otherwise() {
    let dir = esco_and_onet();
    let server = TestServer::start(dir.path()).await;
    let mut client = server.taxonomy();
    let extract = |text: &str, kind: pb::TextKind| pb::ExtractCompetenciesRequest {
        text_kind: kind.into(),
        ..extract_request(text, &["esco"])
    };
    let mut read = async |text: &str, kind: pb::TextKind| {
        let response = client
            .extract_competencies(extract(text, kind))
            .await
            .unwrap()
            .into_inner();
        let python = response
            .competencies
            .iter()
            .find(|c| c.competency.as_ref().unwrap().uri == ESCO_PYTHON)
            .map_or(0.0, |c| c.score);
        (response.read_as(), competencies(response), python)
    };
    let title = "Senior Web Developer";
    let (read_as, inferred, python) = read(title, pb::TextKind::Unspecified).await;
    assert_eq!(read_as, pb::TextKind::JobTitle);
    let (told_as, told, _) = read(title, pb::TextKind::JobTitle).await;
    assert_eq!(told_as, pb::TextKind::JobTitle);
    assert_eq!(inferred, told);
    // The software developer's essential Python, which the words do not
    // name, lent in full; read as a sentence, it is lent far less.
    let (sentence_as, _, python_in_a_sentence) = read(title, pb::TextKind::Sentence).await;
    assert_eq!(sentence_as, pb::TextKind::Sentence);
    assert!(
        python > 2.0 * python_in_a_sentence,
        "{python} vs {python_in_a_sentence}"
    );

    for (text, expected) in [
        ("We need a web developer", pb::TextKind::Sentence),
        ("Python", pb::TextKind::Sentence),
        ("Web Developer\nWe write Python.", pb::TextKind::Posting),
    ] {
        assert_eq!(
            read(text, pb::TextKind::Unspecified).await.0,
            expected,
            "{text}"
        );
    }
    let (posting_as, _, _) = read("Web Developer\nWe write Python.", pb::TextKind::Posting).await;
    assert_eq!(posting_as, pb::TextKind::Posting);
    for (text, kind) in [
        ("Web Developer\nWe write Python.", pb::TextKind::Sentence),
        ("Web Developer", pb::TextKind::Posting),
    ] {
        let status = client
            .extract_competencies(extract(text, kind))
            .await
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{text}");
    }
    server.stop().await;
}
