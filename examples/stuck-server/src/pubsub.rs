//! Topic fan-out for SUB/PUB.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::broadcast;

const TOPIC_CAPACITY: usize = 64;

#[derive(Clone, Default)]
pub struct Hub {
    topics: Arc<Mutex<HashMap<String, broadcast::Sender<String>>>>,
}

impl Hub {
    pub fn subscribe(&self, topic: &str) -> broadcast::Receiver<String> {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics
            .entry(topic.to_string())
            .or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0)
            .subscribe()
    }

    /// Returns how many subscribers received the message.
    pub fn publish(&self, topic: &str, message: String) -> usize {
        let sender = {
            let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
            topics.retain(|_, tx| tx.receiver_count() > 0);
            topics.get(topic).cloned()
        };
        match sender {
            Some(tx) => tx.send(message).unwrap_or(0),
            None => 0,
        }
    }

    pub fn topic_count(&self) -> usize {
        self.topics.lock().map(|t| t.len()).unwrap_or(0)
    }
}

/// Next message of the subscribed topic; never resolves when not subscribed.
/// Only awaits `broadcast::Receiver::recv`, which is cancel-safe.
pub async fn next_message(feed: &mut Option<broadcast::Receiver<String>>) -> Option<String> {
    let Some(rx) = feed else {
        return std::future::pending().await;
    };
    loop {
        match rx.recv().await {
            Ok(message) => return Some(message),
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}
