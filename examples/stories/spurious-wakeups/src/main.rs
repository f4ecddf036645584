//! Story: "Spurious wakeups / excessive yielding" — futures that wake
//! themselves on every poll instead of waiting for a real event, burning CPU.
//!
//! Runtime-only (no static rule): the `Context` *is* used, so
//! `pending-without-waker` correctly stays silent; live, the tasks self-wake.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// A "timer" that polls the clock in a busy loop.
struct BusyDeadline {
    deadline: Instant,
    polls: Arc<AtomicU64>,
}

impl Future for BusyDeadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        if Instant::now() >= self.deadline {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Waits for a flag by yielding in a loop: every yield is a self-wake.
async fn spin_until(flag: Arc<AtomicBool>, polls: Arc<AtomicU64>) {
    while !flag.load(Ordering::Acquire) {
        polls.fetch_add(1, Ordering::Relaxed);
        tokio::task::yield_now().await;
    }
}

#[tokio::main]
async fn main() {
    let polls = Arc::new(AtomicU64::new(0));
    let flag = Arc::new(AtomicBool::new(false));

    let busy = tokio::spawn(BusyDeadline { deadline: Instant::now() + Duration::from_millis(100), polls: Arc::clone(&polls) });
    let spinner = tokio::spawn(spin_until(Arc::clone(&flag), Arc::clone(&polls)));
    tokio::time::sleep(Duration::from_millis(100)).await;
    flag.store(true, Ordering::Release);

    let _ = tokio::join!(busy, spinner);
    println!("{} polls for 100ms of waiting", polls.load(Ordering::Relaxed));
}
