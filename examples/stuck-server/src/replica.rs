//! Replication: catch up from peers at startup, then follow a primary.
//!
//! Primary stream: after a handshake, frames of `u32 len | u16 key_len | key | value`,
//! each acknowledged with one byte; the follower pings on a heartbeat.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::store::Store;

const MAGIC: &[u8] = b"KVRP";
const PROTOCOL_VERSION: u16 = 2;
const NODE_NAME: &str = "stuck-server";
const MAX_FRAME: usize = 1 << 20;
const ACK: u8 = 0x06;
const PING: u8 = 0x05;
const HEARTBEAT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Fetches every peer's DUMP concurrently and loads the union.
pub async fn catch_up(peers: &[String], store: &Store) -> usize {
    let (tx, mut rx) = mpsc::channel::<(String, String)>(1024);
    for peer in peers {
        let tx = tx.clone();
        let peer = peer.clone();
        tokio::spawn(async move {
            match fetch_dump(&peer).await {
                Ok(entries) => {
                    for entry in entries {
                        if tx.send(entry).await.is_err() {
                            break;
                        }
                    }
                }
                Err(e) => eprintln!("catch-up from {peer} failed: {e}"),
            }
        });
    }
    let mut entries = Vec::new();
    while let Some(entry) = rx.recv().await { //~ self-held-sender
        entries.push(entry);
    }
    store.load_entries(entries).await
}

async fn fetch_dump(peer: &str) -> io::Result<Vec<(String, String)>> {
    let mut stream = TcpStream::connect(peer).await?;
    stream.write_all(b"DUMP\n").await?;
    let mut lines = BufReader::new(stream).lines();
    let mut entries = Vec::new();
    while let Some(line) = lines.next_line().await? {
        match line.split_once('\t') {
            Some((k, v)) => entries.push((k.to_string(), v.to_string())),
            None => break, // blank line ends the dump
        }
    }
    Ok(entries)
}

/// Follows `primary` forever, reconnecting with exponential backoff.
pub async fn follow(primary: String, store: Arc<Store>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        if let Err(e) = replicate(&primary, &store).await {
            eprintln!("replication from {primary} failed: {e}; retrying in {backoff:?}");
            tokio::time::sleep(backoff); //~ unawaited-future
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }
}

async fn replicate(primary: &str, store: &Store) -> io::Result<()> {
    let mut tcp = TcpStream::connect(primary).await?;
    tcp.write_all(MAGIC).await?; //~ unbuffered-io
    tcp.write_all(&PROTOCOL_VERSION.to_be_bytes()).await?;
    tcp.write_all(&[NODE_NAME.len() as u8]).await?;
    tcp.write_all(NODE_NAME.as_bytes()).await?;

    let (rd, wr) = tcp.into_split();
    let mut rd = BufReader::new(rd);
    let mut wr = BufWriter::new(wr);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut header = [0u8; 4];
    loop {
        tokio::select! {
            res = rd.read_exact(&mut header) => { //~ select-cancel-unsafe
                res?;
                let len = u32::from_be_bytes(header) as usize;
                if len < 2 || len > MAX_FRAME {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "bad frame length"));
                }
                let mut frame = vec![0u8; len];
                rd.read_exact(&mut frame).await?;
                let (key, value) = decode(&frame)?;
                store.set(key, value).await;
                wr.write_u8(ACK).await?;
                wr.flush().await?;
            }
            _ = heartbeat.tick() => {
                wr.write_u8(PING).await?;
                wr.flush().await?;
            }
        }
    }
}

fn decode(frame: &[u8]) -> io::Result<(String, String)> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad frame");
    let (len, rest) = frame.split_at(2);
    let key_len = u16::from_be_bytes([len[0], len[1]]) as usize;
    if rest.len() < key_len {
        return Err(bad());
    }
    let (key, value) = rest.split_at(key_len);
    let key = String::from_utf8(key.to_vec()).map_err(|_| bad())?;
    let value = String::from_utf8(value.to_vec()).map_err(|_| bad())?;
    Ok((key, value))
}
