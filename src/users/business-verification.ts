import type { BusinessNumberStatus } from "../generated/prisma/enums";
import type { BusinessRegistryClient } from "./business-registry.client";

/** The stored result of checking a business number with the registry. */
export interface BusinessCheck {
  businessNumberStatus: BusinessNumberStatus | null;
  businessVerifiedAt: Date | null;
}

/**
 * The optional registry step after the check digit (users/business-number.ts): with a registry
 * configured, a number is saved with what the registry said; without one, or while it is down,
 * slow or its circuit is open, the number is saved UNVERIFIED rather than refused.
 */
export class BusinessVerifier {
  private readonly registry: BusinessRegistryClient | undefined;

  constructor(deps: {
    registry: BusinessRegistryClient | undefined;
  }) {
    this.registry = deps.registry;
  }

  get enabled(): boolean {
    return this.registry !== undefined;
  }

  /** The status fields for `businessNumber` (already normalised) about to be stored. */
  async check(businessNumber: string | null): Promise<BusinessCheck> {
    if (businessNumber === null) return { businessNumberStatus: null, businessVerifiedAt: null };
    const status = this.registry ? await this.registry.status(businessNumber) : "UNVERIFIED";
    return {
      businessNumberStatus: status,
      businessVerifiedAt: status === "UNVERIFIED" ? null : new Date(),
    };
  }

  /** Fields to add to a new account's data: none unless it has a number. */
  async forNewAccount(businessNumber: string | null | undefined): Promise<Partial<BusinessCheck>> {
    return businessNumber ? this.check(businessNumber) : {};
  }
}
