import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * A subscription that starts while Redis is away still hears its events once Redis is back: the
 * SUBSCRIBE that failed is sent again (infra/pubsub.ts), not left failed with a deaf listener.
 */
let proxy: TcpProxy;
let server: TestServer;
let publisher: TestServer;
beforeAll(async () => {
  const redis = new URL(process.env.TEST_REDIS_URL!);
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  server = await startTestServer({ REDIS_URL: proxy.url("redis") });
  publisher = await startTestServer();
});
afterAll(async () => {
  await proxy.restore().catch(() => undefined);
  await Promise.all([server.stop(), publisher.stop()]);
  await proxy.close();
});

it("subscribes again once Redis answers, and delivers what is published then", async () => {
  await proxy.cut();
  const topic = `resubscribe-test-${Date.now()}`;
  const iterator = server.container.pubSub.pubSub.subscribe(topic)[Symbol.asyncIterator]();
  const next = iterator.next();
  // Long enough for ioredis to give the first SUBSCRIBE up (two reconnect attempts).
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await proxy.restore();
  let delivered: IteratorResult<unknown> | undefined;
  void next.then((value) => (delivered = value));
  const deadline = Date.now() + 10_000;
  while (!delivered && Date.now() < deadline) {
    publisher.container.pubSub.pubSub.publish(topic, { hello: "again" });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(delivered?.value).toEqual({ hello: "again" });
  await iterator.return?.();
});
