import net from "node:net";

/**
 * A TCP peer in front of a real service (Redis), to play an outage at the wire: `cut()` drops
 * every connection and refuses new ones, `restore()` accepts them again on the same port.
 * `retarget()` plays a deploy behind one address: open connections drop, new ones reach the new
 * service.
 */
export interface TcpProxy {
  port: number;
  url(scheme: string): string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  retarget(target: { host: string; port: number }): void;
  close(): Promise<void>;
}

export async function startTcpProxy(initial: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let target = initial;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    cut: stopListening,
    restore: () => listen(port),
    retarget(next) {
      target = next;
      for (const socket of sockets) socket.destroy();
    },
    close: stopListening,
  };
}
