//! Story: "did not spawn a task" — the accept loop handles each connection
//! inline, so one silent client blocks every other client.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn process(listener: TcpListener) -> io::Result<()> {
    loop {
        let (mut socket, _) = listener.accept().await?; //~ serial-accept-loop
        let mut buf = vec![0; 4096];
        // Hangs while this client sends nothing; the listener is ready but
        // nobody accepts.
        let n = socket.read(&mut buf[..]).await?;
        socket.write_all(&buf[..n]).await?;
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(process(listener));

    // A client that connects and stays silent.
    let _silent = TcpStream::connect(addr).await?;

    let mut client = TcpStream::connect(addr).await?;
    client.write_all(b"ping").await?;
    let mut reply = [0u8; 4];
    match tokio::time::timeout(Duration::from_secs(1), client.read_exact(&mut reply)).await {
        Ok(_) => println!("echo: {:?}", String::from_utf8_lossy(&reply)),
        Err(_) => println!("no echo after 1s: the server is stuck on the silent client"),
    }
    server.abort();
    Ok(())
}
