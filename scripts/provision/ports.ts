import net from 'node:net';

/** Resolves to whether something already listens on host:port. */
export function isPortTaken(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The preferred port when it is free, otherwise any free one: `npm start` must not fail because 7233 is taken. */
export async function preferredPort(
  preferred: number,
  fallback: () => Promise<number> = freePort,
): Promise<number> {
  return (await isPortTaken(preferred)) ? fallback() : preferred;
}

/** Whether this process can listen on 127.0.0.1:port right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below 32768, outside Linux's ephemeral range: the Temporal server records its services' ports in a
 * PostgreSQL `smallint` column, which refuses the ports the kernel hands out for port 0.
 */
export async function freeLowPort(taken: Set<number> = new Set()): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (taken.has(port)) continue;
    if (await canListen(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 32000');
}
