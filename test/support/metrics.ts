/** Reads /metrics as Prometheus does and picks samples out of the text format. */

export async function scrape(baseUrl: string, token?: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of (text ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    labels[match[1]!] = match[2]!;
  }
  return labels;
}

/**
 * The value of the sample `name` whose labels include `labels`; summed when several match
 * (e.g. every outcome of one operation). Undefined when none does.
 */
export function sample(
  metrics: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  let total: number | undefined;
  for (const line of metrics.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = parseLabels(match[2]);
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) {
      total = (total ?? 0) + Number(match[3]);
    }
  }
  return total;
}
