import { GraphQLDateTime } from "graphql-scalars";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Role } from "../generated/prisma/enums";

registerEnumType(Role, {
  name: "Role",
  description: "What a user may do. Permissions are listed in the README's permission matrix.",
  valuesConfig: {
    USER: { description: "A regular user: manages their own account." },
    MODERATOR: { description: "Reads users and disables or re-enables USER accounts." },
    ADMIN: { description: "Manages every account, role and session." },
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
