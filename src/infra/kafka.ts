import { Kafka, logLevel, type ISocketFactory, type LogEntry } from "kafkajs";
import type { Config } from "../config";
import type { Logger } from "./logger";

/**
 * kafkajs's own log lines go to our logger. Its ERROR lines are connection and request failures
 * that the relay reports itself, once per failed publish or outage (and in readiness), so here
 * they are debug detail, as are its INFO lines (connects); its warnings stay warnings.
 */
function logCreator(logger: Logger) {
  const kafkaLogger = logger.child({ component: "kafkajs" });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const entry = { namespace, ...extra };
      if (level === logLevel.WARN) kafkaLogger.warn(entry, message);
      else if (level === logLevel.ERROR || level === logLevel.INFO) kafkaLogger.debug(entry, message);
      else kafkaLogger.trace(entry, message);
    };
}

/** Builds a Kafka client of the process's configuration, on the given sockets (kafkajs's own by default). */
export type KafkaFactory = (socketFactory?: ISocketFactory) => Kafka;

/**
 * Makes the process's Kafka clients; `undefined` when no bootstrap servers are configured. A
 * factory rather than one client: the relay builds a fresh client after each failure.
 */
export function createKafka(config: Config["kafka"], logger: Logger): KafkaFactory | undefined {
  const brokers = config.brokers;
  if (!brokers) return undefined;
  return (socketFactory) =>
    new Kafka({
      socketFactory,
      clientId: config.clientId,
      brokers,
      requestTimeout: config.requestTimeoutMs,
      connectionTimeout: Math.min(config.requestTimeoutMs, 3000),
      // The relay retries with its own backoff; kafkajs only smooths over a blip.
      retry: { retries: 1, initialRetryTime: 200, maxRetryTime: config.requestTimeoutMs },
      logLevel: logLevel.INFO,
      logCreator: logCreator(logger),
    });
}
