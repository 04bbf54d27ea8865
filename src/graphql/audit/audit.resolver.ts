import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import type { GraphQLContext } from "../context";
import { UserType } from "../users/user.type";
import type { AuditLogService } from "../../audit/audit.service";
import { AuditEntryConnection, AuditEntryType, AuditFilter } from "./audit.types";

@Resolver(() => AuditEntryType)
export class AuditResolver {
  constructor(private readonly audit: AuditLogService) {}

  @Query(() => AuditEntryConnection, {
    description: "The audit log, newest first, a page at a time (`first` at most 100). ADMIN.",
  })
  auditLog(
    @Arg("filter", () => AuditFilter, { nullable: true, description: "Conditions every entry meets." })
    filter: AuditFilter | undefined,
    @Arg("first", () => Int, { defaultValue: 50, description: "Page size, 1 to 100." }) first: number,
    @Arg("after", () => String, { nullable: true, description: "`pageInfo.endCursor` of the previous page." })
    after: string | undefined,
  ) {
    return this.audit.page(filter ?? {}, first, after);
  }

  @FieldResolver(() => UserType, { nullable: true, description: "Who did it; null for the system." })
  actor(@Root() entry: AuditEntryType, @Ctx() ctx: GraphQLContext) {
    return entry.actorId ? ctx.loaders.users.load(entry.actorId) : null;
  }

  @FieldResolver(() => UserType, {
    nullable: true,
    description: "The user it was done to (anonymised if erased since).",
  })
  target(@Root() entry: AuditEntryType, @Ctx() ctx: GraphQLContext) {
    return entry.targetId ? ctx.loaders.users.load(entry.targetId) : null;
  }
}
