//! Story: "logic bug in application" — the protocol frame is 128 bytes but the
//! reader asks for 256 (variant 2), or issues one more read after the frame is
//! complete (variant 1). The peer sends nothing more, so the task hangs.
//!
//! Runtime-only: the static rules cannot know the frame size. Live, the task is
//! stuck on a read whose buffer already holds the frame.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const FRAME_LEN: usize = 128;

async fn peer(listener: TcpListener) -> io::Result<()> {
    let (mut socket, _) = listener.accept().await?;
    let frame = [0x2au8; FRAME_LEN];
    socket.write_all(&frame).await?;
    // Keep the connection open, as a real peer waiting for our reply would.
    let mut reply = Vec::new();
    socket.read_to_end(&mut reply).await?;
    Ok(())
}

/// Variant 2: wrong length.
async fn read_frame(socket: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 256]; // should be FRAME_LEN
    socket.read_exact(&mut buf).await?;
    Ok(buf)
}

/// Variant 1: the frame is complete but we read once more "to be sure".
async fn read_frame_then_more(socket: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut frame = vec![0u8; FRAME_LEN];
    socket.read_exact(&mut frame).await?;
    let mut trailer = [0u8; 16];
    let n = socket.read(&mut trailer).await?;
    frame.extend_from_slice(&trailer[..n]);
    Ok(frame)
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(peer(listener));

    let mut socket = TcpStream::connect(addr).await?;
    if std::env::args().any(|a| a == "--variant1") {
        let frame = read_frame_then_more(&mut socket).await?;
        println!("never printed: {} bytes", frame.len());
    } else {
        let frame = read_frame(&mut socket).await?;
        println!("never printed: {} bytes", frame.len());
    }
    server.abort();
    Ok(())
}
