//! Story: "Resource starvation, variant 1: blocked waiting on channel capacity."
//!
//! Runtime-only: the producer spends nearly all its time in
//! `tx.send(job).await` waiting for capacity because the consumer is slow.
//! Nothing here is wrong line by line, so there is no static marker.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

#[derive(Debug)]
struct Job {
    id: u32,
    payload: Vec<u8>,
}

async fn produce(tx: mpsc::Sender<Job>, count: u32) {
    let start = Instant::now();
    for id in 0..count {
        let job = Job { id, payload: vec![id as u8; 512] };
        // Waits here: the channel holds only 8 jobs.
        if tx.send(job).await.is_err() {
            break;
        }
    }
    println!("producer done after {:?}", start.elapsed());
}

async fn consume(mut rx: mpsc::Receiver<Job>) -> usize {
    let mut bytes = 0;
    while let Some(job) = rx.recv().await {
        // A slow downstream (rate-limited API, disk, ...).
        tokio::time::sleep(Duration::from_millis(20)).await;
        bytes += job.payload.len();
        if job.id % 50 == 0 {
            println!("consumed job {}", job.id);
        }
    }
    bytes
}

#[tokio::main]
async fn main() {
    let (tx, rx) = mpsc::channel(8);
    let producer = tokio::spawn(produce(tx, 200));
    let consumer = tokio::spawn(consume(rx));
    let (_, bytes) = tokio::join!(producer, consumer);
    println!("consumed {} bytes", bytes.unwrap_or(0));
}
