//! Story: "Cause: significant time spent moving large values" — popping the
//! front of a `Vec` of 4 KiB frames shifts every remaining frame each time.
//! Fix: a `VecDeque` and `pop_front`, or boxing the frame data.

use std::time::Instant;

struct Frame {
    data: [u8; 4096],
    len: usize,
}

struct FrameQueue {
    pending: Vec<Frame>,
}

async fn process(frame: Frame) -> usize {
    tokio::task::yield_now().await;
    frame.data.iter().take(frame.len).filter(|b| **b != 0).count()
}

async fn process_frames(queue: &mut FrameQueue) -> usize {
    let mut total = 0;
    while !queue.pending.is_empty() {
        let frame = queue.pending.remove(0); //~ vec-remove-front
        total += process(frame).await;
    }
    total
}

#[tokio::main]
async fn main() {
    let pending = (0..1_000).map(|i| Frame { data: [(i % 251) as u8; 4096], len: 1024 }).collect();
    let mut queue = FrameQueue { pending };
    let start = Instant::now();
    let nonzero = process_frames(&mut queue).await;
    println!("{nonzero} non-zero bytes in {:?}", start.elapsed());
}
