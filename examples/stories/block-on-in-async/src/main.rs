//! Story: "Accidental blocking call starves the runtime, variant 1: calling
//! `block_on` from the `futures` crate" inside a task. The worker thread is
//! parked inside `block_on`, so other tasks on it stop making progress. On this
//! current-thread runtime the config provider can never run: the program hangs
//! (on a multi-thread runtime it "only" takes a worker away for 100 ms).

use std::time::{Duration, Instant};

use tokio::sync::oneshot;

async fn load_config(rx: oneshot::Receiver<String>) -> String {
    rx.await.unwrap_or_else(|_| "default".to_string())
}

async fn handle_request(id: u32, config_rx: oneshot::Receiver<String>) -> String {
    // Bug: blocks the runtime worker until the config arrives.
    let config = futures::executor::block_on(load_config(config_rx)); //~ blocking-in-async
    format!("request {id} with config {config}")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let start = Instant::now();
    let (config_tx, config_rx) = oneshot::channel();

    let handler = tokio::spawn(handle_request(1, config_rx));
    let provider = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = config_tx.send("v2".to_string());
    });

    let (reply, _) = tokio::join!(handler, provider);
    println!("{:?} after {:?}", reply.ok(), start.elapsed());
}
