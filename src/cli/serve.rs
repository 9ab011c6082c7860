//! `skillmatch serve`.

use std::sync::Arc;

use anyhow::{Context, bail};
use skillmatch::Hardening;
use skillmatch::auth::{Authenticator, KeyRing};
use skillmatch::config::Settings;
use skillmatch::embed::Embedder;
use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::tls::ReloadingTls;

pub(super) fn run(settings: Settings) -> anyhow::Result<()> {
    skillmatch::telemetry::init(settings.log_format, &settings.log_level);
    let tls = settings.tls_files()?;
    if settings.api_keys.is_some()
        && tls.is_none()
        && !settings.addr.ip().is_loopback()
        && !settings.allow_plaintext
    {
        bail!(
            "refusing to accept API keys in plaintext on non-loopback {}; pass --tls-cert and --tls-key, or --allow-plaintext to do so anyway",
            settings.addr
        );
    }
    let tls = match tls {
        Some(files) => {
            let tls = ReloadingTls::load(files)?;
            tracing::info!(
                cert = %tls.files().cert.display(),
                client_certificates = tls.files().client_ca.is_some(),
                "TLS enabled"
            );
            Some(Arc::new(tls))
        }
        None => None,
    };
    let rate_limiter = settings
        .limits
        .rate_limiter()
        .map_err(|reason| anyhow::anyhow!("invalid settings: {reason}"))?;
    let hardening = Hardening {
        tls,
        max_concurrent_calls: settings.limits.max_concurrent_calls,
        rate_limiter,
        metrics: settings
            .metrics_addr
            .map(|_| Arc::new(skillmatch::metrics::Metrics::new())),
        backup_dir: settings.backup_dir.clone(),
    };
    let auth = match &settings.api_keys {
        Some(path) => {
            let ring = KeyRing::read(path)?;
            if ring.is_empty() {
                bail!("API-key file {} holds no keys", path.display());
            }
            tracing::info!(
                keys = ring.len(),
                "API keys loaded; changes to the file apply as they are made"
            );
            Authenticator::Keys(ring)
        }
        None => {
            if !settings.addr.ip().is_loopback() && !settings.allow_unauthenticated {
                bail!(
                    "refusing to listen on non-loopback {} without authentication; pass --api-keys FILE, or --allow-unauthenticated to do so anyway",
                    settings.addr
                );
            }
            tracing::warn!(
                "no API keys configured: serving unauthenticated with one default tenant"
            );
            Authenticator::Open
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let embedder = settings.embedder.load()?;
    let grace = settings.server.shutdown_grace;
    let served = runtime.block_on(serve(settings, auth, hardening, embedder));
    // Calls still running on the blocking pool stop at their next
    // cancellation check; do not wait on them past the grace period.
    runtime.shutdown_timeout(grace);
    served
}

async fn serve(
    settings: Settings,
    auth: Authenticator,
    hardening: Hardening,
    embedder: Arc<dyn Embedder>,
) -> anyhow::Result<()> {
    let config = EngineConfig::new(settings.data_dir.clone())
        .pinning(settings.taxonomies.clone())
        .with_embedder(embedder);
    let (engine, report) = tokio::task::spawn_blocking(move || Engine::open(&config))
        .await
        .context("opening the engine")??;
    tracing::info!(
        competencies = report.competencies,
        occupations = report.occupations,
        taxonomies = ?report.taxonomies,
        credentials = report.credentials,
        reseeded = report.seed.reseeded,
        candidate_snapshot_loaded = report.candidate_snapshot_loaded,
        store_ms = report.took.store.as_millis(),
        taxonomy_ms = report.took.taxonomy.as_millis(),
        catalog_ms = report.took.catalog.as_millis(),
        candidates_ms = report.took.candidates.as_millis(),
        data_dir = %settings.data_dir.display(),
        "engine ready"
    );
    let engine = Arc::new(engine);
    let snapshots = settings
        .candidate_snapshot_interval
        .map(|every| save_candidate_snapshots(Arc::downgrade(&engine), every));
    let usage = match &auth {
        Authenticator::Keys(ring) => Some(save_key_usage(ring.clone())),
        Authenticator::Open => None,
    };
    if let Some(tls) = &hardening.tls {
        tls.watch(skillmatch::tls::DEFAULT_POLL);
    }
    if let (Some(addr), Some(metrics)) = (settings.metrics_addr, &hardening.metrics) {
        let sampled = Arc::downgrade(&engine);
        metrics.set_size_source(Arc::new(move || {
            sampled
                .upgrade()
                .map(|engine| engine.sizes())
                .unwrap_or_default()
        }));
        let (local, _task) = skillmatch::metrics::bind_metrics(addr, metrics.clone())
            .await
            .with_context(|| format!("binding the metrics address {addr}"))?;
        eprintln!("metrics on http://{local}/metrics");
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .with_context(|| format!("binding {}", settings.addr))?;
    let local = listener.local_addr()?;
    eprintln!("listening on {local}");
    tracing::info!(
        compute_slots = settings.server.compute_slots,
        max_concurrent_calls = hardening.max_concurrent_calls,
        "serving"
    );
    skillmatch::serve_hardened(
        listener,
        engine.clone(),
        settings.server,
        auth,
        hardening,
        shutdown_signal(),
    )
    .await?;
    if let Some((task, ring)) = usage {
        task.abort();
        if let Err(error) = tokio::task::spawn_blocking(move || ring.save_usage()).await? {
            tracing::warn!(%error, "cannot save when API keys were last used");
        }
    }
    if let Some(task) = snapshots {
        task.abort();
    }
    // The candidate index snapshot, off the executor, so the next start
    // loads it instead of rebuilding the index from the store.
    let saved = tokio::task::spawn_blocking(move || engine.save_candidate_snapshot()).await?;
    if let Err(error) = saved {
        tracing::warn!(%error, "cannot write the candidate index snapshot");
    }
    Ok(())
}

/// Writes the candidate index snapshot every `every`, off the executor,
/// when the store changed since the last one: after a crash, the next start
/// loads it and re-reads only the candidates changed after it.
fn save_candidate_snapshots(
    engine: std::sync::Weak<Engine>,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let Some(engine) = engine.upgrade() else {
                return;
            };
            match tokio::task::spawn_blocking(move || engine.save_candidate_snapshot()).await {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => {
                    tracing::warn!(%error, "cannot write the candidate index snapshot")
                }
                Err(error) => tracing::warn!(%error, "candidate snapshot task failed"),
            }
        }
    })
}

/// How often the last use of each API key is saved beside the key file.
const USAGE_SAVE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Saves the keys' last use every [`USAGE_SAVE_INTERVAL`], for `keys list`.
fn save_key_usage(ring: KeyRing) -> (tokio::task::JoinHandle<()>, KeyRing) {
    let saved = ring.clone();
    let task = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(USAGE_SAVE_INTERVAL);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let ring = saved.clone();
            match tokio::task::spawn_blocking(move || ring.save_usage()).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    tracing::warn!(%error, "cannot save when API keys were last used")
                }
                Err(error) => tracing::warn!(%error, "key usage task failed"),
            }
        }
    });
    (task, ring)
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(error) => {
                    tracing::error!(%error, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
