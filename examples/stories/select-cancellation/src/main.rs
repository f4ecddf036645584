//! Story: "Unexpected cancellation from `select!`." `parse_frame` is created
//! afresh on every loop iteration; when the config branch wins, the half-read
//! frame is dropped and the stream is out of sync (a lost frame or a hang).

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

async fn parse_frame(socket: &mut BufReader<TcpStream>, max_frame_size: usize) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    socket.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > max_frame_size {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too large"));
    }
    let mut frame = vec![0u8; len];
    socket.read_exact(&mut frame).await?;
    Ok(frame)
}

async fn run(mut socket: BufReader<TcpStream>, tx: mpsc::Sender<Vec<u8>>, mut config_rx: mpsc::Receiver<usize>) {
    let mut max_frame_size = 4096;
    loop {
        tokio::select! {
            frame = parse_frame(&mut socket, max_frame_size) => { //~ select-cancel-unsafe
                let Ok(frame) = frame else { break };
                if tx.send(frame).await.is_err() {
                    break;
                }
            }
            Some(new_max) = config_rx.recv() => {
                max_frame_size = new_max;
            }
        }
    }
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let sender = tokio::spawn(async move {
        let Ok((peer, _)) = listener.accept().await else { return };
        let mut peer = BufWriter::new(peer);
        for i in 0..20u32 {
            let body = vec![i as u8; 1000];
            let mut frame = (body.len() as u32).to_be_bytes().to_vec();
            frame.extend_from_slice(&body);
            // Dribble the frame out so reads often span a config update.
            for chunk in frame.chunks(250) {
                let _ = peer.write_all(chunk).await;
                let _ = peer.flush().await;
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
        }
    });

    let (frames_tx, mut frames_rx) = mpsc::channel(32);
    let (config_tx, config_rx) = mpsc::channel(4);
    let socket = BufReader::new(TcpStream::connect(addr).await?);
    let reader = tokio::spawn(run(socket, frames_tx, config_rx));
    let tuner = tokio::spawn(async move {
        for size in [2048usize, 4096, 8192, 4096] {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let _ = config_tx.send(size).await;
        }
    });

    let mut received = 0;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(1), frames_rx.recv()).await {
        received += 1;
    }
    println!("received {received} frames; 20 were sent (lost or misparsed frames show the desync)");
    let _ = tokio::join!(sender, tuner);
    reader.abort();
    Ok(())
}
