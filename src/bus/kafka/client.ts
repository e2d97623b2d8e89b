import { Kafka, logLevel } from 'kafkajs';
import type { LogMethods } from '../../log.js';

/**
 * The one place a kafkajs client is configured, for the consumer and the dlq commands alike, so both
 * connect as edx-event-bus-kafka does and kafkajs' own logs go through ours.
 */

export interface KafkaConnectionSettings {
  brokers: string[];
  sasl?: { username: string; password: string };
}

/** A kafkajs client configured as edx-event-bus-kafka configures its own, logging through our logger. */
export function createKafka(
  settings: KafkaConnectionSettings,
  logger?: LogMethods,
  clientId = 'course-sink',
): Kafka {
  // Same security as edx-event-bus-kafka: an API key and secret mean SASL PLAIN over TLS.
  const sasl = settings.sasl;
  return new Kafka({
    clientId,
    brokers: settings.brokers,
    ...(sasl ? { ssl: true, sasl: { mechanism: 'plain' as const, ...sasl } } : {}),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...rest } = log;
        const line = { kafkajs: rest };
        if (level <= logLevel.ERROR) logger?.error(line, message);
        else if (level === logLevel.WARN) logger?.warn(line, message);
        else logger?.debug(line, message);
      },
  });
}
