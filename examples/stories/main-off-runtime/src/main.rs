//! Story: "Why is my app slow? Cause: running a task off runtime." The
//! `#[tokio::main]` body runs on the thread that called `block_on`, not on a
//! worker, so every `rx.await` pays a cross-thread wake-up.

use std::time::Instant;

use tokio::sync::oneshot;

#[tokio::main]
async fn main() {
    let start = Instant::now();
    for _ in 0..10_000 { //~ main-off-runtime
        let (tx, rx) = oneshot::channel();
        tokio::spawn(async move {
            let _ = tx.send(());
        });
        let _ = rx.await;
    }
    println!("in main:           {:?}", start.elapsed());

    // The fix: run the same loop inside a spawned task.
    let start = Instant::now();
    let on_runtime = tokio::spawn(async {
        for _ in 0..10_000 {
            let (tx, rx) = oneshot::channel();
            tokio::spawn(async move {
                let _ = tx.send(());
            });
            let _ = rx.await;
        }
    });
    let _ = on_runtime.await;
    println!("in a spawned task: {:?}", start.elapsed());
}
