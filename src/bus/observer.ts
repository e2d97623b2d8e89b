/** What the transports report as messages flow, for metrics; every method is cheap and must not throw. */
export interface BusObserver {
  eventConsumed(eventType: string): void;
  decodeFailed(reason: string): void;
  deadLettered(reason: string): void;
}
