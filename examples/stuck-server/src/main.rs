//! stuck-server: a tiny line-protocol key-value store with pub/sub.
//!
//! Client port (one command per line): GET, SET, DEL, MGET-less KEYS, MULTI/EXEC,
//! SUB, PUB, STATS, DUMP. Admin port: SNAPSHOT, COMPACT, HOT, SHUTDOWN.
//! With `KV_PRIMARY` set, the node also follows a primary's replication stream.
//!
//! This crate is an awaitlens demo: a line with a trailing `//~` marker carries a
//! planted bug; everything else is meant to be correct.

mod conn;
mod pubsub;
mod replica;
mod store;

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::fs::{File, OpenOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};

use crate::conn::Connection;
use crate::pubsub::Hub;
use crate::store::Store;

#[derive(Debug, Default)]
pub struct Stats {
    pub connections: u64,
    pub commands: u64,
}

struct Config {
    client_addr: String,
    admin_addr: String,
    data_dir: PathBuf,
    primary: Option<String>,
    peers: Vec<String>,
    shards: usize,
    stats_every: Duration,
}

impl Config {
    fn from_env() -> Config {
        let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_string());
        Config {
            client_addr: var("KV_ADDR", "127.0.0.1:7070"),
            admin_addr: var("KV_ADMIN_ADDR", "127.0.0.1:7071"),
            data_dir: PathBuf::from(var("KV_DATA_DIR", "./kv-data")),
            primary: std::env::var("KV_PRIMARY").ok(),
            peers: var("KV_PEERS", "").split(',').filter(|p| !p.is_empty()).map(String::from).collect(),
            shards: var("KV_SHARDS", "4").parse().unwrap_or(4),
            stats_every: Duration::from_secs(var("KV_STATS_SECS", "10").parse().unwrap_or(10)),
        }
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let config = Config::from_env();
    tokio::fs::create_dir_all(&config.data_dir).await?;

    // Load the snapshot and open the audit journal: both hit the disk.
    let store = Store::open(config.data_dir.clone());
    let journal = open_journal(config.data_dir.join("audit.log"));
    let store = Arc::new(store.await?); //~ sequential-futures
    let journal = journal.await?;

    // Warm every shard file into memory before accepting clients.
    for shard in 0..config.shards { //~ main-off-runtime
        let store = Arc::clone(&store);
        let handle = tokio::spawn(async move { store.warm_shard(shard).await });
        match handle.await {
            Ok(keys) => println!("shard {shard}: {keys} keys"),
            Err(e) => eprintln!("shard {shard}: warm-up failed: {e}"),
        }
    }
    if !config.peers.is_empty() {
        let applied = replica::catch_up(&config.peers, &store).await;
        println!("caught up {applied} keys from {} peers", config.peers.len());
    }
    let replication = config
        .primary
        .clone()
        .map(|primary| tokio::spawn(replica::follow(primary, Arc::clone(&store))));

    let stats = Arc::new(Mutex::new(Stats::default()));
    let (shutdown_tx, shutdown_rx) = broadcast::channel(1);
    let client_listener = TcpListener::bind(&config.client_addr).await?;
    let admin_listener = TcpListener::bind(&config.admin_addr).await?;
    println!("listening on {} (admin on {})", config.client_addr, config.admin_addr);

    let clients = accept_clients(client_listener, Arc::clone(&store), Arc::clone(&stats), journal, shutdown_rx);
    let admin = serve_admin(admin_listener, Arc::clone(&store), shutdown_tx);
    let reporter = report_stats(Arc::clone(&stats), config.stats_every);
    tokio::select! {
        res = clients => res?,
        res = admin => res?,
        _ = reporter => {}
        _ = tokio::signal::ctrl_c() => println!("interrupted"),
    }

    if let Some(task) = replication {
        task.abort();
    }
    let keys = store.snapshot().await?;
    println!("saved {keys} keys");
    Ok(())
}

async fn open_journal(path: PathBuf) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path).await
}

async fn accept_clients(
    listener: TcpListener,
    store: Arc<Store>,
    stats: Arc<Mutex<Stats>>,
    journal: File,
    mut shutdown: broadcast::Receiver<()>,
) -> io::Result<()> {
    let hub = Hub::default();
    // Every connection appends audit lines through this channel; one task
    // owns the journal file.
    let (audit_tx, mut audit_rx) = mpsc::channel::<String>(1024);
    tokio::spawn(async move {
        let mut journal = BufWriter::new(journal);
        while let Some(entry) = audit_rx.recv().await { //~ serial-receiver-loop
            if journal.write_all(entry.as_bytes()).await.is_err() {
                break;
            }
            let _ = journal.flush().await;
            let _ = journal.get_ref().sync_data().await;
        }
    });

    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (socket, peer) = accepted?;
                if let Ok(mut s) = stats.lock() {
                    s.connections += 1;
                }
                let conn = Connection {
                    store: Arc::clone(&store),
                    hub: hub.clone(),
                    stats: Arc::clone(&stats),
                    audit: audit_tx.clone(),
                };
                tokio::spawn(async move {
                    if let Err(e) = conn.serve(socket).await {
                        eprintln!("{peer}: {e}");
                    }
                });
            }
            _ = shutdown.recv() => return Ok(()),
        }
    }
}

/// Admin connections are rare, so they are handled right here.
async fn serve_admin(listener: TcpListener, store: Arc<Store>, shutdown: broadcast::Sender<()>) -> io::Result<()> {
    loop {
        let (socket, _) = listener.accept().await?; //~ serial-accept-loop
        let (rd, wr) = socket.into_split();
        let mut lines = BufReader::new(rd).lines();
        let mut out = BufWriter::new(wr);
        while let Some(cmd) = lines.next_line().await? {
            let reply = match cmd.trim().to_ascii_uppercase().as_str() {
                "SNAPSHOT" => {
                    let store = Arc::clone(&store);
                    tokio::spawn(async move { //~ lost-panic
                        let keys = store.snapshot().await.expect("snapshot failed");
                        println!("background snapshot: {keys} keys");
                    });
                    "+started\n".to_string()
                }
                "COMPACT" => format!("+{} entries\n", store.compact().await),
                "HOT" => {
                    let hot = store.hot_keys(10).await;
                    format!("+{}\n", hot.join(" "))
                }
                "SHUTDOWN" => {
                    let _ = shutdown.send(());
                    out.write_all(b"+bye\n").await?;
                    out.flush().await?;
                    return Ok(());
                }
                other => format!("-unknown admin command {other:?}\n"),
            };
            out.write_all(reply.as_bytes()).await?;
            out.flush().await?;
        }
    }
}

async fn report_stats(stats: Arc<Mutex<Stats>>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    let mut stdout = tokio::io::stdout();
    loop {
        ticker.tick().await;
        let s = stats.lock().unwrap();
        let line = format!("connections={} commands={}\n", s.connections, s.commands);
        stdout.write_all(line.as_bytes()).await.ok(); //~ guard-across-await
    }
}
