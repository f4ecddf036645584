//! Story: "Cause: not currently polling the stream" — futures are lazy. Two
//! lookups created up front still run one after the other (250 ms, not
//! 150 ms), and the stream's sleeps only run while the stream is polled.
//!
//! Note: a bare `tokio::time::sleep(d)` fixes its deadline when it is
//! *created*, so two bare sleeps awaited in turn take max(d1, d2), not the sum;
//! the lookups below are `async fn`s, whose work starts at the first poll.

use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use tokio::time;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Stands in for a network round trip.
async fn lookup(name: &str, latency: Duration) -> String {
    time::sleep(latency).await;
    format!("{name}: ok")
}

async fn simple_variant() {
    let start = Instant::now();
    let fut1 = lookup("users", ms(100));
    let fut2 = lookup("orders", ms(150));
    let users = fut1.await; //~ sequential-futures
    let orders = fut2.await;
    println!("sequential: {:?} (expected ~150ms) {users} {orders}", start.elapsed());

    let start = Instant::now();
    tokio::join!(lookup("users", ms(100)), lookup("orders", ms(150)));
    println!("join!:      {:?}", start.elapsed());
}

/// No static rule: the per-item sleeps are inside the stream. Live, the
/// task's sleeps show up strictly one after another.
async fn stream_variant() {
    let start = Instant::now();
    let stream = stream::iter(0..5).then(|_| async {
        time::sleep(ms(100)).await;
    });
    tokio::pin!(stream);
    while let Some(()) = stream.next().await {
        time::sleep(ms(100)).await;
    }
    println!("stream: {:?} (expected ~600ms, is ~1s)", start.elapsed());
}

#[tokio::main]
async fn main() {
    simple_variant().await;
    stream_variant().await;
}
