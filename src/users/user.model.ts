import type { BusinessNumberStatus, Role, User } from "../generated/prisma/client";

export type { BusinessNumberStatus, Role };

/** A user as the rest of the gateway sees it: everything but secrets and lockout bookkeeping. */
export interface UserProfile {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  businessType: string | null;
  businessNumber: string | null;
  industry: string | null;
  region: string | null;
  /** What the business registry said about businessNumber; null without a number. */
  businessNumberStatus: BusinessNumberStatus | null;
  businessVerifiedAt: Date | null;
  role: Role;
  isActive: boolean;
  isVerified: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
}

/** The columns that make a `UserProfile`, for Prisma `select`s. */
export const PROFILE_SELECT = {
  id: true,
  email: true,
  name: true,
  phone: true,
  businessType: true,
  businessNumber: true,
  industry: true,
  region: true,
  businessNumberStatus: true,
  businessVerifiedAt: true,
  role: true,
  isActive: true,
  isVerified: true,
  createdAt: true,
  updatedAt: true,
  lastLoginAt: true,
} as const;

/** The same columns for raw SQL (`RETURNING`, `SELECT`). */
export const PROFILE_COLUMNS = Object.keys(PROFILE_SELECT)
  .map((column) => `"${column}"`)
  .join(", ");

export function toProfile(user: User): UserProfile {
  const { passwordHash: _hash, deletedAt: _deleted, ...rest } = user;
  return rest;
}
