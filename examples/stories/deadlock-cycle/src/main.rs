//! Story: "Deadlock cycle" — two tasks take the same two locks in opposite
//! orders; each ends up holding one and awaiting the other.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Mutex;

#[derive(Default)]
struct Bank {
    accounts: Mutex<HashMap<String, i64>>,
    audit: Mutex<Vec<String>>,
}

impl Bank {
    /// Path 1: accounts, then audit.
    async fn transfer(&self, from: &str, to: &str, amount: i64) {
        let mut accounts = self.accounts.lock().await;
        *accounts.entry(from.to_string()).or_insert(0) -= amount;
        *accounts.entry(to.to_string()).or_insert(0) += amount;
        tokio::task::yield_now().await;
        let mut audit = self.audit.lock().await; //~ lock-order-inversion
        audit.push(format!("{from} -> {to}: {amount}"));
    }

    /// Path 2: audit, then (through a call) accounts.
    async fn audit_report(&self) -> String {
        let audit = self.audit.lock().await;
        tokio::task::yield_now().await;
        let total = self.total_balance().await; //~ lock-order-inversion
        format!("{} transfers, balance {total}", audit.len())
    }

    async fn total_balance(&self) -> i64 {
        self.accounts.lock().await.values().sum()
    }
}

#[tokio::main]
async fn main() {
    let bank = Arc::new(Bank::default());

    let payer = {
        let bank = Arc::clone(&bank);
        tokio::spawn(async move {
            for i in 0..1000 {
                bank.transfer("alice", "bob", i).await;
            }
        })
    };
    let auditor = {
        let bank = Arc::clone(&bank);
        tokio::spawn(async move {
            for _ in 0..1000 {
                println!("{}", bank.audit_report().await);
            }
        })
    };

    // Soon both tasks wait on each other's lock and neither finishes.
    let _ = tokio::join!(payer, auditor);
}
