"""The client against a real server: SKILLMATCH_ADDR (host:port) and
SKILLMATCH_KEY (an admin API key), as scripts/python-client-test sets them."""

import os

import pytest

from skillmatch.v1 import candidate_pb2
from skillmatch_client import (
    Client,
    FieldViolation,
    InvalidArgument,
    NotFound,
    Unauthenticated,
)

SQL = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742"
POSTING = "Data analyst\nWe need SQL, Python and machine learning; dashboards a plus."


@pytest.fixture(scope="module")
def addr():
    value = os.environ.get("SKILLMATCH_ADDR")
    if not value:
        pytest.fail("SKILLMATCH_ADDR is not set; run scripts/python-client-test")
    return value


@pytest.fixture()
def client(addr):
    with Client(addr, os.environ.get("SKILLMATCH_KEY")) as client:
        yield client


def test_extract_finds_competencies_with_evidence(client):
    found = client.extract(POSTING)
    by_uri = {f.competency.uri: f for f in found}
    assert SQL in by_uri
    sql = by_uri[SQL]
    assert 0 < sql.score <= 1
    span = sql.evidence[0]
    assert POSTING[span.start:span.end] == span.text == "SQL"
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)


def test_extract_reads_a_job_title_when_told(client):
    # The embedded sample taxonomy has no occupations: a title returns what its words name.
    as_title = client.extract("SQL developer", job_title=True)
    assert SQL in [f.competency.uri for f in as_title]
    with pytest.raises(InvalidArgument) as two_lines:
        client.extract("Data Analyst\nWe need SQL", job_title=True)
    assert [v.field for v in two_lines.value.field_violations] == ["text_kind"]
    assert SQL in [f.competency.uri for f in client.extract("SQL developer", sentence=True)]
    with pytest.raises(InvalidArgument):
        client.extract("Data Analyst\nWe need SQL", sentence=True)
    with pytest.raises(ValueError):
        client.extract("SQL developer", job_title=True, sentence=True)


def test_normalize_keeps_request_order(client):
    skills = client.normalize(["SQL", "xyzzy", "machine-learning"], top_k=2)
    assert [s.raw for s in skills] == ["SQL", "xyzzy", "machine-learning"]
    assert skills[0].competencies[0].competency.uri == SQL
    assert not skills[1].competencies
    assert len(skills[2].competencies) <= 2


def test_paging_iterators_follow_page_tokens(client):
    small_pages = [c.id for c in client.credentials(page_size=7)]
    one_page = [c.id for c in client.credentials(page_size=100)]
    assert len(small_pages) > 7, "more than one page"
    assert small_pages == one_page

    hits = list(client.search_competencies("data", page_size=2, limit=5))
    assert len(hits) == 5
    assert len({h.competency.uri for h in hits}) == 5

    paged = [m.credential.id for m in client.match_credentials(POSTING, page_size=3, limit=10)]
    whole = [m.credential.id for m in client.match_credentials(POSTING, page_size=10, limit=10)]
    assert len(paged) == 10
    assert paged == whole


def test_errors_are_exceptions_with_field_violations(client, addr):
    with pytest.raises(InvalidArgument) as invalid:
        client.extract("   ")
    assert [v.field for v in invalid.value.field_violations] == ["text"]
    assert isinstance(invalid.value.field_violations[0], FieldViolation)

    with pytest.raises(InvalidArgument) as too_many:
        client.normalize(["SQL"] * 1001)
    assert [v.field for v in too_many.value.field_violations] == ["skills"]

    with pytest.raises(NotFound):
        client.plan_upskilling(POSTING, candidate_id="nobody-at-all")

    if os.environ.get("SKILLMATCH_KEY"):
        with Client(addr, "not-a-key") as stranger:
            with pytest.raises(Unauthenticated):
                stranger.extract(POSTING)


def test_candidates_plans_and_the_ranking_stream(client):
    ada = candidate_pb2.Candidate(
        id="py-ada",
        display_name="Ada",
        competencies=[candidate_pb2.DeclaredCompetency(uri=SQL, last_used_on="2026-01-01")],
        cv_text="Five years of SQL reporting and Excel dashboards.",
    )
    stored = client.upsert_candidate(ada)
    assert stored.id == "py-ada"
    assert "py-ada" in [c.id for c in client.candidates(page_size=1)]

    plan = client.plan_upskilling(POSTING, candidate_id="py-ada", max_cost=(500, "EUR"))
    assert SQL in [item.competency.uri for item in plan.gap.matched]
    assert plan.total_cost.currency == "EUR"
    assert plan.total_cost.amount <= 500

    ranked = list(client.stream_rank_candidates(POSTING, batch_size=1))
    assert "py-ada" in [r.candidate_id for r in ranked]

    client.delete_candidate("py-ada")
    assert "py-ada" not in [c.id for c in client.candidates()]


def test_the_readme_snippet_runs(addr, capsys):
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "..", "README.md")).read()
    section = readme[readme.index("## Python client"):]
    snippet = section[section.index("```python\n") + len("```python\n"):]
    snippet = snippet[: snippet.index("```")]
    key = os.environ.get("SKILLMATCH_KEY")
    snippet = snippet.replace('"localhost:50051"', repr(addr)).replace(
        "api_key=None", f"api_key={key!r}"
    )
    exec(compile(snippet, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "SQL" in printed
    assert "field='skills[0]'" in printed


def test_documents_are_read_on_the_server(client):
    cv = "Analyst: SQL reporting and Python.".encode()
    text, found = client.extract_document(cv, "text/plain")
    assert text == cv.decode()
    sql = next(f for f in found if f.competency.uri == SQL)
    assert text[sql.evidence[0].start:sql.evidence[0].end] == "SQL"

    stored = client.upsert_candidate(
        candidate_pb2.Candidate(id="py-doc"), cv_document=(cv, "text/plain")
    )
    assert stored.cv_text == cv.decode()
    assert SQL in [c.uri for c in stored.cv_competencies]
    with pytest.raises(InvalidArgument) as bad:
        client.upsert_candidate(
            candidate_pb2.Candidate(id="py-doc-2"), cv_document=(b"%PDF-1.4 junk", "application/pdf")
        )
    assert [v.field for v in bad.value.field_violations] == ["cv_document.content"]
    client.delete_candidate("py-doc")
