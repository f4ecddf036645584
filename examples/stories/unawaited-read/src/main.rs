//! Story: "Unexpected cancellation from not calling `.await`, variant 1:
//! not calling await on a Tokio fn." The read future is created and dropped
//! at once; the buffer stays zeroed.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn read_greeting(stream: &mut TcpStream) -> io::Result<String> {
    let mut buf = vec![0; 4096];
    stream.read(&mut buf[..]); //~ unawaited-future
    let text = String::from_utf8_lossy(&buf);
    Ok(text.trim_end_matches('\0').to_string())
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        if let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(b"hello from the server\n").await;
        }
    });

    let mut stream = TcpStream::connect(addr).await?;
    let greeting = read_greeting(&mut stream).await?;
    println!("greeting: {greeting:?} (always empty)");
    let _ = server.await;
    Ok(())
}
