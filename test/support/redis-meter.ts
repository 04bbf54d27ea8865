import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import RedisParser from "redis-parser";

/**
 * A transparent TCP proxy in front of Redis that counts, for every client connected through it,
 * the commands sent and the round trips they took. A round trip starts when a client sends a
 * command while it has no reply outstanding; commands sent before the replies come back
 * (a pipeline, a MULTI block) belong to the same round trip.
 *
 * Point a gateway at `url` (REDIS_URL) to see exactly what it asks Redis, at the wire.
 */
export interface RedisMeter {
  url: string;
  /** Commands seen since the last reset, lower-cased names, in order. */
  commands: string[];
  /** Round trips since the last reset. */
  roundTrips: number;
  reset(): void;
  close(): Promise<void>;
}

export async function startRedisMeter(
  target = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
): Promise<RedisMeter> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const meter = {
    commands: [] as string[],
    roundTrips: 0,
  };

  const server: Server = createServer((client) => {
    const redis = connect(Number(upstream.port || 6379), upstream.hostname);
    sockets.add(client).add(redis);
    let outstanding = 0;

    const commands = new RedisParser({
      returnBuffers: true,
      returnReply(command: Buffer[]) {
        if (outstanding === 0) meter.roundTrips += 1;
        outstanding += 1;
        meter.commands.push(String(command[0]).toLowerCase());
      },
      returnError: () => undefined,
    });
    const replies = new RedisParser({
      returnBuffers: true,
      returnReply: () => {
        outstanding -= 1;
      },
      returnError: () => {
        outstanding -= 1;
      },
    });

    client.on("data", (chunk) => {
      commands.execute(chunk);
      redis.write(chunk);
    });
    redis.on("data", (chunk) => {
      replies.execute(chunk);
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      redis.destroy();
      sockets.delete(client);
      sockets.delete(redis);
    };
    client.on("close", end).on("error", end);
    redis.on("close", end).on("error", end);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `redis://127.0.0.1:${port}`,
    get commands() {
      return meter.commands;
    },
    get roundTrips() {
      return meter.roundTrips;
    },
    reset() {
      meter.commands = [];
      meter.roundTrips = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
