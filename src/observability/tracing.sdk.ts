// Loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set (see tracing.ts), before any instrumented
// library: the instrumentations patch http, ioredis and kafkajs as they are first required.
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { KafkaJsInstrumentation } from "@opentelemetry/instrumentation-kafkajs";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { PrismaInstrumentation } from "@prisma/instrumentation";

/** Paths polled by probes and scrapers: no spans for them. */
const UNTRACED_PATHS = /^\/(health\/|metrics)/;

/**
 * Registers the OpenTelemetry SDK globally: W3C trace context in and out, spans batched to
 * `<endpoint>/v1/traces` (OTLP over HTTP, JSON), and the instrumentations for the incoming HTTP
 * request, Prisma, ioredis and kafkajs. Returns the function that flushes and stops it.
 */
export function startTracingSdk(options: {
  endpoint: string;
  serviceName: string;
  sampleRatio: number;
}): () => Promise<void> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({
          url: `${options.endpoint.replace(/\/+$/, "")}/v1/traces`,
        }),
      }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? ""),
        // The exporter's own requests, and any other outgoing HTTP: not ours to trace here.
        ignoreOutgoingRequestHook: () => true,
      }),
      new PrismaInstrumentation(),
      // Command names only: arguments hold session ids and cached profiles.
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
      new KafkaJsInstrumentation(),
    ],
  });
  return async () => {
    await provider.shutdown();
  };
}
