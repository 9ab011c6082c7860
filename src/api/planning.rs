//! AnalyzeGap and PlanUpskilling of MatchService.

use std::sync::Arc;

use tonic::Status;

use super::blocking;
use super::convert::gap_plan::{gap_to_pb, plan_request_from_pb, plan_to_pb};
use crate::engine::Engine;
use crate::pb;
use crate::planning::GapQuery;

/// Serves AnalyzeGap.
pub(super) async fn analyze_gap(
    engine: &Arc<Engine>,
    request: pb::AnalyzeGapRequest,
) -> Result<pb::AnalyzeGapResponse, Status> {
    let query = GapQuery::try_from(request)?;
    blocking(engine, move |engine| {
        let gap = engine.analyze_gap(&query)?;
        Ok(gap_to_pb(engine.taxonomy(), &gap))
    })
    .await
}

/// Serves PlanUpskilling.
pub(super) async fn plan_upskilling(
    engine: &Arc<Engine>,
    request: pb::PlanUpskillingRequest,
) -> Result<pb::PlanUpskillingResponse, Status> {
    let (query, constraints) = plan_request_from_pb(request)?;
    blocking(engine, move |engine| {
        let plan = engine.plan_upskilling(&query, &constraints)?;
        Ok(plan_to_pb(engine.taxonomy(), &plan))
    })
    .await
}
