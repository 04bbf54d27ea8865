import type { Role } from "../generated/prisma/enums";
import { mfaErrors } from "./mfa.errors";

const ROLES: readonly Role[] = ["USER", "MODERATOR", "ADMIN"];

/**
 * The roles that must have a second factor (proposed MFA_REQUIRED_ROLES, e.g. `ADMIN` or
 * `ADMIN,MODERATOR`; empty: none). Throws naming an unknown role.
 */
export function parseRequiredRoles(text: string): Role[] {
  const roles = text
    .split(",")
    .map((r) => r.trim().toUpperCase())
    .filter(Boolean);
  for (const role of roles) {
    if (!ROLES.includes(role as Role))
      throw new Error(`unknown role "${role}" (expected ${ROLES.join(", ")})`);
  }
  return [...new Set(roles)] as Role[];
}

/**
 * The role policy, in one place: who must have a second factor, and what follows for a session
 * of someone who has none yet (it may only enrol one) or who asks to remove their last one.
 */
export class MfaPolicy {
  private readonly requiredRoles: readonly Role[];

  constructor(deps: { requiredRoles: readonly Role[] }) {
    this.requiredRoles = deps.requiredRoles;
  }

  requiresSecondFactor(role: Role): boolean {
    return this.requiredRoles.includes(role);
  }

  /** True when a user of `role` with `verifiedFactors` factors may do nothing but enrol one. */
  mustEnrol(role: Role, verifiedFactors: number): boolean {
    return verifiedFactors === 0 && this.requiresSecondFactor(role);
  }

  /** Throws MFA_ENROLLMENT_REQUIRED for a field other than enrolment, while `mustEnrol`. */
  assertEnrolled(role: Role, verifiedFactors: number): void {
    if (this.mustEnrol(role, verifiedFactors)) throw mfaErrors.mfaEnrollmentRequired(this.requiredRoles);
  }
}
