import { Prisma } from "../generated/prisma/client";
import type { MfaFactorStatus, MfaFactorType } from "../generated/prisma/enums";
import type { Database, Tx } from "../infra/prisma";

/** The client a write runs on: the database, or the transaction of the caller's unit of work. */
export type Db = Database | Tx;

/** What a user (and the GDPR export) may see of a factor: never a secret or a key. */
export interface FactorSummary {
  id: string;
  type: MfaFactorType;
  status: MfaFactorStatus;
  friendlyName: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** WebAuthn only: singleDevice or multiDevice, and whether it is backed up. */
  deviceType: string | null;
  backedUp: boolean | null;
  transports: string[];
}

export interface TotpFactorRecord {
  id: string;
  userId: string;
  status: MfaFactorStatus;
  sealedSecret: string;
  lastUsedStep: number | null;
}

export interface WebAuthnCredentialRecord {
  id: string;
  userId: string;
  friendlyName: string;
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  signCount: number;
  transports: string[];
  userHandle: string;
}

export interface NewWebAuthnCredential {
  userId: string;
  friendlyName: string;
  credentialId: string;
  publicKey: Uint8Array;
  signCount: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  aaguid: string;
  userHandle: string;
}

/** Thrown when a user already has a factor of that name (unique per user). */
export class FactorNameTakenError extends Error {}
/** Thrown when a WebAuthn credential id is already registered (to anyone). */
export class CredentialTakenError extends Error {}

const SUMMARY_SELECT = {
  id: true,
  type: true,
  status: true,
  friendlyName: true,
  createdAt: true,
  lastUsedAt: true,
  deviceType: true,
  backedUp: true,
  transports: true,
} as const;

const CREDENTIAL_SELECT = {
  id: true,
  userId: true,
  friendlyName: true,
  credentialId: true,
  credentialPublicKey: true,
  signCount: true,
  transports: true,
  userHandle: true,
} as const;

type CredentialRow = Prisma.MfaFactorGetPayload<{ select: typeof CREDENTIAL_SELECT }>;

function toCredential(row: CredentialRow): WebAuthnCredentialRecord {
  return {
    id: row.id,
    userId: row.userId,
    friendlyName: row.friendlyName,
    credentialId: row.credentialId!,
    publicKey: new Uint8Array(row.credentialPublicKey!),
    signCount: Number(row.signCount ?? 0n),
    transports: row.transports,
    userHandle: row.userHandle!,
  };
}

/** Runs `fn` in the caller's transaction, or in a new one when given the database itself. */
function inTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return "$transaction" in db ? db.$transaction(fn) : fn(db);
}

function isUniqueViolation(error: unknown, field: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") return false;
  return JSON.stringify(error.meta ?? {}).includes(field) || error.message.includes(field);
}

/**
 * The only code that reads and writes the MfaFactor table. Rules that must not race (a TOTP step
 * used once, a WebAuthn counter that only moves forward, confirming a pending factor once) are
 * each one conditional UPDATE, so they hold across every gateway process.
 */
export class MfaFactorRepository {
  private readonly db: Database;

  constructor(deps: { db: Database }) {
    this.db = deps.db;
  }

  async list(userId: string): Promise<FactorSummary[]> {
    return this.db.mfaFactor.findMany({
      where: { userId },
      select: SUMMARY_SELECT,
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
  }

  /** VERIFIED factors by type: what sign-in may offer and what the role policy counts. */
  async verifiedTypes(userId: string, db: Db = this.db): Promise<MfaFactorType[]> {
    const rows = await db.mfaFactor.findMany({
      where: { userId, status: "VERIFIED" },
      select: { type: true },
      distinct: ["type"],
    });
    return rows.map((r) => r.type);
  }

  async countVerified(userId: string, db: Db = this.db): Promise<number> {
    return db.mfaFactor.count({ where: { userId, status: "VERIFIED" } });
  }

  /**
   * A new UNVERIFIED TOTP factor in place of the user's earlier unverified ones (an abandoned
   * enrolment never piles up, and the name it held is free again).
   */
  async createPendingTotp(
    db: Db,
    factor: { id: string; userId: string; friendlyName: string; sealedSecret: string },
  ): Promise<void> {
    await db.mfaFactor.deleteMany({ where: { userId: factor.userId, type: "TOTP", status: "UNVERIFIED" } });
    try {
      await db.mfaFactor.create({
        data: {
          id: factor.id,
          userId: factor.userId,
          type: "TOTP",
          friendlyName: factor.friendlyName,
          totpSecret: factor.sealedSecret,
        },
      });
    } catch (error) {
      if (isUniqueViolation(error, "friendlyName")) throw new FactorNameTakenError();
      throw error;
    }
  }

  async findTotp(userId: string, factorId: string): Promise<TotpFactorRecord | null> {
    const row = await this.db.mfaFactor.findFirst({ where: { id: factorId, userId, type: "TOTP" } });
    return (
      row && {
        id: row.id,
        userId,
        status: row.status,
        sealedSecret: row.totpSecret!,
        lastUsedStep: row.totpLastUsedStep,
      }
    );
  }

  async verifiedTotps(userId: string): Promise<TotpFactorRecord[]> {
    const rows = await this.db.mfaFactor.findMany({
      where: { userId, type: "TOTP", status: "VERIFIED" },
      orderBy: { createdAt: "asc" },
    });
    return rows.map((row) => ({
      id: row.id,
      userId,
      status: row.status,
      sealedSecret: row.totpSecret!,
      lastUsedStep: row.totpLastUsedStep,
    }));
  }

  /**
   * Records that a code of time step `step` was accepted for the factor, only if no code of this
   * step or a later one was accepted before; `confirm` also turns a pending factor VERIFIED (and
   * refuses one that already is). True for exactly one of any number of concurrent callers.
   */
  async useTotpStep(
    db: Db,
    factorId: string,
    step: number,
    options: { confirm: boolean; now?: Date },
  ): Promise<boolean> {
    const { count } = await db.mfaFactor.updateMany({
      where: {
        id: factorId,
        status: options.confirm ? "UNVERIFIED" : "VERIFIED",
        OR: [{ totpLastUsedStep: null }, { totpLastUsedStep: { lt: step } }],
      },
      data: { totpLastUsedStep: step, status: "VERIFIED", lastUsedAt: options.now ?? new Date() },
    });
    return count === 1;
  }

  async createWebAuthn(db: Db, credential: NewWebAuthnCredential): Promise<FactorSummary> {
    try {
      return await db.mfaFactor.create({
        data: {
          userId: credential.userId,
          type: "WEBAUTHN",
          status: "VERIFIED",
          friendlyName: credential.friendlyName,
          credentialId: credential.credentialId,
          credentialPublicKey: Buffer.from(credential.publicKey),
          signCount: BigInt(credential.signCount),
          transports: credential.transports,
          deviceType: credential.deviceType,
          backedUp: credential.backedUp,
          aaguid: credential.aaguid,
          userHandle: credential.userHandle,
        },
        select: SUMMARY_SELECT,
      });
    } catch (error) {
      if (isUniqueViolation(error, "credentialId")) throw new CredentialTakenError();
      if (isUniqueViolation(error, "friendlyName")) throw new FactorNameTakenError();
      throw error;
    }
  }

  async findCredential(credentialId: string): Promise<WebAuthnCredentialRecord | null> {
    const row = await this.db.mfaFactor.findFirst({
      where: { credentialId, type: "WEBAUTHN", status: "VERIFIED" },
      select: CREDENTIAL_SELECT,
    });
    return row && toCredential(row);
  }

  async credentials(userId: string): Promise<WebAuthnCredentialRecord[]> {
    const rows = await this.db.mfaFactor.findMany({
      where: { userId, type: "WEBAUTHN", status: "VERIFIED" },
      select: CREDENTIAL_SELECT,
      orderBy: { createdAt: "asc" },
    });
    return rows.map(toCredential);
  }

  /** The user handle of the user's passkeys, if they have any. */
  async userHandle(userId: string): Promise<string | null> {
    const row = await this.db.mfaFactor.findFirst({
      where: { userId, type: "WEBAUTHN", userHandle: { not: null } },
      select: { userHandle: true },
    });
    return row?.userHandle ?? null;
  }

  /**
   * Stores the counter of an accepted assertion, only if it moved forward (or both are 0: an
   * authenticator that keeps no counter). A concurrent assertion with the same counter, or one
   * replayed from a cloned authenticator, finds the row moved on and is refused.
   */
  async useCredential(
    db: Db,
    factorId: string,
    use: { signCount: number; backedUp: boolean; now?: Date },
  ): Promise<boolean> {
    const counter = BigInt(use.signCount);
    const { count } = await db.mfaFactor.updateMany({
      where: {
        id: factorId,
        status: "VERIFIED",
        signCount: counter === 0n ? 0n : { lt: counter },
      },
      data: { signCount: counter, backedUp: use.backedUp, lastUsedAt: use.now ?? new Date() },
    });
    return count === 1;
  }

  async rename(db: Db, userId: string, factorId: string, friendlyName: string): Promise<boolean> {
    try {
      const { count } = await db.mfaFactor.updateMany({
        where: { id: factorId, userId },
        data: { friendlyName },
      });
      return count === 1;
    } catch (error) {
      if (isUniqueViolation(error, "friendlyName")) throw new FactorNameTakenError();
      throw error;
    }
  }

  /**
   * Deletes one factor of the user and returns what it was (null: the user has no such factor).
   * With `keepOne` (the user's role requires a second factor) the last VERIFIED factor stays
   * (`"last-factor"`): the user's factor rows are locked first, so two removals racing for the
   * last two factors cannot both succeed.
   */
  async remove(
    db: Db,
    userId: string,
    factorId: string,
    options: { keepOne: boolean },
  ): Promise<FactorSummary | "last-factor" | null> {
    return inTransaction(db, async (tx) => {
      const rows = await tx.$queryRaw<Array<{ id: string; status: MfaFactorStatus }>>`
        SELECT id, status FROM "MfaFactor" WHERE "userId" = ${userId}::uuid FOR UPDATE`;
      const target = rows.find((row) => row.id === factorId);
      if (!target) return null;
      const otherVerified = rows.filter((row) => row.id !== factorId && row.status === "VERIFIED").length;
      if (options.keepOne && target.status === "VERIFIED" && otherVerified === 0) return "last-factor";
      return tx.mfaFactor.delete({ where: { id: factorId }, select: SUMMARY_SELECT });
    });
  }

  /** Every factor of the user (admin reset, erasure); returns how many there were. */
  async removeAll(db: Db, userId: string): Promise<number> {
    const { count } = await db.mfaFactor.deleteMany({ where: { userId } });
    return count;
  }

  /** TOTP factors whose secret was sealed by another key than `keyId` (key rotation). */
  async totpSecretsNotSealedWith(
    keyId: string,
    take: number,
  ): Promise<Array<{ id: string; sealedSecret: string }>> {
    const rows = await this.db.mfaFactor.findMany({
      where: { type: "TOTP", NOT: { totpSecret: { startsWith: `v1:${keyId}:` } } },
      select: { id: true, totpSecret: true },
      orderBy: { id: "asc" },
      take,
    });
    return rows.map((r) => ({ id: r.id, sealedSecret: r.totpSecret! }));
  }

  /** Swaps a sealed secret for its re-sealed form, unless it changed meanwhile. */
  async replaceTotpSecret(factorId: string, before: string, after: string): Promise<boolean> {
    const { count } = await this.db.mfaFactor.updateMany({
      where: { id: factorId, totpSecret: before },
      data: { totpSecret: after },
    });
    return count === 1;
  }

  /** Housekeeping: TOTP enrolments never confirmed since `before`. */
  async removeAbandoned(before: Date): Promise<number> {
    const { count } = await this.db.mfaFactor.deleteMany({
      where: { type: "TOTP", status: "UNVERIFIED", createdAt: { lt: before } },
    });
    return count;
  }
}
