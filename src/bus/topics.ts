/**
 * Kafka topic and Redis stream names, built the way edx-event-bus-kafka and edx-event-bus-redis build
 * them (get_full_topic), so the operator configures the same base names and prefix as in Open edX.
 */

/** Studio's default topic for COURSE_CATALOG_INFO_CHANGED (cms/envs/common.py). */
export const CATALOG_INFO_TOPIC = 'course-catalog-info-changed';
/** Studio's default topic for XBLOCK_PUBLISHED, XBLOCK_DELETED and XBLOCK_DUPLICATED. */
export const XBLOCK_LIFECYCLE_TOPIC = 'course-authoring-xblock-lifecycle';

/** `{prefix}-{topic}` when EVENT_BUS_TOPIC_PREFIX is set, else the base topic unchanged. */
export function fullTopic(baseTopic: string, prefix?: string): string {
  return prefix ? `${prefix}-${baseTopic}` : baseTopic;
}

/** Where poison messages from `sourceTopic` go, e.g. `dev-course-catalog-info-changed.dlq`. */
export function deadLetterTopic(sourceTopic: string, dlqSuffix: string): string {
  return `${sourceTopic}${dlqSuffix}`;
}
