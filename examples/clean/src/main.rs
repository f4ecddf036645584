//! Correct tokio code that sits right next to every awaitlens rule's bug
//! pattern. `awaitlens check` must report nothing here; each item says which
//! rule it is close to and why that rule must stay silent.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::{self, Read};
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::sleep;

#[derive(Default)]
struct Shared {
    hits: Mutex<HashMap<String, u64>>,
    names: RwLock<Vec<String>>,
    fast: parking_lot::Mutex<u64>,
    accounts: tokio::sync::Mutex<HashMap<String, i64>>,
    audit: tokio::sync::Mutex<Vec<String>>,
}

// guard-across-await: every std / parking_lot guard is gone before the await.
async fn count_hit(shared: &Shared, key: &str) -> usize {
    {
        let mut hits = shared.hits.lock().unwrap();
        *hits.entry(key.to_string()).or_insert(0) += 1;
    }
    let total = shared.hits.lock().unwrap().len(); // temporary guard, dropped at `;`
    *shared.fast.lock() += 1;
    sleep(Duration::from_millis(1)).await;
    total
}

// guard-across-await: released with `drop` before the await. (rustc's `Send`
// check still counts `names` as live, so this future cannot be spawned, but
// at run time the lock is free during the await.)
async fn known_names(shared: &Shared) -> usize {
    let names = shared.names.read().unwrap();
    let known = names.len();
    drop(names);
    sleep(Duration::from_millis(1)).await;
    known
}

// guard-across-await: a tokio::sync::Mutex guard may be held across an await.
// lock-order-inversion: both paths take `accounts` before `audit`.
async fn transfer(shared: &Shared, from: &str, to: &str, amount: i64) {
    let mut accounts = shared.accounts.lock().await;
    *accounts.entry(from.to_string()).or_insert(0) -= amount;
    *accounts.entry(to.to_string()).or_insert(0) += amount;
    let mut audit = shared.audit.lock().await;
    audit.push(format!("{from} -> {to}: {amount}"));
}

async fn report(shared: &Shared) -> String {
    let accounts = shared.accounts.lock().await;
    let audit = shared.audit.lock().await;
    format!("{} accounts, {} transfers", accounts.len(), audit.len())
}

// lock-order-inversion: `audit` first is fine once it is released before `accounts`.
async fn audit_then_total(shared: &Shared) -> (usize, i64) {
    let entries = shared.audit.lock().await.len();
    let total = shared.accounts.lock().await.values().sum();
    (entries, total)
}

// blocking-in-async: blocking work runs on the blocking pool or its own thread.
async fn load_file(path: String) -> io::Result<String> {
    let text = tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(1));
        let mut file = std::fs::File::open(&path)?;
        let mut text = String::new();
        let _ = file.read_to_string(&mut text); // std Read: not a future
        Ok::<_, io::Error>(text)
    })
    .await??;
    let (done_tx, done_rx) = oneshot::channel();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1));
        let _ = done_tx.send(());
    });
    let _ = done_rx.await;
    let extra = tokio::fs::read_to_string("extra.txt").await.unwrap_or_default();
    Ok(text + &extra)
}

// pending-without-waker: each Pending is paired with a registered or passed-on waker.
struct Signal {
    ready: bool,
    waker: Option<Waker>,
}

impl Future for Signal {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.ready {
            return Poll::Ready(());
        }
        self.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

struct Counted<F> {
    inner: Pin<Box<F>>,
    polls: u32,
}

impl<F: Future> Future for Counted<F> {
    type Output = (F::Output, u32);
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.polls += 1;
        match self.inner.as_mut().poll(cx) {
            Poll::Ready(out) => Poll::Ready((out, self.polls)),
            Poll::Pending => Poll::Pending,
        }
    }
}

// select-cancel-unsafe: cancel-safe branches only, and the one non-cancel-safe
// read is pinned outside the loop and resumed with `&mut`.
async fn read_header(stream: &mut BufReader<TcpStream>, mut shutdown: broadcast::Receiver<()>) -> io::Result<Option<[u8; 8]>> {
    let mut header = [0u8; 8];
    let read = stream.read_exact(&mut header);
    tokio::pin!(read);
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            res = &mut read => { res?; break; }
            _ = ticks.tick() => println!("still waiting for a header"),
            _ = shutdown.recv() => return Ok(None),
        }
    }
    Ok(Some(header))
}

// serial-accept-loop: each connection gets its own task.
// lost-panic: the dropped handles' bodies cannot panic.
// unbuffered-io: buffered halves; several write_all in a row on a BufWriter.
async fn serve(listener: TcpListener, mut shutdown: broadcast::Receiver<()>) -> io::Result<()> {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (socket, _) = accepted?;
                tokio::spawn(async move {
                    if let Err(e) = echo_lines(socket).await {
                        eprintln!("connection failed: {e}");
                    }
                });
            }
            _ = shutdown.recv() => return Ok(()),
        }
    }
}

async fn echo_lines(socket: TcpStream) -> io::Result<()> {
    let (rd, wr) = socket.into_split();
    let mut rd = BufReader::new(rd);
    let mut wr = BufWriter::new(wr);
    let mut line = String::new();
    while rd.read_line(&mut line).await? != 0 {
        wr.write_all(b"echo: ").await?;
        wr.write_all(line.as_bytes()).await?;
        wr.write_u8(b'\n').await?;
        wr.flush().await?;
        line.clear();
    }
    Ok(())
}

// serial-accept-loop: awaiting a channel send (not I/O on the stream) is fine.
async fn hand_off(listener: TcpListener, workers: mpsc::Sender<TcpStream>) -> io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?;
        if workers.send(socket).await.is_err() {
            return Ok(());
        }
    }
}

// self-held-sender: the original sender is dropped before the loop.
// serial-receiver-loop: many senders, but the loop body does not await.
async fn gather(keys: Vec<String>) -> Vec<usize> {
    let (tx, mut rx) = mpsc::channel(16);
    for key in keys {
        let tx = tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(key.len()).await;
        });
    }
    drop(tx);
    let mut lens = Vec::new();
    while let Some(len) = rx.recv().await {
        lens.push(len);
    }
    lens
}

// serial-receiver-loop: slow work is spawned per message, not awaited inline.
async fn dispatch(mut rx: mpsc::Receiver<(u64, oneshot::Sender<u64>)>) {
    while let Some((request, reply)) = rx.recv().await {
        tokio::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            let _ = reply.send(request * 2);
        });
    }
}

// sequential-futures: concurrent via join!, or the second future needs the first's output.
async fn fetch(n: u64) -> u64 {
    sleep(Duration::from_millis(n)).await;
    n
}

async fn combine() -> u64 {
    let a = fetch(10);
    let b = fetch(20);
    let (a, b) = tokio::join!(a, b);
    let first = fetch(a + b).await;
    let next = fetch(first / 10);
    next.await + fetch(1).await
}

// sequential-futures: spawned tasks already run concurrently; awaiting their
// handles one after another is fine.
async fn spawned_pair() -> u64 {
    let a = tokio::spawn(fetch(10));
    let b = tokio::spawn(fetch(20));
    a.await.unwrap_or(0) + b.await.unwrap_or(0)
}

// vec-remove-front: a VecDeque as queue; `remove(0)` on a Vec only once.
async fn drain(mut queue: VecDeque<Vec<u8>>, mut batch: Vec<String>) -> usize {
    let mut total = 0;
    while let Some(item) = queue.pop_front() {
        total += item.len();
        tokio::task::yield_now().await;
    }
    if !batch.is_empty() {
        total += batch.remove(0).len();
    }
    total
}

// main-off-runtime: the spawning loop does not await; the awaiting loop does not spawn.
#[tokio::main]
async fn main() -> io::Result<()> {
    let shared = Arc::new(Shared::default());
    let mut handles = Vec::new();
    for i in 0..4 {
        let shared = Arc::clone(&shared);
        handles.push(tokio::spawn(async move {
            transfer(&shared, "a", "b", i).await;
            count_hit(&shared, "a").await
        }));
    }
    for handle in handles {
        let hits = handle.await.expect("worker panicked");
        println!("hits: {hits}");
    }
    println!("{} / {:?} / {}", report(&shared).await, audit_then_total(&shared).await, known_names(&shared).await);

    let (shutdown_tx, _) = broadcast::channel(1);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(serve(listener, shutdown_tx.subscribe()));
    let mut stream = BufReader::new(TcpStream::connect(addr).await?);
    stream.get_mut().write_all(b"hello, world\n").await?;
    let header = read_header(&mut stream, shutdown_tx.subscribe()).await?;
    let _ = shutdown_tx.send(());
    server.await.expect("server panicked")?;

    let (workers_tx, mut workers_rx) = mpsc::channel(4);
    let side = TcpListener::bind("127.0.0.1:0").await?;
    let side_addr = side.local_addr()?;
    let acceptor = tokio::spawn(hand_off(side, workers_tx));
    let _client = TcpStream::connect(side_addr).await?;
    let worker_got = workers_rx.recv().await.is_some();
    acceptor.abort();

    let (req_tx, req_rx) = mpsc::channel(8);
    tokio::spawn(dispatch(req_rx));
    let (reply_tx, reply_rx) = oneshot::channel();
    let _ = req_tx.send((21, reply_tx)).await;

    let signal = Signal { ready: true, waker: None };
    let ((), polls) = Counted { inner: Box::pin(signal), polls: 0 }.await;
    println!(
        "header={header:?} worker={worker_got} reply={:?} polls={polls} lens={:?} combined={} drained={} file={}",
        reply_rx.await.ok(),
        gather(vec!["x".into(), "yy".into()]).await,
        combine().await + spawned_pair().await,
        drain(VecDeque::from(vec![vec![1, 2], vec![3]]), vec!["a".into()]).await,
        load_file("clean.txt".into()).await.map(|t| t.len()).unwrap_or(0),
    );
    Ok(())
}
