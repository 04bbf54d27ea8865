import { context, SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";
import type { Config } from "../config";

/**
 * The gateway's view of tracing: spans around work, through @opentelemetry/api. Without
 * OTEL_EXPORTER_OTLP_ENDPOINT the SDK is never loaded and `noTracing` is used, so tracing costs
 * nothing; with it, tracing.sdk.ts starts the SDK before any instrumented library is loaded.
 */

export interface SpanHandle {
  setName(name: string): void;
  setAttributes(attributes: Attributes): void;
  /** Marks the span failed (the error's text is not recorded: it may hold user input). */
  fail(kind: string): void;
  end(): void;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Runs `work` in a child span of the active one; the span ends when `work` settles. */
  span<T>(name: string, work: () => Promise<T>, attributes?: Attributes): Promise<T>;
  /** Starts a span, active for everything `run` starts; the caller ends it. */
  startActive<T>(name: string, run: (span: SpanHandle) => T, attributes?: Attributes): T;
  /** The active trace id, for log lines. */
  traceId(): string | undefined;
  /** Exports what is buffered and stops (last step of shutdown). */
  shutdown(): Promise<void>;
}

const noSpan: SpanHandle = {
  setName: () => undefined,
  setAttributes: () => undefined,
  fail: () => undefined,
  end: () => undefined,
};

export const noTracing: Tracing = {
  enabled: false,
  span: (_name, work) => work(),
  startActive: (_name, run) => run(noSpan),
  traceId: () => undefined,
  shutdown: async () => undefined,
};

const TRACER = "aegis-identity-gateway";

function handle(span: Span): SpanHandle {
  return {
    setName: (name) => span.updateName(name),
    setAttributes: (attributes) => span.setAttributes(attributes),
    fail: (kind) => span.setStatus({ code: SpanStatusCode.ERROR, message: kind }),
    end: () => span.end(),
  };
}

/** Tracing through the globally registered SDK (see tracing.sdk.ts). */
export function apiTracing(shutdown: () => Promise<void>): Tracing {
  const tracer = trace.getTracer(TRACER);
  return {
    enabled: true,
    span(name, work, attributes) {
      return tracer.startActiveSpan(name, { attributes }, async (span) => {
        try {
          return await work();
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name });
          throw error;
        } finally {
          span.end();
        }
      });
    },
    startActive(name, run, attributes) {
      const span = tracer.startSpan(name, { attributes });
      return context.with(trace.setSpan(context.active(), span), () => run(handle(span)));
    },
    traceId: () => trace.getActiveSpan()?.spanContext().traceId,
    shutdown,
  };
}

/**
 * Starts tracing when an endpoint is configured. Call before loading anything instrumented
 * (http, express, ioredis, Prisma, kafkajs): main.ts imports those only afterwards.
 */
export async function startTracing(config: Config["tracing"]): Promise<Tracing> {
  if (!config.endpoint) return noTracing;
  const { startTracingSdk } = await import("./tracing.sdk");
  return apiTracing(startTracingSdk({ ...config, endpoint: config.endpoint }));
}
