import type { PasswordHasher } from "./password.hasher";
import { assertStrongPassword } from "./password.policy";
import { errors } from "../core/errors";
import type { Cause } from "../outbox/event.model";
import type { OutboxWrites } from "../outbox/outbox.repository";
import { userEvents } from "../users/user.events";
import type { Unit } from "../infra/unit-of-work";
import type { BusinessVerifier } from "../users/business-verification";
import type { Role, UserProfile } from "../users/user.model";
import { EmailTakenError, type NewUser, type UserRepository } from "../users/user.repository";
import { registrableEmail, validateProfile, type ProfileInput } from "../users/user.validation";

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
 * row and its `user.created` event inside the caller's unit of work.
 */
export class AccountCreator {
  private readonly users: UserRepository;
  private readonly hasher: PasswordHasher;
  private readonly business: BusinessVerifier;

  constructor(deps: { users: UserRepository; hasher: PasswordHasher; business: BusinessVerifier }) {
    this.users = deps.users;
    this.hasher = deps.hasher;
    this.business = deps.business;
  }

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

  /** Writes the account and its `user.created` event in `unit`; a taken email is refused. */
  async insert(unit: Unit & OutboxWrites, account: NewUser, cause: Cause): Promise<UserProfile> {
    let created: UserProfile;
    try {
      created = await this.users.create(unit.tx, account);
    } catch (error) {
      if (error instanceof EmailTakenError) throw errors.emailAlreadyExists();
      throw error;
    }
    await unit.emit(cause, userEvents.created(created));
    return created;
  }
}
