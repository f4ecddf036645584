//! Story: "Cause: overloaded scheduler" — excessive fan-out: every event is
//! forwarded to thousands of subscriber tasks, and each hop also spawns a
//! task. Unrelated tasks (the latency probe) wait longer and longer to run.
//!
//! Runtime-only (no static rule): live, scheduling delay and task count grow.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

const SUBSCRIBERS: usize = 5_000;

async fn subscriber(mut rx: mpsc::UnboundedReceiver<u64>) {
    while let Some(event) = rx.recv().await {
        // Each event notifies yet another task.
        tokio::spawn(async move {
            std::hint::black_box(event.wrapping_mul(31));
        });
    }
}

async fn probe() {
    for _ in 0..20 {
        let asked = Instant::now();
        tokio::time::sleep(Duration::from_millis(10)).await;
        let late = asked.elapsed().saturating_sub(Duration::from_millis(10));
        println!("probe woke {late:?} late");
    }
}

async fn fan_out(events: u64) {
    let mut subscribers = Vec::with_capacity(SUBSCRIBERS);
    for _ in 0..SUBSCRIBERS {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(subscriber(rx));
        subscribers.push(tx);
    }
    for event in 0..events {
        for tx in &subscribers {
            let _ = tx.send(event);
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let probe = tokio::spawn(probe());
    let publisher = tokio::spawn(fan_out(200));
    let _ = tokio::join!(probe, publisher);
}
