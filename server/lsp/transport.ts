// How the server reaches its client: stdio, or TCP on 127.0.0.1. With `--socket PORT` the server
// connects to a client listening on that port — what VS Code's `TransportKind.socket`, Neovim's
// `vim.lsp.rpc.connect` users and most `--socket`-style launchers expect; `--listen PORT` is the
// other way round (the server listens, the client connects), for clients that attach to a
// running server.
import { createConnection as netConnect, createServer as netListen, type Server, type Socket } from 'node:net';
import { SocketMessageReader, SocketMessageWriter, StreamMessageReader, StreamMessageWriter, type MessageReader, type MessageWriter } from 'vscode-languageserver/node.js';

export interface Transport {
  reader: MessageReader;
  writer: MessageWriter;
  close(): void;
}

export function stdioTransport(): Transport {
  return {
    reader: new StreamMessageReader(process.stdin),
    writer: new StreamMessageWriter(process.stdout),
    close: () => process.stdin.destroy(),
  };
}

function socketTransport(socket: Socket, server?: Server): Transport {
  return {
    reader: new SocketMessageReader(socket),
    writer: new SocketMessageWriter(socket),
    close: () => {
      socket.end();
      socket.destroy();
      server?.close();
    },
  };
}

/** Connect to a client listening on 127.0.0.1:port. */
export function connectTransport(port: number, host = '127.0.0.1'): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socketTransport(socket));
    });
    socket.once('error', reject);
  });
}

/** Listen on 127.0.0.1:port and serve the first client that connects. */
export function listenTransport(port: number, host = '127.0.0.1', onListening?: (port: number) => void): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const server = netListen((socket) => {
      server.close();
      resolve(socketTransport(socket, server));
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      onListening?.(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
