import type { KafkaHeaders } from './headers.js';

/**
 * What a transport received, before it is decoded: one shape per transport, shared by decoding,
 * dead-lettering and the transport itself, so that none of them restates it.
 */

/** A Kafka message with where it came from. */
export interface ReceivedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** As kafkajs delivers them; a message read back from a dead letter may carry none. */
  headers?: KafkaHeaders;
  /** Broker or producer timestamp, epoch milliseconds as a string; the event time when ce_time is missing. */
  timestamp?: string;
}

/** One Redis stream entry; field values stay Buffers because `event_data` is raw Avro. */
export interface RedisStreamEntry {
  stream: string;
  id: string;
  /** In stream order. */
  fields: Map<string, Buffer>;
}
