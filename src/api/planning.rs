//! AnalyzeGap and PlanUpskilling of MatchService.

use tonic::{Request, Status};

use super::Workers;
use super::convert::gap_plan::{gap_to_pb, plan_request_from_pb, plan_to_pb};
use crate::auth::{Role, require};
use crate::engine::GapSource;
use crate::pb;

/// Serves AnalyzeGap.
pub(super) async fn analyze_gap(
    workers: &Workers,
    request: Request<pb::AnalyzeGapRequest>,
) -> Result<pb::AnalyzeGapResponse, Status> {
    let caller = require(&request, Role::Read)?;
    let source = GapSource::try_from(request.into_inner())?;
    workers
        .compute(move |engine| {
            let query = engine.resolve_gap(caller.tenant(), source)?;
            let gap = engine.analyze_gap(&query)?;
            Ok(gap_to_pb(engine.taxonomy(), &gap))
        })
        .await
}

/// Serves PlanUpskilling.
pub(super) async fn plan_upskilling(
    workers: &Workers,
    request: Request<pb::PlanUpskillingRequest>,
) -> Result<pb::PlanUpskillingResponse, Status> {
    let caller = require(&request, Role::Read)?;
    let (source, constraints) = plan_request_from_pb(request.into_inner())?;
    workers
        .compute(move |engine| {
            let query = engine.resolve_gap(caller.tenant(), source)?;
            let plan = engine.plan_upskilling(&query, &constraints)?;
            Ok(plan_to_pb(engine.taxonomy(), &plan))
        })
        .await
}
