//! Cancellation of a call's work: when the call's deadline passes or its
//! client goes away, the work it started on the blocking pool stops at its
//! next [`checkpoint`] instead of running on unobserved.
//!
//! The deadline layer (`api::deadline`) gives every call a [`CancelToken`]
//! for the life of its future; `api::Workers` carries it onto the blocking
//! thread that runs the engine, where [`checkpoint`] reads it. Engine loops
//! whose length depends on the request call [`checkpoint`] between steps.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a call's result is no longer wanted.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks the call's work as unwanted.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The call's work stopped because its deadline passed or its client left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the call's deadline passed or its client went away; its work was stopped")]
pub struct Cancelled;

tokio::task_local! {
    static CALL: CancelToken;
}

thread_local! {
    static WORK: RefCell<Option<CancelToken>> = const { RefCell::new(None) };
}

/// Runs a call's future with `token` as its cancellation token.
pub async fn scope<F: Future>(token: CancelToken, call: F) -> F::Output {
    CALL.scope(token, call).await
}

/// The token of the call whose future is running, if any.
pub fn current_call() -> Option<CancelToken> {
    CALL.try_with(Clone::clone).ok()
}

/// Runs synchronous work on this thread with `token` visible to
/// [`checkpoint`], then restores what was there.
pub fn run_as<R>(token: Option<CancelToken>, work: impl FnOnce() -> R) -> R {
    let previous = WORK.with(|slot| slot.replace(token));
    let result = work();
    WORK.with(|slot| *slot.borrow_mut() = previous);
    result
}

/// `Err(Cancelled)` when the work running on this thread belongs to a call
/// that was cancelled; `Ok` otherwise (including work outside any call).
pub fn checkpoint() -> Result<(), Cancelled> {
    WORK.with(|slot| match &*slot.borrow() {
        Some(token) if token.is_cancelled() => Err(Cancelled),
        _ => Ok(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_see_the_token_of_the_work_they_run_in() {
        assert_eq!(checkpoint(), Ok(()));
        let token = CancelToken::new();
        run_as(Some(token.clone()), || {
            assert_eq!(checkpoint(), Ok(()));
            token.cancel();
            assert_eq!(checkpoint(), Err(Cancelled));
        });
        assert_eq!(checkpoint(), Ok(()));
    }
}
