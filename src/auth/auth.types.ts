import { Field, InputType, Int, ObjectType } from "type-graphql";
import { UserType } from "../users/user.type";

@ObjectType("AuthPayload", { description: "A signed-in session: send `Authorization: Bearer <accessToken>`." })
export class AuthPayloadType {
  @Field(() => String, { description: "Short-lived JWT for the Authorization header." })
  accessToken!: string;

  @Field(() => String, { description: "Single-use JWT for refreshToken; rotated on every use." })
  refreshToken!: string;

  @Field(() => String, { description: "Always `Bearer`." })
  tokenType!: string;

  @Field(() => Int, { description: "Lifetime of the access token in seconds." })
  expiresIn!: number;

  @Field(() => UserType)
  user!: UserType;
}

@InputType({ description: "A new account. Password: 8+ characters with upper and lower case, a digit and one of !@#$%^&*()_+-=, at most 72 bytes." })
export class RegisterInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;

  @Field(() => String, { description: "2 to 100 characters." })
  name!: string;

  @Field(() => String, { nullable: true })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  businessType?: string | null;

  @Field(() => String, { nullable: true, description: "10 digits, with or without dashes." })
  businessNumber?: string | null;

  @Field(() => String, { nullable: true })
  industry?: string | null;

  @Field(() => String, { nullable: true })
  region?: string | null;
}

@InputType()
export class LoginInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;
}

@InputType()
export class ChangePasswordInput {
  @Field(() => String)
  currentPassword!: string;

  @Field(() => String, { description: "Must meet the password policy and differ from the current one." })
  newPassword!: string;
}
