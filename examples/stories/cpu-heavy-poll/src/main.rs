//! Story: "Accidental blocking call starves the runtime, variant 2: performing
//! a high CPU operation on the runtime." Each checksum runs for a long time
//! inside a single poll; the heartbeat task on the same runtime falls behind.
//!
//! Runtime-only (no static rule): live, each `checksum` poll is long.
//! Fix: `tokio::task::spawn_blocking(move || checksum_sync(&data))`.

use std::time::{Duration, Instant};

async fn checksum(data: Vec<u8>, rounds: usize) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for _ in 0..rounds {
        for byte in &data {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

async fn heartbeat() {
    let mut ticker = tokio::time::interval(Duration::from_millis(10));
    let mut last = Instant::now();
    for _ in 0..50 {
        ticker.tick().await;
        let lag = last.elapsed().saturating_sub(Duration::from_millis(10));
        if lag > Duration::from_millis(5) {
            println!("heartbeat late by {lag:?}");
        }
        last = Instant::now();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let beat = tokio::spawn(heartbeat());
    let mut jobs = Vec::new();
    for i in 0..4u8 {
        jobs.push(tokio::spawn(checksum(vec![i; 1 << 20], 20)));
    }
    for job in jobs {
        println!("checksum {:x}", job.await.unwrap_or(0));
    }
    let _ = beat.await;
}
