import { GraphQLDateTime } from "graphql-scalars";
import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { BusinessNumberStatus, Role } from "../enums";

registerEnumType(Role, {
  name: "Role",
  description: "What a user may do. Permissions are listed in the permission matrix of docs/api.md.",
  valuesConfig: {
    USER: { description: "A regular user: manages their own account." },
    MODERATOR: { description: "Reads users and disables or re-enables USER accounts." },
    ADMIN: { description: "Manages every account, role and session." },
  },
});

registerEnumType(BusinessNumberStatus, {
  name: "BusinessNumberStatus",
  description:
    "What the national business registry said about a businessNumber (checked when the number is saved, if a registry is configured).",
  valuesConfig: {
    UNVERIFIED: { description: "Not checked: no registry is configured, or it did not answer in time." },
    ACTIVE: { description: "Registered and in business." },
    SUSPENDED: { description: "Registered; business suspended." },
    CLOSED: { description: "Registered; business closed." },
    NOT_REGISTERED: { description: "The registry does not know the number." },
  },
});

/**
 * The federated entity this subgraph owns: other subgraphs refer to a user by `id` and add their
 * own fields to it (see user.reference.ts).
 */
@Directive('@key(fields: "id")')
@ObjectType("User", {
  description:
    "A person with an account. Owned by this subgraph (entity key `id`); other subgraphs may extend it.",
})
export class UserType {
  @Field(() => ID, { description: "Stable identifier (UUID); the entity key in the federated graph." })
  id!: string;

  @Field(() => String, { description: "Login email, lower-cased. Visible to the user, MODERATOR and ADMIN." })
  email!: string;

  @Field(() => String, { description: "Display name, 2 to 100 characters." })
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: "Phone number. Visible to the user, MODERATOR and ADMIN.",
  })
  phone!: string | null;

  @Field(() => Role, { description: "What the user may do." })
  role!: Role;

  @Field(() => Boolean, { description: "False when the account is disabled: it cannot log in." })
  isActive!: boolean;

  @Field(() => Boolean, { description: "True once the email address has been verified." })
  isVerified!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Kind of business the user runs. Visible to the user, MODERATOR and ADMIN.",
  })
  businessType!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Korean business registration number, normalised to 123-45-67890. Visible to the user, MODERATOR and ADMIN.",
  })
  businessNumber!: string | null;

  @Field(() => BusinessNumberStatus, {
    nullable: true,
    description:
      "What the business registry said about businessNumber; null without a number. UNVERIFIED numbers are checked again when the user saves the number again.",
  })
  businessNumberStatus!: BusinessNumberStatus | null;

  @Field(() => GraphQLDateTime, {
    nullable: true,
    description: "When the registry answered for the current businessNumber; null while UNVERIFIED.",
  })
  businessVerifiedAt!: Date | null;

  @Field(() => String, { nullable: true, description: "Industry. Visible to the user, MODERATOR and ADMIN." })
  industry!: string | null;

  @Field(() => String, { nullable: true, description: "Region. Visible to the user, MODERATOR and ADMIN." })
  region!: string | null;

  @Field(() => GraphQLDateTime, { description: "When the account was created." })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { description: "When the account last changed." })
  updatedAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: "Time of the last successful login." })
  lastLoginAt!: Date | null;
}
