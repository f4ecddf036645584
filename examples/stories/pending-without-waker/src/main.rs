//! Story: "Why is my task stuck?" — a hand-written future returns `Pending`
//! without registering the waker, so nothing ever polls it again.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Resolves once another task sets `flag`.
struct FlagSet {
    flag: Arc<AtomicBool>,
}

impl Future for FlagSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.flag.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            // Bug: the waker in `_cx` is never stored, so setting the flag
            // later wakes no one.
            Poll::Pending //~ pending-without-waker
        }
    }
}

#[tokio::main]
async fn main() {
    let flag = Arc::new(AtomicBool::new(false));

    let waiter = tokio::spawn(FlagSet { flag: Arc::clone(&flag) });
    let setter = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        flag.store(true, Ordering::Release);
        println!("flag set");
    });

    let _ = setter.await;
    // Hangs: the waiter was polled once, returned Pending and was never woken.
    let _ = waiter.await;
    println!("never printed");
}
