//! Story: "A cycle may include a single task if a task is receiving on a
//! channel and holds all senders."

use tokio::sync::mpsc;

async fn square_all(inputs: Vec<u64>) -> Vec<u64> {
    let (tx, mut rx) = mpsc::channel(16);
    for n in inputs {
        let tx = tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(n * n).await;
        });
    }
    // Bug: `tx` is still alive here, so `recv` never returns `None`
    // once every worker is done. Fix: `drop(tx);` before the loop.
    let mut squares = Vec::new();
    while let Some(square) = rx.recv().await { //~ self-held-sender
        squares.push(square);
    }
    squares
}

#[tokio::main]
async fn main() {
    let squares = square_all((1..=10).collect()).await;
    println!("never printed: {squares:?}");
}
