import { ERROR_CODES, RETIRED_ERROR_CODES } from "../../src/core/errors";
import { MFA_ERROR_CODES } from "../../src/mfa/mfa.errors";

describe("the error-code registry", () => {
  it("never gives a retired number to an error clients can receive", () => {
    const live = new Set<string>([...Object.values(ERROR_CODES), ...Object.values(MFA_ERROR_CODES)]);
    expect(Object.values(RETIRED_ERROR_CODES).filter((number) => live.has(number))).toEqual([]);
    expect(Object.keys(RETIRED_ERROR_CODES).filter((name) => name in ERROR_CODES)).toEqual([]);
  });
});
