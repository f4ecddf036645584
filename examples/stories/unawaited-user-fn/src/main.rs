//! Story: "Unexpected cancellation from not calling `.await`, variant 2:
//! not calling await on a user fn." `do_work()` builds a future that is
//! dropped unpolled, so the work never happens.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn do_work(done: Arc<AtomicUsize>) {
    tokio::time::sleep(Duration::from_millis(10)).await;
    done.fetch_add(1, Ordering::SeqCst);
}

async fn flush_metrics(done: Arc<AtomicUsize>) -> usize {
    done.swap(0, Ordering::SeqCst)
}

#[tokio::main]
async fn main() {
    let done = Arc::new(AtomicUsize::new(0));

    do_work(Arc::clone(&done)); //~ unawaited-future
    let _ = flush_metrics(Arc::clone(&done)); //~ unawaited-future

    // For contrast, these are fine:
    do_work(Arc::clone(&done)).await;
    let flushed = flush_metrics(Arc::clone(&done)).await;
    println!("work items done: {flushed} (expected 2)");
}
