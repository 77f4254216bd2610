import { createSocket } from 'node:dgram';

/**
 * The local IPv4 address the kernel would send from to reach `host` (a connected UDP socket's
 * local address; connecting sends nothing). Rejects with the socket error (ENETUNREACH…).
 */
export function routeSourceFor(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (e) => {
      socket.close();
      reject(e);
    });
    socket.connect(port, host, () => {
      const { address } = socket.address();
      socket.close();
      resolve(address);
    });
  });
}
