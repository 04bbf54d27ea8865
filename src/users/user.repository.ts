import { Prisma } from "../generated/prisma/client";
import { quoted, utcTimestamp } from "../outbox/outbox.repository";
import type { Database, Tx } from "../infra/prisma";
import { PROFILE_COLUMNS, PROFILE_SELECT, toProfile, type Role, type UserProfile } from "./user.model";
import type { BusinessCheck } from "./business-verification";
import type { ProfileChanges } from "./user.validation";

export interface NewUser extends ProfileChanges, Partial<BusinessCheck> {
  email: string;
  name: string;
  passwordHash: string;
  role?: Role;
  isVerified?: boolean;
}

/** A user with what a password check needs: the hash (the lockout is auth/lockout.ts). */
export interface UserCredentials {
  profile: UserProfile;
  passwordHash: string;
  /** Set when the account was erased. */
  deletedAt: Date | null;
}

/** Thrown by `create` when the email is taken (unique violation), so services need no Prisma. */
export class EmailTakenError extends Error {}

/** The only code that reads and writes the User table (login history: login-history.repository.ts). */
export class UserRepository {
  private readonly db: Database;

  constructor(deps: {
    db: Database;
  }) {
    this.db = deps.db;
  }

  async findById(id: string): Promise<UserProfile | null> {
    return this.findByIdIn(this.db, id);
  }

  /** Read in a transaction, so what follows is decided on what it will commit against. */
  async findByIdIn(tx: Tx | Database, id: string): Promise<UserProfile | null> {
    return tx.user.findUnique({ where: { id }, select: PROFILE_SELECT });
  }

  async findManyByIds(ids: readonly string[]): Promise<UserProfile[]> {
    return this.db.user.findMany({ where: { id: { in: [...ids] } }, select: PROFILE_SELECT });
  }

  async findByEmail(email: string): Promise<UserProfile | null> {
    return this.db.user.findUnique({ where: { email }, select: PROFILE_SELECT });
  }

  async findCredentialsByEmail(email: string): Promise<UserCredentials | null> {
    const user = await this.db.user.findUnique({ where: { email } });
    return user && this.credentials(user);
  }

  async findCredentialsById(id: string) {
    const user = await this.db.user.findUnique({ where: { id } });
    return user && this.credentials(user);
  }

  async create(tx: Tx, data: NewUser): Promise<UserProfile> {
    try {
      return await tx.user.create({ data, select: PROFILE_SELECT });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw new EmailTakenError();
      }
      throw error;
    }
  }

  async update(tx: Tx, id: string, data: Prisma.UserUpdateInput): Promise<UserProfile> {
    return tx.user.update({ where: { id }, data, select: PROFILE_SELECT });
  }

  /**
   * `UPDATE "User" … RETURNING` the profile, as a statement for a caller to run (see
   * OutboxRepository.addWithChange); `updatedAt` is set as Prisma's @updatedAt would.
   */
  updateStatement(id: string, changes: ProfileChanges & Partial<BusinessCheck>, at = new Date()): Prisma.Sql {
    const sets = (Object.keys(changes) as (keyof typeof changes)[])
      .filter((field) => changes[field] !== undefined)
      .map((field) => {
        const value = changes[field];
        const column = Prisma.raw(quoted(field));
        if (field === "businessVerifiedAt") {
          return Prisma.sql`${column} = ${value === null ? null : utcTimestamp(value as Date)}`;
        }
        if (field === "businessNumberStatus") return Prisma.sql`${column} = ${value}::"BusinessNumberStatus"`;
        return Prisma.sql`${column} = ${value}`;
      });
    return Prisma.sql`
      UPDATE "User" SET ${Prisma.join([...sets, Prisma.sql`"updatedAt" = ${utcTimestamp(at)}`], ", ")}
      WHERE "id" = ${id}::uuid
      RETURNING ${Prisma.raw(PROFILE_COLUMNS)}`;
  }

  async recordLoginSuccess(tx: Tx, id: string, at: Date): Promise<UserProfile> {
    return tx.user.update({
      where: { id },
      data: { lastLoginAt: at },
      select: PROFILE_SELECT,
    });
  }

  private credentials(user: Prisma.UserGetPayload<object>): UserCredentials {
    return {
      profile: toProfile(user),
      passwordHash: user.passwordHash,
      deletedAt: user.deletedAt,
    };
  }
}
