import { RecoveryCodeRepository } from "../../src/mfa/recovery-code.repository";
import { RecoveryCodes } from "../../src/mfa/recovery-codes";
import { createMfaHarness, insertUser, testKeys, type MfaHarness } from "../support/mfa";

let h: MfaHarness;
let repo: RecoveryCodeRepository;
let codes: RecoveryCodes;
const [k2, k1] = testKeys("k2", "k1");
beforeAll(() => {
  h = createMfaHarness();
  repo = new RecoveryCodeRepository({ db: h.db });
  codes = new RecoveryCodes({ codes: repo, keys: [k1!] });
});
afterAll(() => h.close());

describe("recovery codes", () => {
  it("are ten distinct codes, shown once and stored only as keyed hashes", async () => {
    const user = await insertUser(h.db);
    const set = await codes.regenerate(h.db, user.id);
    expect(set).toHaveLength(10);
    expect(new Set(set).size).toBe(10);
    for (const code of set) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);

    const rows = await h.db.recoveryCode.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(10);
    const stored = JSON.stringify(rows);
    for (const code of set) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replace("-", ""));
    }
    expect(
      rows.every((r) => /^[0-9a-f]{64}$/.test(r.codeHash) && r.keyId === "k1" && r.usedAt === null),
    ).toBe(true);
    expect(await codes.remaining(user.id)).toBe(10);
  });

  it("works once each, however it is typed, and only for its own user", async () => {
    const user = await insertUser(h.db);
    const other = await insertUser(h.db);
    const [first, second] = await codes.regenerate(h.db, user.id);
    await codes.regenerate(h.db, other.id);

    expect(await codes.consume(h.db, other.id, first!)).toBe(false);
    expect(await codes.consume(h.db, user.id, first!)).toBe(true);
    expect(await codes.consume(h.db, user.id, first!)).toBe(false);
    // Lower case, a space instead of the dash, O for 0 and I/L for 1 as people read them.
    const typed = second!.toLowerCase().replace("-", " ").replace(/0/g, "o").replace(/1/g, "l");
    expect(await codes.consume(h.db, user.id, typed)).toBe(true);
    expect(await codes.remaining(user.id)).toBe(8);
    for (const junk of ["", "ABCDE", "ABCDE-FGHJK-MNPQR", "UUUUU-UUUUU", "*****-*****"]) {
      expect(await codes.consume(h.db, user.id, junk)).toBe(false);
    }
    const used = await h.db.recoveryCode.count({ where: { userId: user.id, usedAt: { not: null } } });
    expect(used).toBe(2);
  });

  it("lets exactly one of many concurrent uses of one code through", async () => {
    const user = await insertUser(h.db);
    const [code] = await codes.regenerate(h.db, user.id);
    const results = await Promise.all(Array.from({ length: 12 }, () => codes.consume(h.db, user.id, code!)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await codes.remaining(user.id)).toBe(9);
  });

  it("regenerating invalidates the whole previous set, used and unused", async () => {
    const user = await insertUser(h.db);
    const old = await codes.regenerate(h.db, user.id);
    await codes.consume(h.db, user.id, old[0]!);
    const fresh = await codes.regenerate(h.db, user.id);
    expect(await codes.remaining(user.id)).toBe(10);
    for (const code of old) expect(await codes.consume(h.db, user.id, code)).toBe(false);
    expect(await codes.consume(h.db, user.id, fresh[9]!)).toBe(true);
  });

  it("keep working across a key rotation: old sets under the old key, new sets under the new one", async () => {
    const user = await insertUser(h.db);
    const [oldCode, oldCode2] = await codes.regenerate(h.db, user.id);
    const rotated = new RecoveryCodes({ codes: repo, keys: [k2!, k1!] });
    expect(await rotated.consume(h.db, user.id, oldCode!)).toBe(true);

    const withoutOldKey = new RecoveryCodes({ codes: repo, keys: [k2!] });
    expect(await withoutOldKey.consume(h.db, user.id, oldCode2!)).toBe(false);
    expect((await repo.countByKey()).k1).toBeGreaterThanOrEqual(9); // what still needs k1

    const [newCode] = await rotated.regenerate(h.db, user.id);
    expect(
      await h.db.recoveryCode.findFirst({ where: { userId: user.id }, select: { keyId: true } }),
    ).toEqual({ keyId: "k2" });
    expect(await withoutOldKey.consume(h.db, user.id, newCode!)).toBe(true);
  });

  it("go with the account: deleting the user deletes them", async () => {
    const user = await insertUser(h.db);
    await codes.regenerate(h.db, user.id);
    await h.db.user.delete({ where: { id: user.id } });
    expect(await h.db.recoveryCode.count({ where: { userId: user.id } })).toBe(0);
  });
});
