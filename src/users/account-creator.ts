import type { PasswordHasher } from "../auth/password.hasher";
import { assertStrongPassword } from "../auth/password.policy";
import { errors } from "../errors";
import type { Cause } from "../events/event.model";
import type { OutboxRepository } from "../events/outbox.repository";
import { userEvents } from "./user.events";
import type { Tx } from "../infra/prisma";
import type { BusinessVerifier } from "./business-verification";
import type { Role, UserProfile } from "./user.model";
import { EmailTakenError, type NewUser, type UserRepository } from "./user.repository";
import { registrableEmail, validateProfile, type ProfileInput } from "./user.validation";

export interface NewAccountInput extends ProfileInput {
  email: string;
  password: string;
  name: string;
  role?: Role;
  isVerified?: boolean;
}

/**
 * The steps every new account takes, whoever creates it (register, adminCreateUser): the input
 * rules, the password policy, the registry check and the hash before any transaction; then the
 * row and its `user.created` event inside the caller's transaction.
 */
export class AccountCreator {
  constructor(
    private readonly users: UserRepository,
    private readonly outbox: OutboxRepository,
    private readonly hasher: PasswordHasher,
    private readonly business: BusinessVerifier,
  ) {}

  /** Validates and prepares a new account; throws the registry error of the first bad input. */
  async prepare(input: NewAccountInput): Promise<NewUser> {
    const email = registrableEmail(input.email);
    const { name, ...profile } = validateProfile({ ...input, name: input.name });
    assertStrongPassword(input.password);
    const business = await this.business.forNewAccount(profile.businessNumber);
    const passwordHash = await this.hasher.hash(input.password);
    return {
      email,
      name: name!,
      passwordHash,
      ...(input.role && { role: input.role }),
      ...(input.isVerified !== undefined && { isVerified: input.isVerified }),
      ...profile,
      ...business,
    };
  }

  /** Writes the account and its `user.created` event in `tx`; a taken email is refused. */
  async insert(tx: Tx, account: NewUser, cause: Cause): Promise<UserProfile> {
    let created: UserProfile;
    try {
      created = await this.users.create(tx, account);
    } catch (error) {
      if (error instanceof EmailTakenError) throw errors.emailAlreadyExists();
      throw error;
    }
    await this.outbox.add(tx, cause, userEvents.created(created));
    return created;
  }
}
