import { GraphQLDateTime } from "graphql-scalars";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { BusinessNumberStatus, Role } from "../generated/prisma/enums";

registerEnumType(Role, {
  name: "Role",
  description: "What a user may do. Permissions are listed in the README's permission matrix.",
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

@ObjectType("User", { description: "A person with an account. Owned by this subgraph." })
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Login email, lower-cased. Visible to the user, MODERATOR and ADMIN." })
  email!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: "Visible to the user, MODERATOR and ADMIN." })
  phone!: string | null;

  @Field(() => Role)
  role!: Role;

  @Field(() => Boolean, { description: "False when the account is disabled: it cannot log in." })
  isActive!: boolean;

  @Field(() => Boolean, { description: "True once the email address has been verified." })
  isVerified!: boolean;

  @Field(() => String, { nullable: true })
  businessType!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Korean business registration number, normalised to 123-45-67890.",
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

  @Field(() => String, { nullable: true })
  industry!: string | null;

  @Field(() => String, { nullable: true })
  region!: string | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: "Time of the last successful login." })
  lastLoginAt!: Date | null;
}
