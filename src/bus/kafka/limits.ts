import kafkajs, { type Admin } from 'kafkajs';

/**
 * How large a record a topic takes, asked of the broker: dead letters are cut to it, because one the
 * broker refuses would hold its partition forever.
 */

// Not among the names Node can see in kafkajs' CommonJS exports: read it from the module object.
const { ConfigResourceTypes } = kafkajs;

/** Kafka's own default for `message.max.bytes`; used only while the broker cannot be asked. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * The largest record `topic` accepts: the topic's `max.message.bytes`, or the broker's
 * `message.max.bytes` when the topic does not exist yet (it will be created with the broker's default).
 */
export async function readMaxMessageBytes(admin: Admin, topic: string): Promise<number> {
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = configValue(described.resources, 'max.message.bytes');
    if (value !== undefined) return value;
  } catch {
    // An unknown topic is an error here; the broker's setting is what it will be created with.
  }
  const { brokers } = await admin.describeCluster();
  const broker = brokers[0];
  if (!broker) throw new Error('the cluster reported no brokers');
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [
      { type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configNames: ['message.max.bytes'] },
    ],
  });
  const value = configValue(described.resources, 'message.max.bytes');
  if (value === undefined) throw new Error(`broker ${broker.nodeId} did not report message.max.bytes`);
  return value;
}

function configValue(
  resources: { errorCode: number; configEntries: { configName: string; configValue: string }[] }[],
  name: string,
): number | undefined {
  for (const resource of resources) {
    if (resource.errorCode !== 0) continue;
    const entry = resource.configEntries.find((e) => e.configName === name);
    const n = Number(entry?.configValue);
    if (entry && Number.isInteger(n) && n > 0) return n;
  }
  return undefined;
}
