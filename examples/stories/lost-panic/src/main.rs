//! Story: "Panics" — a spawned task panics and nobody notices, because its
//! `JoinHandle` was dropped on the spot. The record is silently lost.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

async fn ingest(lines: Vec<String>, totals: Arc<Mutex<Vec<u64>>>) {
    for line in lines {
        let totals = Arc::clone(&totals);
        tokio::spawn(async move { //~ lost-panic
            let fields: Vec<&str> = line.split(',').collect();
            let amount: u64 = fields[1].trim().parse().unwrap();
            totals.lock().await.push(amount);
        });
    }
}

#[tokio::main]
async fn main() {
    let totals = Arc::new(Mutex::new(Vec::new()));
    let lines = vec![
        "alice, 10".to_string(),
        "bob".to_string(), // no amount: the task panics on fields[1]
        "carol, ten".to_string(), // not a number: the task panics on unwrap
        "dave, 30".to_string(),
    ];
    ingest(lines, Arc::clone(&totals)).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let totals = totals.lock().await;
    println!("ingested {} of 4 records: {:?}", totals.len(), *totals);
}
