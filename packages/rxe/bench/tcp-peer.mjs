// The TCP side of bench/rxe.bench.ts, in its own process like the rxe peer: on 127.0.0.2:PORT it
// echoes 64-byte pings ('P' + 63 bytes) and, for a bulk stream ('B' + u32 length + data), answers
// one byte once `length` bytes have arrived. Prints READY when listening.
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
const server = createServer((socket) => {
  socket.setNoDelay(true);
  let mode;
  let pending = Buffer.alloc(0);
  let remaining = 0;
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length > 0) {
      if (mode === 'bulk') {
        const take = Math.min(remaining, pending.length);
        remaining -= take;
        pending = pending.subarray(take);
        if (remaining === 0) {
          mode = undefined;
          socket.write(Buffer.of(1));
        }
        continue;
      }
      if (pending[0] === 0x50) {
        if (pending.length < 64) return;
        socket.write(pending.subarray(0, 64));
        pending = pending.subarray(64);
      } else if (pending[0] === 0x42) {
        if (pending.length < 5) return;
        remaining = pending.readUInt32BE(1);
        mode = 'bulk';
        pending = pending.subarray(5);
      } else {
        socket.destroy();
        return;
      }
    }
  });
});
server.listen(port, '127.0.0.2', () => process.stdout.write('READY\n'));
process.on('SIGTERM', () => process.exit(0));
