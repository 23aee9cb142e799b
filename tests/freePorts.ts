// TCP ports for tests that start a server of their own (torchrun's rendezvous): asked of the OS, so
// that a port some other process holds, or one another test took, never fails a test that needs one.
import { createServer, type AddressInfo, type Server } from 'node:net';

/**
 * `n` distinct TCP ports free right now: two torchrun jobs at once must not share a rendezvous
 * port (the default 29500, or one port handed out twice), or a rank joins the other job and its own
 * waits for it. The listeners stay open until all ports are known, so no port comes back twice.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((res, rej) => {
          const srv = createServer();
          srv.on('error', rej);
          srv.listen(0, '127.0.0.1', () => res(srv));
        }),
    ),
  );
  const ports = servers.map((srv) => (srv.address() as AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((res) => srv.close(res))));
  return ports;
}
