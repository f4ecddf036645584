//! Story: "Accidental blocking call starves the runtime, variant 3:
//! accidentally holding a `std` mutex across an `.await`" (plus the RefCell
//! flavour of the same mistake).
//!
//! Both lookups run in the same task via `join!`: the first parks at
//! `fetch(..).await` holding the std guard, the second then blocks the
//! thread in `lock()` — and the first can never resume. With `--refcell`,
//! the RefCell flavour panics instead. (Such a future is
//! not `Send`, so it cannot be `tokio::spawn`ed; that is how this bug hides
//! in `main` or in `LocalSet` tasks.)

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

async fn fetch(key: &str) -> String {
    tokio::time::sleep(Duration::from_millis(20)).await;
    key.to_uppercase()
}

async fn cached(cache: &Mutex<HashMap<String, String>>, key: &str) -> String {
    let mut map = cache.lock().unwrap();
    if let Some(hit) = map.get(key) {
        return hit.clone();
    }
    let value = fetch(key).await; //~ guard-across-await
    map.insert(key.to_string(), value.clone());
    value
}

async fn log_lookup(log: &RefCell<Vec<String>>, key: &str) {
    let mut entries = log.borrow_mut();
    entries.push(format!("lookup {key}"));
    tokio::time::sleep(Duration::from_millis(5)).await; //~ guard-across-await
    entries.push(format!("done {key}"));
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--refcell") {
        // The second lookup's `borrow_mut` panics: "already mutably borrowed".
        let log = RefCell::new(Vec::new());
        tokio::join!(log_lookup(&log, "alpha"), log_lookup(&log, "beta"));
        println!("never printed: {:?}", log.borrow());
    } else {
        // The second lookup blocks the thread in `lock()`: a silent deadlock.
        let cache = Mutex::new(HashMap::new());
        let (a, b) = tokio::join!(cached(&cache, "alpha"), cached(&cache, "beta"));
        println!("never printed: {a} {b}");
    }
}
