import type { AccountTokenPurpose as DomainTokenPurpose } from "../recovery/account-token";
import type {
  BusinessNumberStatus as DomainBusinessNumberStatus,
  Role as DomainRole,
} from "../users/user.model";

// GraphQL's enums are GraphQL's own, not the database's: the schema is a public contract, and a
// value added to a Prisma enum must not appear in it unseen. Each is declared here with its
// values, and `satisfies` checks at compile time that it lists every domain value and nothing
// else, so the mapping at this edge is one-to-one and the same string on both sides: a value
// added on one side fails the build here, where a decision about the schema belongs.

/** Every domain value, mapped to itself: the shape each GraphQL enum below must have. */
type SameValues<T extends string> = { readonly [K in T]: K };

export const Role = {
  USER: "USER",
  MODERATOR: "MODERATOR",
  ADMIN: "ADMIN",
} as const satisfies SameValues<DomainRole>;
export type Role = (typeof Role)[keyof typeof Role];

export const BusinessNumberStatus = {
  UNVERIFIED: "UNVERIFIED",
  ACTIVE: "ACTIVE",
  SUSPENDED: "SUSPENDED",
  CLOSED: "CLOSED",
  NOT_REGISTERED: "NOT_REGISTERED",
} as const satisfies SameValues<DomainBusinessNumberStatus>;
export type BusinessNumberStatus = (typeof BusinessNumberStatus)[keyof typeof BusinessNumberStatus];

export const AccountTokenPurpose = {
  EMAIL_VERIFICATION: "EMAIL_VERIFICATION",
  PASSWORD_RESET: "PASSWORD_RESET",
} as const satisfies SameValues<DomainTokenPurpose>;
export type AccountTokenPurpose = (typeof AccountTokenPurpose)[keyof typeof AccountTokenPurpose];

/** A role a client sent, as the domain names it. */
export function roleFromGraphQL(role: Role): DomainRole {
  return Role[role];
}
