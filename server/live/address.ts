/**
 * Where to find the app's console endpoint, following tokio-console: an
 * explicit address wins, else TOKIO_CONSOLE_BIND (the address the app binds),
 * else http://127.0.0.1:6669.
 */
export const DEFAULT_CONSOLE_ADDRESS = 'http://127.0.0.1:6669';

export interface ConsoleTarget {
  /** gRPC target string for @grpc/grpc-js (`host:port` or `unix:/path`). */
  grpcTarget: string;
  secure: boolean;
  /** Human-readable origin of the address, for status messages. */
  source: 'explicit' | 'TOKIO_CONSOLE_BIND' | 'default';
}

export function resolveConsoleTarget(address?: string, env: NodeJS.ProcessEnv = process.env): ConsoleTarget {
  if (address !== undefined && address.trim() !== '') return { ...parseAddress(address.trim()), source: 'explicit' };
  const bind = env['TOKIO_CONSOLE_BIND']?.trim();
  if (bind) return { ...parseAddress(bind), source: 'TOKIO_CONSOLE_BIND' };
  return { ...parseAddress(DEFAULT_CONSOLE_ADDRESS), source: 'default' };
}

function parseAddress(address: string): { grpcTarget: string; secure: boolean } {
  if (address.startsWith('unix:')) {
    // grpc-js wants unix:/abs/path or unix:///abs/path; accept unix://host-less forms too.
    const path = address.replace(/^unix:(\/\/)?/, '');
    return { grpcTarget: `unix:${path.startsWith('/') ? path : '/' + path}`, secure: false };
  }
  let secure = false;
  let rest = address;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(address);
  if (scheme) {
    secure = scheme[1]!.toLowerCase() === 'https';
    rest = address.slice(scheme[0].length);
  }
  rest = rest.replace(/\/+$/, '');
  return { grpcTarget: connectableHost(rest), secure };
}

/** A bind address like 0.0.0.0:6669 is not connectable everywhere; use loopback instead. */
function connectableHost(hostPort: string): string {
  if (hostPort.startsWith('0.0.0.0:')) return '127.0.0.1:' + hostPort.slice('0.0.0.0:'.length);
  if (hostPort.startsWith('[::]:')) return '[::1]:' + hostPort.slice('[::]:'.length);
  return hostPort;
}
