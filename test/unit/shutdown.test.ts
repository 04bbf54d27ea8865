import { Writable } from "node:stream";
import { createLogger } from "../../src/infra/logger";
import { shutDown, type ShutdownStep } from "../../src/server/shutdown";

const logger = createLogger("silent", new Writable({ write: (_c, _e, done) => done() }));

describe("shutDown", () => {
  it("runs the steps in order, each after the previous one finished", async () => {
    const order: string[] = [];
    const step = (name: string, ms: number): ShutdownStep => ({
      name,
      run: () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            order.push(name);
            resolve();
          }, ms),
        ),
    });
    const outcome = await shutDown([step("readiness", 20), step("http", 1), step("clients", 5)], {
      timeoutMs: 5000,
      logger,
    });
    expect(outcome).toEqual({ kind: "clean" });
    expect(order).toEqual(["readiness", "http", "clients"]);
  });

  it("goes on after a failing step and reports it", async () => {
    const ran: string[] = [];
    const outcome = await shutDown(
      [
        { name: "workers", run: () => Promise.reject(new Error("stuck broker")) },
        { name: "clients", run: () => void ran.push("clients") },
      ],
      { timeoutMs: 5000, logger },
    );
    expect(outcome).toEqual({ kind: "failed", failed: ["workers"] });
    expect(ran).toEqual(["clients"]);
  });

  it("gives up at the deadline, naming the step still running", async () => {
    const ran: string[] = [];
    const outcome = await shutDown(
      [
        { name: "http", run: () => new Promise<void>(() => undefined) },
        { name: "clients", run: () => void ran.push("clients") },
      ],
      { timeoutMs: 50, logger },
    );
    expect(outcome).toEqual({ kind: "timeout", pending: "http" });
    expect(ran).toEqual([]);
  });
});
