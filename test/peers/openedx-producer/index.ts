import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the real Open edX event bus producers (produce.py in a venv that setup.sh builds under .stack/),
 * so integration tests decode exactly the bytes Studio would send.
 */

const here = path.dirname(fileURLToPath(import.meta.url));

/** One event to send: the signal's data as Avro-style JSON, e.g. { catalog_info: { course_key: … } }. */
export interface ProducerEvent {
  /** Signal name in openedx_events.content_authoring.signals, or its event type. */
  signal: string;
  /** Base topic (Kafka) or stream (Redis), without EVENT_BUS_TOPIC_PREFIX. */
  topic: string;
  data: Record<string, unknown>;
  /** ISO time with offset; the producer uses now() when absent. */
  time?: string;
  /** UUID; the producer uses uuid1() when absent. */
  id?: string;
  /** Defaults to Studio's event_key_field for the signal. */
  keyField?: string;
}

/** The metadata the producer actually sent, as produce.py reports it. */
export interface ProducedEvent {
  event_type: string;
  id: string;
  time: string;
  minorversion: number;
  source: string;
  sourcehost: string;
  sourcelib: string;
  /** The full topic or stream name, prefix included. */
  topic: string;
}

let python: Promise<string> | undefined;

/** Builds the venv on first use (minutes the very first time, instant after); returns its python. */
export function producerPython(): Promise<string> {
  python ??= run('bash', [path.join(here, 'setup.sh')], '').then((out) => out.trim().split('\n').pop() ?? '');
  return python;
}

/** Sends the events through edx-event-bus-kafka or edx-event-bus-redis and waits until they are flushed. */
export async function produce(
  backend: 'kafka' | 'redis',
  events: ProducerEvent[],
  env: Record<string, string | undefined> = {},
): Promise<ProducedEvent[]> {
  const input = events
    .map((e) =>
      JSON.stringify({
        signal: e.signal,
        topic: e.topic,
        data: e.data,
        time: e.time,
        id: e.id,
        key_field: e.keyField,
      }),
    )
    .join('\n');
  const out = await run(await producerPython(), [path.join(here, 'produce.py'), backend], `${input}\n`, env);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ProducedEvent);
}

/** The Avro schema the installed openedx-events generates for a signal (AvroSignalSerializer.schema). */
export async function generatedSchema(signal: string): Promise<unknown> {
  return JSON.parse(await run(await producerPython(), [path.join(here, 'produce.py'), 'schema', signal], ''));
}

/** Versions of openedx-events, the bus packages, confluent-kafka, fastavro and Django in the venv. */
export async function producerVersions(): Promise<Record<string, string>> {
  return JSON.parse(
    await run(await producerPython(), [path.join(here, 'produce.py'), 'versions'], ''),
  ) as Record<string, string>;
}

function run(
  command: string,
  args: string[],
  stdin: string,
  env: Record<string, string | undefined> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: here,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else
        reject(
          new Error(
            `${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')} exited ${code}:\n${stderr.slice(-4_000)}`,
          ),
        );
    });
    child.stdin.end(stdin);
  });
}
