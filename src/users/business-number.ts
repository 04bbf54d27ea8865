/**
 * Korean business registration numbers (사업자등록번호): ten digits, shown as 123-45-67890, whose
 * last digit is a check digit over the first nine.
 */
const WEIGHTS = [1, 3, 7, 1, 3, 7, 1, 3, 5] as const;

/** Returns the number in its `123-45-67890` form, or `undefined` when it is not a valid one. */
export function normalizeBusinessNumber(input: string): string | undefined {
  const trimmed = input.trim();
  if (!/^\d{3}-?\d{2}-?\d{5}$/.test(trimmed)) return undefined;
  const digits = trimmed.replace(/-/g, "").split("").map(Number);
  let sum = 0;
  WEIGHTS.forEach((weight, i) => {
    sum += digits[i]! * weight;
  });
  sum += Math.floor((digits[8]! * 5) / 10);
  const check = (10 - (sum % 10)) % 10;
  if (check !== digits[9]) return undefined;
  const d = digits.join("");
  return `${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5)}`;
}
