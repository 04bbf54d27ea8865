import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** How the fake registry answers one number. */
export type RegistryBehaviour =
  | { kind: "status"; code: "01" | "02" | "03" | "" }
  | { kind: "error"; status: number }
  | { kind: "slow"; ms: number }
  | { kind: "garbage" };

export interface RegistryCall {
  path: string;
  serviceKey: string | null;
  body: unknown;
}

/**
 * A local HTTP server that plays the national business registry's status API
 * (POST /status?serviceKey=… with {"b_no": [...]}), with per-number behaviour and failures.
 */
export async function startFakeRegistry() {
  const calls: RegistryCall[] = [];
  const behaviour = new Map<string, RegistryBehaviour>();
  let fallback: RegistryBehaviour = { kind: "status", code: "01" };

  const answer = (res: ServerResponse, b_no: string, b: RegistryBehaviour) => {
    if (b.kind === "error") {
      res.writeHead(b.status, { "content-type": "application/json" });
      return res.end(JSON.stringify({ status_code: "INTERNAL_ERROR" }));
    }
    if (b.kind === "garbage") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ status_code: "OK", data: [] }));
    }
    if (b.kind !== "status") return;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        request_cnt: 1,
        match_cnt: b.code === "" ? 0 : 1,
        status_code: "OK",
        data: [
          {
            b_no,
            b_stt: { "01": "계속사업자", "02": "휴업자", "03": "폐업자", "": "" }[b.code],
            b_stt_cd: b.code,
            tax_type:
              b.code === "" ? "국세청에 등록되지 않은 사업자등록번호입니다." : "부가가치세 일반과세자",
            tax_type_cd: b.code === "" ? "" : "01",
            end_dt: "",
            utcc_yn: "N",
            tax_type_change_dt: "",
            invoice_apply_dt: "",
          },
        ],
      }),
    );
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const url = new URL(req.url ?? "/", "http://registry");
    const body = JSON.parse(raw || "null") as { b_no?: string[] } | null;
    calls.push({ path: url.pathname, serviceKey: url.searchParams.get("serviceKey"), body });
    const b_no = body?.b_no?.[0] ?? "";
    const b = behaviour.get(b_no) ?? fallback;
    if (b.kind === "slow") {
      const timer = setTimeout(() => answer(res, b_no, { kind: "status", code: "01" }), b.ms);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    answer(res, b_no, b);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/api/nts-businessman/v1/status`,
    calls,
    /** How the registry answers `businessNumber` (digits or dashes) from now on. */
    set(businessNumber: string, b: RegistryBehaviour) {
      behaviour.set(businessNumber.replace(/\D/g, ""), b);
    },
    /** How it answers numbers without their own behaviour. */
    setDefault(b: RegistryBehaviour) {
      fallback = b;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export type FakeRegistry = Awaited<ReturnType<typeof startFakeRegistry>>;

/** A valid business registration number (check digit right) from nine random digits. */
export function randomBusinessNumber(): string {
  const weights = [1, 3, 7, 1, 3, 7, 1, 3, 5];
  const digits = Array.from({ length: 9 }, () => Math.floor(Math.random() * 10));
  let sum = digits.reduce((acc, d, i) => acc + d * weights[i]!, 0);
  sum += Math.floor((digits[8]! * 5) / 10);
  const d = [...digits, (10 - (sum % 10)) % 10].join("");
  return `${d.slice(0, 3)}-${d.slice(3, 5)}-${d.slice(5)}`;
}

/** The same number with its check digit made wrong. */
export function withWrongCheckDigit(businessNumber: string): string {
  const last = Number(businessNumber.at(-1));
  return businessNumber.slice(0, -1) + String((last + 1) % 10);
}
