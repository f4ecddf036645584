//! Story: "Cause: unbuffered reads / writes" — one syscall per byte on a raw
//! TcpStream. Fix: wrap the halves in `BufReader` / `BufWriter`.

use std::io;
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn send_text(stream: &mut TcpStream, text: &str) -> io::Result<()> {
    for byte in text.bytes() {
        stream.write_u8(byte).await?; //~ unbuffered-io
    }
    stream.shutdown().await
}

async fn count_lines(mut stream: TcpStream) -> io::Result<usize> {
    let mut lines = 0;
    loop {
        match stream.read_u8().await { //~ unbuffered-io
            Ok(b'\n') => lines += 1,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(lines),
            Err(e) => return Err(e),
        }
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let counter = tokio::spawn(async move {
        let (socket, _) = listener.accept().await?;
        count_lines(socket).await
    });

    let text = "the quick brown fox jumps over the lazy dog\n".repeat(2_000);
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).await?;
    send_text(&mut stream, &text).await?;
    let lines = counter.await.map_err(io::Error::other)??;
    println!("{lines} lines, one syscall per byte, in {:?}", start.elapsed());
    Ok(())
}
