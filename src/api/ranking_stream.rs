//! StreamRankCandidates of MatchService: RankCandidates in batches, for
//! pools too large for one message. It shares the request conversion, the
//! ranking and the explanations with RankCandidates (`ranking.rs`).

use std::sync::Arc;

use tokio::sync::mpsc::Sender;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use tracing::Instrument as _;

use super::Workers;
use super::paging::PageSize;
use super::ranking::{MAX_EXPLAINED, RankFields, RankRequest, explain_batch, rank_request, start};
use crate::auth::{Role, require};
use crate::domain::{ValidationError, Violations};
use crate::engine::Ranking;
use crate::pb;

/// Rankings per message, by default and at most.
const DEFAULT_BATCH: usize = 100;
const MAX_BATCH: usize = 1000;

/// A StreamRankCandidates request and its batch size.
fn stream_request_from_pb(
    request: pb::StreamRankCandidatesRequest,
) -> Result<(RankRequest, usize), ValidationError> {
    let pb::StreamRankCandidatesRequest {
        job_id,
        job,
        candidate_ids,
        top_k,
        explain,
        anonymize,
        as_of,
        plan,
        batch_size,
    } = request;
    let fields = RankFields {
        job_id,
        job,
        candidate_ids,
        explain,
        anonymize,
        as_of,
        plan,
    };
    let top_k = match usize::try_from(top_k) {
        Ok(0) => Ok(usize::MAX),
        Ok(top_k) => Ok(top_k),
        Err(_) => Err(ValidationError::field("top_k", "must not be negative")),
    };
    let mut violations = Violations::default();
    // Explained batches are capped lower, so each message stays small.
    let max_batch = if fields.explain || fields.plan.is_some() {
        MAX_EXPLAINED
    } else {
        MAX_BATCH
    };
    let batch_size = violations.take(
        PageSize::new(batch_size, DEFAULT_BATCH, max_batch, "batch_size").map(PageSize::get),
        "",
    );
    let request = rank_request(fields, top_k, violations)?;
    Ok((request, batch_size.expect("checked by rank_request")))
}

/// The stream StreamRankCandidates answers with.
pub type RankingStream = ReceiverStream<Result<pb::StreamRankCandidatesResponse, Status>>;

/// StreamRankCandidates: the order is fixed first (errors are the call's
/// status), then a task explains one batch at a time on the blocking pool and
/// sends it. The channel holds one batch, so a slow client slows the work
/// down, and a client that goes away (the stream is dropped) stops it at the
/// next batch.
pub async fn stream_rank_candidates(
    workers: &Workers,
    request: Request<pb::StreamRankCandidatesRequest>,
) -> Result<Response<RankingStream>, Status> {
    let caller = require(&request, Role::Read)?;
    let (request, batch_size) = stream_request_from_pb(request.into_inner())?;
    let ranking = start(workers, caller, &request).await?;
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let batches = send_batches(
        workers.clone(),
        ranking,
        batch_size,
        request.explain,
        sender,
    );
    tokio::spawn(batches.instrument(tracing::Span::current()));
    Ok(Response::new(ReceiverStream::new(receiver)))
}

type Batch = Result<pb::StreamRankCandidatesResponse, Status>;

/// Explains the ranking `batch_size` candidates at a time and sends each
/// batch, until the ranking ends, a batch fails (its error is sent) or the
/// receiver is gone. Returns how many ranked candidates it explained.
async fn send_batches(
    workers: Workers,
    ranking: Arc<Ranking>,
    batch_size: usize,
    explain: bool,
    sender: Sender<Batch>,
) -> usize {
    let mut begin = 0;
    while begin < ranking.len() && !sender.is_closed() {
        let end = ranking.len().min(begin.saturating_add(batch_size));
        let message = explain_batch(&workers, &ranking, begin..end, explain)
            .await
            .map(|rankings| pb::StreamRankCandidatesResponse { rankings });
        begin = end;
        let failed = message.is_err();
        if sender.send(message).await.is_err() || failed {
            break;
        }
    }
    tracing::debug!(
        explained = begin,
        of = ranking.len(),
        "ranking stream ended"
    );
    begin
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Authenticator;
    use crate::domain::{
        Candidate, Date, DeclaredCompetency, Importance, JobPosting, RecordId, RequiredCompetency,
    };
    use crate::engine::{Engine, EngineConfig, JobSource, RankQuery};

    #[tokio::test]
    async fn a_client_that_goes_away_stops_the_work() {
        let dir = tempfile::tempdir().unwrap();
        let config = EngineConfig::new(dir.path());
        let engine = Arc::new(Engine::open(&config).unwrap().0);
        let caller = Authenticator::Open
            .authenticate(&tonic::metadata::MetadataMap::new())
            .unwrap();
        let uri = engine
            .taxonomy()
            .get(crate::taxonomy::CompetencyIdx(0))
            .uri
            .clone();
        let people = (0..60)
            .map(|i| Candidate {
                id: RecordId::parse(&format!("c{i:02}")).unwrap(),
                display_name: None,
                credentials: Vec::new(),
                competencies: vec![DeclaredCompetency {
                    uri: uri.clone(),
                    last_used: None,
                    proficiency: None,
                }],
                cv_text: String::new(),
                cv_competencies: Vec::new(),
            })
            .collect();
        engine.upsert_candidates(caller.tenant(), people).unwrap();
        let query = RankQuery {
            job: JobSource::Inline(JobPosting {
                competencies: vec![RequiredCompetency {
                    uri,
                    importance: Importance::Essential,
                    min_proficiency: None,
                }],
                ..JobPosting::default()
            }),
            candidate_ids: Vec::new(),
            top_k: usize::MAX,
            as_of: Date::parse("2026-06-01").unwrap(),
            with_names: false,
        };
        let ranking = Arc::new(engine.start_ranking(caller.tenant(), &query, None).unwrap());
        assert_eq!(ranking.len(), 60);

        // A client that reads everything gets everything.
        let (sender, mut receiver) = tokio::sync::mpsc::channel(1);
        let workers = Workers::new(engine.clone(), 1);
        let all = tokio::spawn(send_batches(
            workers.clone(),
            ranking.clone(),
            5,
            false,
            sender,
        ));
        let mut received = 0;
        while let Some(batch) = receiver.recv().await {
            received += batch.unwrap().rankings.len();
        }
        assert_eq!((all.await.unwrap(), received), (60, 60));

        // One that reads a batch and goes away stops the work within two
        // batches of what it read (one waits in the channel, one in `send`).
        let (sender, mut receiver) = tokio::sync::mpsc::channel(1);
        let cut = tokio::spawn(send_batches(workers, ranking, 5, false, sender));
        assert_eq!(receiver.recv().await.unwrap().unwrap().rankings.len(), 5);
        drop(receiver);
        let explained = cut.await.unwrap();
        assert!((5..=15).contains(&explained), "explained {explained} of 60");
    }
}
