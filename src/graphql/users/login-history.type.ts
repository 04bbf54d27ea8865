import { GraphQLDateTime } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { PageInfoType } from "../paging";

@ObjectType("LoginAttempt", { description: "One login attempt with an account's e-mail address." })
export class LoginAttemptType {
  @Field(() => ID, { description: "Identifier of the attempt." })
  id!: string;

  @Field(() => Boolean, { description: "Whether it signed in." })
  success!: boolean;

  @Field(() => String, {
    nullable: true,
    description: "Why it failed (INVALID_PASSWORD, ACCOUNT_LOCKED, ACCOUNT_DISABLED…); null on success.",
  })
  failureReason!: string | null;

  @Field(() => String, { nullable: true, description: "The client IP." })
  ipAddress!: string | null;

  @Field(() => String, { nullable: true, description: "The client's User-Agent." })
  userAgent!: string | null;

  @Field(() => GraphQLDateTime, { description: "When." })
  createdAt!: Date;
}

@ObjectType("LoginAttemptEdge", { description: "A login attempt and its place in the history." })
export class LoginAttemptEdge {
  @Field(() => String, { description: "Pass as `after` to continue after this attempt." })
  cursor!: string;

  @Field(() => LoginAttemptType, { description: "The attempt." })
  node!: LoginAttemptType;
}

@ObjectType("LoginAttemptConnection", { description: "A page of a login history, newest first." })
export class LoginAttemptConnection {
  @Field(() => [LoginAttemptEdge], { description: "The attempts of this page, newest first." })
  edges!: LoginAttemptEdge[];

  @Field(() => PageInfoType, { description: "Whether more attempts follow, and the cursor to ask for them." })
  pageInfo!: PageInfoType;
}
