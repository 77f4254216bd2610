import { connect } from 'node:net';

/**
 * Try a TCP connection to host:port and close it: null when something accepted, else the error
 * code (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH…). The RPC client retries connects until its major
 * timeout, so a quick probe first lets a command say plainly that nothing listens there.
 */
export function probeTcp(host: string, port: number, timeoutMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (code: string | null) => {
      socket.destroy();
      resolve(code);
    };
    socket.setTimeout(timeoutMs, () => done('ETIMEDOUT'));
    socket.once('connect', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'EIO'));
  });
}
