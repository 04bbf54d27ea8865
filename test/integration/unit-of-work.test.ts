import { randomUUID } from "node:crypto";
import { createDatabase, type Database, type Tx } from "../../src/infra/prisma";
import { TransactionRunner, type Unit } from "../../src/infra/unit-of-work";

/**
 * The unit of work every service writes through (infra/unit-of-work.ts), against the real
 * PostgreSQL: hooks wait for the outcome of the outermost transaction, a nested run joins it, and
 * work that outlives a unit never joins it.
 */
let db: Database;
let hookErrors: unknown[];
let uow: TransactionRunner<Unit & { write(email: string): Promise<void> }>;

beforeAll(() => {
  db = createDatabase(process.env.TEST_DATABASE_URL!);
  uow = new TransactionRunner({
    db,
    extend: (unit) => ({ write: (email) => insertUser(unit.tx, email) }),
    onHookError: (error) => hookErrors.push(error),
  });
});
beforeEach(() => {
  hookErrors = [];
});
afterAll(() => db.$disconnect());

const email = () => `uow-${randomUUID()}@example.com`;
async function insertUser(tx: Tx, address: string): Promise<void> {
  await tx.user.create({ data: { email: address, name: "Unit Of Work", passwordHash: "unused" } });
}
const exists = async (address: string) => (await db.user.count({ where: { email: address } })) === 1;

test("after-commit hooks run once the rows are committed, in the order queued, before run returns", async () => {
  const address = email();
  const seen: string[] = [];
  const result = await uow.run(async (unit) => {
    await unit.write(address);
    unit.afterCommit(async () => seen.push(`first:${await exists(address)}`));
    unit.afterCommit(() => seen.push("second"));
    unit.onRollback(() => seen.push("rollback"));
    // Another connection does not see the row yet, and no hook has run.
    seen.push(`inside:${await exists(address)}`);
    return "done";
  });
  expect(result).toBe("done");
  expect(seen).toEqual(["inside:false", "first:true", "second"]);
});

test("a rollback runs the on-rollback hooks, drops the after-commit ones and rethrows the error", async () => {
  const address = email();
  const seen: string[] = [];
  const failure = new Error("refused");
  await expect(
    uow.run(async (unit) => {
      await unit.write(address);
      unit.afterCommit(() => seen.push("announced"));
      unit.onRollback(() => {
        throw new Error("undo failed");
      });
      unit.onRollback(() => seen.push("undone"));
      throw failure;
    }),
  ).rejects.toBe(failure);
  expect(seen).toEqual(["undone"]);
  expect(await exists(address)).toBe(false);
  // A failing undo is reported, and the other undo still ran.
  expect(hookErrors).toEqual([new Error("undo failed")]);
});

test("a nested run joins the running unit: one transaction, hooks after the outermost commit", async () => {
  const outer = email();
  const inner = email();
  const seen: string[] = [];
  await uow.run(async (unit) => {
    await unit.write(outer);
    const joined = await uow.run(async (nested) => {
      await nested.write(inner);
      nested.afterCommit(() => seen.push("inner hook"));
      return nested.tx === unit.tx;
    });
    expect(joined).toBe(true);
    seen.push("inner returned");
  });
  expect(seen).toEqual(["inner returned", "inner hook"]);
  expect(await exists(inner)).toBe(true);

  // The outer unit failing after the nested one returned takes the nested writes and hooks with it.
  const rolledBack = email();
  seen.length = 0;
  await expect(
    uow.run(async () => {
      await uow.run(async (nested) => {
        await nested.write(rolledBack);
        nested.afterCommit(() => seen.push("announced"));
      });
      throw new Error("outer refused");
    }),
  ).rejects.toThrow("outer refused");
  expect(seen).toEqual([]);
  expect(await exists(rolledBack)).toBe(false);
});

test("work that outlives its unit does not join the ended transaction", async () => {
  let later: Promise<boolean> | undefined;
  let first: Tx | undefined;
  await uow.run(async (unit) => {
    first = unit.tx;
    // Started inside the unit, run after it ended (as background work would be).
    later = new Promise((resolve) => setTimeout(resolve, 0)).then(() =>
      uow.run(async (next) => {
        await next.write(email());
        return next.tx !== first;
      }),
    );
  });
  expect(await later).toBe(true);
});
