//! One client connection: a line protocol over a buffered TcpStream.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::pubsub::{next_message, Hub};
use crate::store::Store;
use crate::Stats;

const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

pub struct Connection {
    pub store: Arc<Store>,
    pub hub: Hub,
    pub stats: Arc<Mutex<Stats>>,
    pub audit: mpsc::Sender<String>,
}

#[derive(Default)]
struct Session {
    queued: Option<Vec<String>>,
    feed: Option<broadcast::Receiver<String>>,
}

impl Connection {
    pub async fn serve(self, socket: TcpStream) -> io::Result<()> {
        let peer = socket.peer_addr()?;
        let (rd, wr) = socket.into_split();
        let mut lines = BufReader::new(rd).lines();
        let mut out = BufWriter::new(wr);
        let mut session = Session::default();

        // One timer, created once and reset: `&mut idle` keeps its state.
        let idle = tokio::time::sleep(IDLE_TIMEOUT);
        tokio::pin!(idle);

        loop {
            tokio::select! {
                line = lines.next_line() => {
                    let Some(line) = line? else { break };
                    idle.as_mut().reset(Instant::now() + IDLE_TIMEOUT);
                    if let Ok(mut s) = self.stats.lock() {
                        s.commands += 1;
                    }
                    if line.trim().eq_ignore_ascii_case("QUIT") {
                        break;
                    }
                    let reply = self.on_line(peer, line, &mut session).await;
                    out.write_all(reply.as_bytes()).await?;
                    out.flush().await?;
                }
                Some(message) = next_message(&mut session.feed) => {
                    out.write_all(b"> ").await?;
                    out.write_all(message.as_bytes()).await?;
                    out.write_all(b"\n").await?;
                    out.flush().await?;
                }
                _ = &mut idle => {
                    out.write_all(b"-ERR idle timeout\n").await?;
                    break;
                }
            }
        }
        out.flush().await
    }

    async fn on_line(&self, peer: SocketAddr, line: String, session: &mut Session) -> String {
        let (command, rest) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
        let command = command.to_ascii_uppercase();
        if let Some(queue) = session.queued.as_mut() {
            if command != "EXEC" {
                queue.push(line);
                return "+QUEUED\n".to_string();
            }
        }
        match command.as_str() {
            "MULTI" => {
                session.queued = Some(Vec::new());
                "+OK\n".to_string()
            }
            "EXEC" => {
                let mut queue = session.queued.take().unwrap_or_default();
                let mut replies = String::new();
                while !queue.is_empty() {
                    let next = queue.remove(0); //~ vec-remove-front
                    replies.push_str(&self.apply(peer, &next).await);
                }
                replies
            }
            "SUB" => {
                session.feed = Some(self.hub.subscribe(rest));
                format!("+subscribed to {rest}\n")
            }
            "PUB" => {
                let (topic, message) = rest.split_once(' ').unwrap_or((rest, ""));
                format!(":{}\n", self.hub.publish(topic, message.to_string()))
            }
            _ => self.apply(peer, &line).await,
        }
    }

    async fn apply(&self, peer: SocketAddr, line: &str) -> String {
        let mut words = line.trim().splitn(3, ' ');
        let command = words.next().unwrap_or("").to_ascii_uppercase();
        let key = words.next().unwrap_or("").to_string();
        let value = words.next().unwrap_or("").to_string();
        match command.as_str() {
            "GET" => {
                let value = self.store.get(&key).await;
                self.store.record_access(&key); //~ unawaited-future
                match value {
                    Some(v) => format!("${v}\n"),
                    None => "$-\n".to_string(),
                }
            }
            "SET" => {
                self.store.set(key.clone(), value).await;
                let _ = self.audit.send(format!("{peer} SET {key}\n")).await;
                "+OK\n".to_string()
            }
            "DEL" => {
                let existed = self.store.remove(&key).await;
                let _ = self.audit.send(format!("{peer} DEL {key}\n")).await;
                format!(":{}\n", existed as u8)
            }
            "DUMP" => {
                let mut text: String = self.store.dump().await.into_iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
                text.push('\n');
                text
            }
            "STATS" => {
                let counters = {
                    let s = self.stats.lock().unwrap_or_else(PoisonError::into_inner);
                    format!("connections={} commands={}", s.connections, s.commands)
                };
                let (keys, journal) = tokio::join!(self.store.len(), self.store.journal_len());
                format!("+{counters} keys={keys} journal={journal} topics={}\n", self.hub.topic_count())
            }
            other => format!("-ERR unknown command {other:?}\n"),
        }
    }
}
