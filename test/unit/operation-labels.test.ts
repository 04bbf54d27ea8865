import { OperationLabels } from "../../src/observability/metrics";

describe("OperationLabels", () => {
  it("keeps well-formed names up to the limit, then counts newcomers as other", () => {
    const labels = new OperationLabels(2);
    expect(labels.label("Login")).toBe("Login");
    expect(labels.label("Me")).toBe("Me");
    expect(labels.label("Register")).toBe("other");
    expect(labels.label("Login")).toBe("Login");
  });

  it("never lets odd text through as a label value", () => {
    const labels = new OperationLabels(10);
    expect(labels.label(undefined)).toBe("anonymous");
    expect(labels.label(null)).toBe("anonymous");
    expect(labels.label('x"} 1\nfake_metric{a="')).toBe("other");
    expect(labels.label("a".repeat(65))).toBe("other");
  });
});
