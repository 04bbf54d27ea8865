import { GraphQLDateTime } from "graphql-scalars";
import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { RegisterInput } from "../auth/auth.types";
import { Role } from "../enums";
import { PageInfoType } from "../paging";
import type { SortDirection, UserOrderField } from "../../users/user-admin.repository";
import { UserType } from "../users/user.type";

export const UserOrderFieldEnum = { CREATED_AT: "CREATED_AT", EMAIL: "EMAIL", NAME: "NAME" } as const;
registerEnumType(UserOrderFieldEnum, {
  name: "UserOrderField",
  description: "What the user list is sorted by (ties broken by id).",
  valuesConfig: {
    CREATED_AT: { description: "Registration time." },
    EMAIL: { description: "Email address, alphabetically." },
    NAME: { description: "Name, alphabetically." },
  },
});

export const OrderDirectionEnum = { ASC: "ASC", DESC: "DESC" } as const;
registerEnumType(OrderDirectionEnum, {
  name: "OrderDirection",
  description: "Ascending or descending.",
  valuesConfig: {
    ASC: { description: "Smallest (oldest, A) first." },
    DESC: { description: "Largest (newest, Z) first." },
  },
});

@InputType({ description: "Sort order of `users`. Default: newest first." })
export class UserOrder {
  @Field(() => UserOrderFieldEnum, { defaultValue: "CREATED_AT", description: "The sort key." })
  field!: UserOrderField;

  @Field(() => OrderDirectionEnum, { defaultValue: "DESC", description: "ASC: smallest first." })
  direction!: SortDirection;
}

@InputType({
  description: "Narrows `users`; every given condition must hold. Erased accounts are never listed.",
})
export class UserFilter {
  @Field(() => Role, { nullable: true, description: "Users with this role only." })
  role?: Role | null;

  @Field(() => Boolean, { nullable: true, description: "false: disabled accounts only." })
  isActive?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "false: unverified email addresses only." })
  isVerified?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description: "Text found anywhere in the email or the name, without regard to case.",
  })
  search?: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: "Created at or after this time." })
  createdAfter?: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: "Created before this time." })
  createdBefore?: Date | null;
}

@ObjectType("UserEdge", { description: "A user and its place in the list." })
export class UserEdge {
  @Field(() => String, { description: "Pass as `after` to continue after this user." })
  cursor!: string;

  @Field(() => UserType, { description: "The user." })
  node!: UserType;
}

@ObjectType("UserConnection", { description: "A page of users." })
export class UserConnection {
  @Field(() => [UserEdge], { description: "The users of this page." })
  edges!: UserEdge[];

  @Field(() => PageInfoType, { description: "Whether more users follow, and the cursor to ask for them." })
  pageInfo!: PageInfoType;

  @Field(() => Int, { description: "Users matching the filter, on all pages." })
  totalCount!: number;
}

@InputType({
  description: "A new account made by an ADMIN. Same rules as register; the password must meet the policy.",
})
export class AdminCreateUserInput extends RegisterInput {
  @Field(() => Role, { defaultValue: "USER", description: "The account's role." })
  role!: Role;

  @Field(() => Boolean, { defaultValue: false, description: "Mark the email address as verified." })
  isVerified!: boolean;
}
