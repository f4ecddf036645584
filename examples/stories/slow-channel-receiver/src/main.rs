//! Story: "Cause: slow channel receiver" — a single task processes requests
//! from many senders one at a time; every sender mostly waits on its reply.
//! Fix: process requests concurrently (spawn per request, or buffer_unordered).

use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

async fn process(request: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(5)).await;
    request * 2
}

async fn run(senders: usize, per_sender: u64) -> Duration {
    let (tx, mut rx) = mpsc::channel::<(u64, oneshot::Sender<u64>)>(1024);

    tokio::spawn(async move {
        while let Some((request, reply)) = rx.recv().await { //~ serial-receiver-loop
            // If `process(...).await` is slow, the channel backs up.
            let response = process(request).await;
            let _ = reply.send(response);
        }
    });

    let start = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..senders {
        let tx = tx.clone();
        clients.push(tokio::spawn(async move {
            for request in 0..per_sender {
                let (reply_tx, reply_rx) = oneshot::channel();
                if tx.send((request, reply_tx)).await.is_err() {
                    return;
                }
                let _ = reply_rx.await;
            }
        }));
    }
    for client in clients {
        let _ = client.await;
    }
    start.elapsed()
}

#[tokio::main]
async fn main() {
    let elapsed = run(100, 3).await;
    println!("300 requests of 5ms each took {elapsed:?}");
}
