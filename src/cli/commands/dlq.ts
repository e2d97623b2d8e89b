/** `dlq list` and `dlq replay`: what an operator needs to see why messages were dead-lettered and send them back. */
import { instantToDate, tryParseInstant } from '../../domain/datetime.js';
import type { Command } from 'commander';
import { createKafka } from '../../bus/kafka/client.js';
import { DEFAULT_BASE_TOPICS } from '../../bus/consumer.js';
import {
  readDeadLetters,
  replayDeadLetters,
  type DeadLetterEntry,
} from '../../bus/kafka/dead-letter-topic.js';
import { deadLetterTopic, fullTopic } from '../../bus/topics.js';
import { ConfigError } from '../../app/config.js';
import { loadRuntime, type Runtime } from '../../app/runtime.js';

interface FilterOptions {
  topic?: string;
  reason?: string;
  since?: string;
  json?: boolean;
}

export function dlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('Inspect and replay messages the consumer dead-lettered');
  withFilters(dlq.command('list').description('List dead letters: where, when, why, and which course'))
    .option('--json', 'one JSON object per line')
    .action(async (opts: FilterOptions) => {
      const runtime = loadRuntime();
      const entries = await collect(runtime, opts);
      for (const entry of entries)
        process.stdout.write(`${opts.json ? JSON.stringify(asJson(entry)) : asLine(entry)}\n`);
      process.stderr.write(`${entries.length} dead letter(s)\n`);
    });
  withFilters(
    dlq
      .command('replay')
      .description(
        'Produce dead letters back to their source topic (after fixing the cause); the sync is idempotent',
      ),
  ).action(async (opts: FilterOptions) => {
    const runtime = loadRuntime();
    const entries = await collect(runtime, opts);
    const letters = entries.flatMap((e) => (e.letter ? [e.letter] : []));
    // A letter that carries only a prefix of its original would be poison again: it is reported, not sent.
    const whole = letters.filter((l) => l.truncatedFrom === undefined);
    for (const l of letters.filter((l) => l.truncatedFrom !== undefined))
      process.stderr.write(
        `not replayed: ${l.original.topic}[${l.original.partition}]@${l.original.offset} was too large for the dead-letter topic (${l.truncatedFrom} bytes); only a prefix was kept\n`,
      );
    const replayed = await replayDeadLetters(kafkaOf(runtime), whole);
    process.stdout.write(`replayed ${replayed} dead letter(s)\n`);
    runtime.logger.info({ replayed }, 'dead letters replayed');
  });
}

function withFilters(command: Command): Command {
  return command
    .option('--topic <topic>', 'only this source topic (default: every topic course-sink consumes)')
    .option('--reason <reason>', 'only dead letters with this reason, e.g. undecodable')
    .option('--since <time>', 'only dead letters written at or after this ISO 8601 time');
}

async function collect(runtime: Runtime, opts: FilterOptions): Promise<DeadLetterEntry[]> {
  const { bus } = runtime.config;
  // As every datetime course-sink reads: ISO 8601, UTC when no zone is given (not this machine's local time).
  const sinceInstant = opts.since ? tryParseInstant(opts.since) : undefined;
  if (opts.since && !sinceInstant) throw new ConfigError([`--since: not an ISO 8601 time: ${opts.since}`]);
  const since = sinceInstant && instantToDate(sinceInstant);
  const sources = opts.topic
    ? [opts.topic]
    : (bus.baseTopics ?? DEFAULT_BASE_TOPICS).map((t) => fullTopic(t, bus.topicPrefix));
  const kafka = kafkaOf(runtime);
  const entries: DeadLetterEntry[] = [];
  for (const source of sources)
    entries.push(...(await readDeadLetters(kafka, deadLetterTopic(source, bus.dlqSuffix))));
  return entries.filter(
    (e) =>
      (!opts.reason || e.letter?.reason === opts.reason) && (!since || (e.letter && e.letter.time >= since)),
  );
}

function kafkaOf(runtime: Runtime) {
  const { bus } = runtime.config;
  if (bus.backend !== 'kafka' || !bus.kafka) {
    throw new ConfigError(['dlq needs the Kafka event bus: set EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS']);
  }
  return createKafka(bus.kafka, runtime.logger, 'course-sink-dlq');
}

function asJson(entry: DeadLetterEntry) {
  const l = entry.letter;
  return {
    dlq: { topic: entry.topic, partition: entry.partition, offset: entry.offset },
    ...(l
      ? {
          source: { topic: l.original.topic, partition: l.original.partition, offset: l.original.offset },
          reason: l.reason,
          error: l.error,
          time: l.time.toISOString(),
          key: l.original.key?.toString('base64') ?? null,
          event_type: header(l.original.headers.ce_type),
          event_id: header(l.original.headers.ce_id),
        }
      : { problem: entry.problem }),
  };
}

function asLine(entry: DeadLetterEntry): string {
  const l = entry.letter;
  const where = `${entry.topic}[${entry.partition}]@${entry.offset}`;
  if (!l) return `${where}  not a course-sink dead letter: ${entry.problem}`;
  const type = header(l.original.headers.ce_type) ?? '?';
  return `${where}  ${l.time.toISOString()}  ${l.reason}  ${type}  from ${l.original.topic}[${l.original.partition}]@${l.original.offset}: ${l.error}`;
}

function header(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}
