"""A small typed wrapper over the generated skillmatch stubs."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union

import grpc
from google.protobuf.message import Message

from skillmatch.v1 import (
    candidate_pb2,
    candidate_service_pb2,
    candidate_service_pb2_grpc,
    catalog_service_pb2,
    catalog_service_pb2_grpc,
    credential_pb2,
    document_pb2,
    gap_plan_pb2,
    job_pb2,
    job_service_pb2,
    job_service_pb2_grpc,
    match_service_pb2,
    match_service_pb2_grpc,
    ranking_pb2,
    taxonomy_service_pb2,
    taxonomy_service_pb2_grpc,
)

from .errors import from_rpc_error

T = TypeVar("T")
Job = Union[str, job_pb2.JobPosting]


def _job(job: Job) -> job_pb2.JobPosting:
    """A posting's text as a JobPosting (first line as the title), or the JobPosting itself."""
    if isinstance(job, job_pb2.JobPosting):
        return job
    title = next((line.strip() for line in job.splitlines() if line.strip()), "")
    return job_pb2.JobPosting(title=title[:200], description=job)


class Client:
    """A connection to a skillmatch server.

    `Client("localhost:50051", api_key)` talks plaintext gRPC; pass
    `credentials=grpc.ssl_channel_credentials()` for TLS. Every failed call
    raises a `SkillmatchError` subclass carrying the status code and the
    field violations. Use as a context manager, or call `close()`.
    """

    def __init__(
        self,
        addr: str,
        api_key: Optional[str] = None,
        *,
        timeout: float = 30.0,
        credentials: Optional[grpc.ChannelCredentials] = None,
    ) -> None:
        if credentials is None:
            self._channel = grpc.insecure_channel(addr)
        else:
            self._channel = grpc.secure_channel(addr, credentials)
        self._metadata = (("authorization", f"Bearer {api_key}"),) if api_key else ()
        self._timeout = timeout
        self.taxonomy = taxonomy_service_pb2_grpc.TaxonomyServiceStub(self._channel)
        self.catalog = catalog_service_pb2_grpc.CatalogServiceStub(self._channel)
        self.matching = match_service_pb2_grpc.MatchServiceStub(self._channel)
        self.candidates_stub = candidate_service_pb2_grpc.CandidateServiceStub(self._channel)
        self.jobs_stub = job_service_pb2_grpc.JobServiceStub(self._channel)

    def close(self) -> None:
        """Closes the channel."""
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, method: Callable[..., T], request: Message) -> T:
        try:
            return method(request, metadata=self._metadata, timeout=self._timeout)
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    def _pages(
        self,
        method: Callable[..., Message],
        request: Message,
        items: Callable[[Message], Iterable[T]],
        limit: Optional[int] = None,
    ) -> Iterator[T]:
        """Every item of every page, following `next_page_token`, up to `limit` items."""
        yielded = 0
        while True:
            response = self._call(method, request)
            for item in items(response):
                if limit is not None and yielded >= limit:
                    return
                yield item
                yielded += 1
            token = getattr(response, "next_page_token")
            if not token:
                return
            request.page_token = token

    # TaxonomyService

    def extract(
        self,
        text: str,
        *,
        top_k: int = 0,
        min_score: Optional[float] = None,
        taxonomy_ids: Sequence[str] = (),
        job_title: bool = False,
        sentence: bool = False,
    ) -> List[taxonomy_service_pb2.ExtractedCompetency]:
        """The competencies a text asks for or evidences, best first, with evidence spans.
        One line is read as a job title when its words name a role or it is very close to a
        known vacancy title, else as a sentence.
        ``job_title=True`` reads it as a job title (``TEXT_KIND_JOB_TITLE``), whose occupations
        lend their essential competencies in full; ``sentence=True`` as a sentence
        (``TEXT_KIND_SENTENCE``), never a job title."""
        if job_title and sentence:
            raise ValueError("a text is either a job title or a sentence")
        kind = taxonomy_service_pb2.TEXT_KIND_UNSPECIFIED
        if job_title:
            kind = taxonomy_service_pb2.TEXT_KIND_JOB_TITLE
        elif sentence:
            kind = taxonomy_service_pb2.TEXT_KIND_SENTENCE
        request = taxonomy_service_pb2.ExtractCompetenciesRequest(
            text=text,
            top_k=top_k,
            taxonomy_ids=list(taxonomy_ids),
            text_kind=kind,
        )
        if min_score is not None:
            request.min_score = min_score
        return list(self._call(self.taxonomy.ExtractCompetencies, request).competencies)

    def extract_document(
        self, content: bytes, media_type: str, *, top_k: int = 0
    ) -> Tuple[str, List[taxonomy_service_pb2.ExtractedCompetency]]:
        """The text the server extracted from a document (PDF, DOCX or plain text) and the
        competencies in it; evidence offsets refer to that text."""
        request = taxonomy_service_pb2.ExtractCompetenciesRequest(
            document=document_pb2.Document(content=content, media_type=media_type), top_k=top_k
        )
        response = self._call(self.taxonomy.ExtractCompetencies, request)
        return response.text, list(response.competencies)

    def normalize(
        self,
        skills: Sequence[str],
        *,
        top_k: int = 0,
        min_score: Optional[float] = None,
    ) -> List[taxonomy_service_pb2.NormalizedSkill]:
        """Each raw skill string (at most 1,000) with its best competencies, in order."""
        request = taxonomy_service_pb2.NormalizeCompetenciesRequest(skills=list(skills), top_k=top_k)
        if min_score is not None:
            request.min_score = min_score
        return list(self._call(self.taxonomy.NormalizeCompetencies, request).skills)

    def infer_occupations(
        self, text: str, *, top_k: int = 0
    ) -> List[taxonomy_service_pb2.InferredOccupation]:
        """The occupations a job title or posting is about, best first."""
        request = taxonomy_service_pb2.InferOccupationsRequest(text=text, top_k=top_k)
        return list(self._call(self.taxonomy.InferOccupations, request).occupations)

    def search_competencies(
        self, query: str, *, page_size: int = 0, limit: Optional[int] = None
    ) -> Iterator[taxonomy_service_pb2.CompetencySearchHit]:
        """Competencies by label, synonym, prefix or misspelling, best first, page by page."""
        request = taxonomy_service_pb2.SearchCompetenciesRequest(query=query, page_size=page_size)
        return self._pages(self.taxonomy.SearchCompetencies, request, lambda r: r.hits, limit)

    # CatalogService

    def credentials(
        self,
        *,
        filter: Optional[credential_pb2.CredentialFilter] = None,
        page_size: int = 0,
        limit: Optional[int] = None,
    ) -> Iterator[credential_pb2.Microcredential]:
        """The catalogue's credentials, page by page."""
        request = catalog_service_pb2.ListCredentialsRequest(page_size=page_size, filter=filter)
        return self._pages(self.catalog.ListCredentials, request, lambda r: r.credentials, limit)

    # MatchService

    def match_credentials(
        self,
        job: Job,
        *,
        explain: bool = True,
        filter: Optional[credential_pb2.CredentialFilter] = None,
        page_size: int = 0,
        limit: Optional[int] = None,
    ) -> Iterator[match_service_pb2.CredentialMatch]:
        """Credentials that teach what a job needs, best first, page by page."""
        request = match_service_pb2.MatchCredentialsRequest(
            job=_job(job), explain=explain, filter=filter, page_size=page_size
        )
        return self._pages(self.matching.MatchCredentials, request, lambda r: r.matches, limit)

    def plan_upskilling(
        self,
        job: Job,
        *,
        candidate_id: str = "",
        held_competency_uris: Sequence[str] = (),
        max_cost: Optional[tuple] = None,
        max_hours: Optional[float] = None,
    ) -> gap_plan_pb2.PlanUpskillingResponse:
        """The credentials that close a candidate's (or a set of held competencies') gap for a
        job within a budget; `max_cost` is `(amount, "EUR")`."""
        constraints = gap_plan_pb2.PlanConstraints()
        if max_cost is not None:
            amount, currency = max_cost
            constraints.max_total_cost.CopyFrom(
                credential_pb2.Money(amount=amount, currency=currency)
            )
        if max_hours is not None:
            constraints.max_total_hours = max_hours
        request = gap_plan_pb2.PlanUpskillingRequest(
            job=_job(job),
            candidate_id=candidate_id,
            held_competency_uris=list(held_competency_uris),
            constraints=constraints,
        )
        return self._call(self.matching.PlanUpskilling, request)

    def stream_rank_candidates(
        self, job: Job, *, top_k: int = 0, explain: bool = False, batch_size: int = 0
    ) -> Iterator[ranking_pb2.CandidateRanking]:
        """The tenant's candidates ranked for a job, streamed in rank order."""
        request = ranking_pb2.StreamRankCandidatesRequest(
            job=_job(job), top_k=top_k, explain=explain, batch_size=batch_size
        )
        try:
            for batch in self.matching.StreamRankCandidates(
                request, metadata=self._metadata, timeout=self._timeout
            ):
                yield from batch.rankings
        except grpc.RpcError as error:
            raise from_rpc_error(error) from None

    # CandidateService and JobService

    def upsert_candidate(
        self,
        candidate: candidate_pb2.Candidate,
        *,
        cv_document: Optional[Tuple[bytes, str]] = None,
    ) -> candidate_pb2.Candidate:
        """Stores a candidate of the key's tenant; returns it as stored. `cv_document` is a CV
        file as `(content, media_type)`, read on the server into `cv_text`."""
        request = candidate_service_pb2.UpsertCandidateRequest(candidate=candidate)
        if cv_document is not None:
            content, media_type = cv_document
            request.cv_document.CopyFrom(
                document_pb2.Document(content=content, media_type=media_type)
            )
        return self._call(self.candidates_stub.UpsertCandidate, request).candidate

    def candidates(
        self, *, page_size: int = 0, limit: Optional[int] = None
    ) -> Iterator[candidate_pb2.Candidate]:
        """The tenant's candidates, page by page."""
        request = candidate_service_pb2.ListCandidatesRequest(page_size=page_size)
        return self._pages(
            self.candidates_stub.ListCandidates, request, lambda r: r.candidates, limit
        )

    def delete_candidate(self, candidate_id: str) -> None:
        """Deletes a candidate and erases their data."""
        request = candidate_service_pb2.DeleteCandidateRequest(id=candidate_id)
        self._call(self.candidates_stub.DeleteCandidate, request)

    def upsert_job(self, job: job_pb2.JobPosting) -> job_pb2.JobPosting:
        """Stores a job of the key's tenant; returns it as stored."""
        request = job_service_pb2.UpsertJobRequest(job=job)
        return self._call(self.jobs_stub.UpsertJob, request).job

    def jobs(self, *, page_size: int = 0, limit: Optional[int] = None) -> Iterator[job_pb2.JobPosting]:
        """The tenant's jobs, page by page."""
        request = job_service_pb2.ListJobsRequest(page_size=page_size)
        return self._pages(self.jobs_stub.ListJobs, request, lambda r: r.jobs, limit)
