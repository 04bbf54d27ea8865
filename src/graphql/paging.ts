import { Directive, Field, ObjectType } from "type-graphql";
import type { PageInfo } from "../core/paging";

/**
 * `@shareable`: PageInfo is the Relay value type every subgraph with connections defines the same
 * way; without it, composing with any such subgraph fails ("Non-shareable field
 * PageInfo.hasNextPage is resolved from multiple subgraphs").
 */
@Directive("@shareable")
@ObjectType("PageInfo", { description: "Where a page is in its list (Relay cursor connections)." })
export class PageInfoType implements PageInfo {
  @Field(() => Boolean, { description: "True when more rows follow: ask again with `after: endCursor`." })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: "True when this page was asked for with `after`." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the first row of this page." })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Cursor of the last row of this page; pass it as `after`.",
  })
  endCursor!: string | null;
}
