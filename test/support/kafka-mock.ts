import { spawn, type ChildProcess } from "node:child_process";

/**
 * A Kafka protocol peer for tests: librdkafka's mock cluster, started through Debian's `kcat`
 * (`apt-get install kcat`). It auto-creates topics (4 partitions) on first use. An outage is played
 * by pausing the process: connections stay open and requests go unanswered, as with a hung broker.
 */
export interface MockKafka {
  /** `host:port`, for KAFKA_BOOTSTRAP_SERVERS. */
  brokers: string;
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 10_000;

export async function startMockKafka(): Promise<MockKafka> {
  const child = spawn(
    "kcat",
    ["-b", "x:1", "-X", "test.mock.num.brokers=1", "-d", "mock", "-C", "-t", "keepalive"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const brokers = await bootstrapServers(child).catch((error) => {
    kill();
    throw error;
  });
  // Keep draining stderr (kcat's debug output), or kcat blocks once the pipe is full.
  child.stderr!.resume();
  return {
    brokers,
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    async stop() {
      process.removeListener("exit", kill);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      kill(); // SIGKILL also ends a paused process
      await exited;
    },
  };
}

function bootstrapServers(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(
      () => reject(new Error(`kcat printed no bootstrap.servers within ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /bootstrap\.servers=(\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stderr!.off("data", onData);
      resolve(match[1]!);
    };
    child.stderr!.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start kcat (apt-get install kcat): ${error.message}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kcat exited (${code}) before printing bootstrap.servers:\n${output}`));
    });
  });
}
