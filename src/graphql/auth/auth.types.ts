import { Field, InputType, Int, ObjectType } from "type-graphql";
import { UserType } from "../users/user.type";

@ObjectType("AuthPayload", {
  description: "A signed-in session: send `Authorization: Bearer <accessToken>`.",
})
export class AuthPayloadType {
  @Field(() => String, { description: "Short-lived JWT for the Authorization header." })
  accessToken!: string;

  @Field(() => String, { description: "Single-use JWT for refreshToken; rotated on every use." })
  refreshToken!: string;

  @Field(() => String, { description: "Always `Bearer`." })
  tokenType!: string;

  @Field(() => Int, { description: "Lifetime of the access token in seconds." })
  expiresIn!: number;

  @Field(() => UserType, { description: "The signed-in user." })
  user!: UserType;
}

@InputType({
  description:
    "A new account. Password: 8+ characters with upper and lower case, a digit and one of !@#$%^&*()_+-=, at most 72 bytes.",
})
export class RegisterInput {
  @Field(() => String, {
    description: "Login email; trimmed and lower-cased, unique without regard to case.",
  })
  email!: string;

  @Field(() => String, { description: "Must meet the password policy (see the type's description)." })
  password!: string;

  @Field(() => String, { description: "2 to 100 characters." })
  name!: string;

  @Field(() => String, {
    nullable: true,
    description: "Digits with optional +, spaces, dashes and brackets.",
  })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: "Kind of business the user runs." })
  businessType?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Korean business registration number: 10 digits, with or without dashes.",
  })
  businessNumber?: string | null;

  @Field(() => String, { nullable: true, description: "Industry." })
  industry?: string | null;

  @Field(() => String, { nullable: true, description: "Region." })
  region?: string | null;
}

@InputType({ description: "Email and password of an existing account." })
export class LoginInput {
  @Field(() => String, { description: "Login email, in any case." })
  email!: string;

  @Field(() => String, { description: "The account's password." })
  password!: string;
}

@InputType({ description: "A new password, confirmed with the current one." })
export class ChangePasswordInput {
  @Field(() => String, { description: "The password in use now." })
  currentPassword!: string;

  @Field(() => String, { description: "Must meet the password policy and differ from the current one." })
  newPassword!: string;
}
