import { Field, InputType } from "type-graphql";

@InputType({
  description:
    "Profile fields to change. Omitted fields stay as they are; null or an empty string clears an optional field.",
})
export class UpdateProfileInput {
  @Field(() => String, { nullable: true, description: "2 to 100 characters." })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Digits with optional +, spaces, dashes and brackets.",
  })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: "Kind of business the user runs." })
  businessType?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "10 digits, with or without dashes; checked by its check digit.",
  })
  businessNumber?: string | null;

  @Field(() => String, { nullable: true, description: "Industry." })
  industry?: string | null;

  @Field(() => String, { nullable: true, description: "Region." })
  region?: string | null;
}
