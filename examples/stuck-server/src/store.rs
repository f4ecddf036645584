//! The in-memory map, its write journal and the on-disk snapshot.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::sync::Mutex;

const SNAPSHOT_FILE: &str = "snapshot.kv";

enum Entry {
    Set(String, String),
    Del(String),
}

#[derive(Default)]
struct Journal {
    entries: Vec<Entry>,
}

pub struct Store {
    dir: PathBuf,
    data: Mutex<HashMap<String, String>>,
    journal: Mutex<Journal>,
    hits: Mutex<HashMap<String, u64>>,
    compacting: AtomicBool,
}

impl Store {
    pub async fn open(dir: PathBuf) -> io::Result<Store> {
        let path = dir.join(SNAPSHOT_FILE);
        // std::fs is fine here: it runs on the blocking pool.
        let text = tokio::task::spawn_blocking(move || match std::fs::read_to_string(&path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
            other => other,
        })
        .await??;
        Ok(Store {
            dir,
            data: Mutex::new(parse(&text).collect()),
            journal: Mutex::new(Journal::default()),
            hits: Mutex::new(HashMap::new()),
            compacting: AtomicBool::new(false),
        })
    }

    /// Loads `shard-N.kv` (written by older versions) into the map.
    pub async fn warm_shard(&self, shard: usize) -> usize {
        let path = self.dir.join(format!("shard-{shard}.kv"));
        let text = tokio::fs::read_to_string(&path).await.unwrap_or_default();
        let mut data = self.data.lock().await;
        let before = data.len();
        data.extend(parse(&text));
        data.len() - before
    }

    pub async fn get(&self, key: &str) -> Option<String> {
        self.data.lock().await.get(key).cloned()
    }

    pub async fn len(&self) -> usize {
        self.data.lock().await.len()
    }

    pub async fn journal_len(&self) -> usize {
        self.journal.lock().await.entries.len()
    }

    pub async fn dump(&self) -> Vec<(String, String)> {
        let data = self.data.lock().await;
        data.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    pub async fn set(&self, key: String, value: String) {
        // Writes wait while a compaction rewrites the journal.
        CompactionIdle { compacting: &self.compacting }.await;
        let mut data = self.data.lock().await;
        data.insert(key.clone(), value.clone());
        let mut journal = self.journal.lock().await; //~ lock-order-inversion
        journal.entries.push(Entry::Set(key, value));
    }

    pub async fn remove(&self, key: &str) -> bool {
        // Journal first, then the map: the same order as `compact`.
        let mut journal = self.journal.lock().await;
        journal.entries.push(Entry::Del(key.to_string()));
        drop(journal);
        self.data.lock().await.remove(key).is_some()
    }

    pub async fn load_entries(&self, entries: Vec<(String, String)>) -> usize {
        let count = entries.len();
        self.data.lock().await.extend(entries);
        count
    }

    /// Rewrites the journal as one `Set` per live key.
    pub async fn compact(&self) -> usize {
        self.compacting.store(true, Ordering::Release);
        let mut journal = self.journal.lock().await;
        let data = self.data.lock().await; //~ lock-order-inversion
        journal.entries = data.iter().map(|(k, v)| Entry::Set(k.clone(), v.clone())).collect();
        drop(data);
        self.compacting.store(false, Ordering::Release);
        journal.entries.len()
    }

    pub async fn record_access(&self, key: &str) {
        let mut hits = self.hits.lock().await;
        *hits.entry(key.to_string()).or_insert(0) += 1;
    }

    pub async fn hot_keys(&self, n: usize) -> Vec<String> {
        let hits = self.hits.lock().await;
        let mut ranked: Vec<(&String, &u64)> = hits.iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(a.1));
        ranked.into_iter().take(n).map(|(k, _)| k.clone()).collect()
    }

    /// Writes the whole map to `snapshot.kv`; returns the number of keys.
    pub async fn snapshot(&self) -> io::Result<usize> {
        let (text, keys) = {
            let data = self.data.lock().await;
            let text: String = data.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
            (text, data.len())
        };
        std::fs::write(self.dir.join(SNAPSHOT_FILE), text)?; //~ blocking-in-async
        Ok(keys)
    }
}

fn parse(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
}

/// Resolves once no compaction is running.
struct CompactionIdle<'a> {
    compacting: &'a AtomicBool,
}

impl Future for CompactionIdle<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if self.compacting.load(Ordering::Acquire) {
            Poll::Pending //~ pending-without-waker
        } else {
            Poll::Ready(())
        }
    }
}
