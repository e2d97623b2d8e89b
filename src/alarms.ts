/**
 * Conditions under which course-sink keeps running but cannot make progress until an operator acts: a
 * dead letter the broker refuses, credentials a store rejects. Each layer raises its own alarm under a
 * key of its own and clears it once the condition is gone; /readyz reports every active alarm, so a
 * stuck pipeline is never silent.
 */
export interface Alarm {
  key: string;
  message: string;
  since: Date;
}

export class Alarms {
  private readonly active = new Map<string, Alarm>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Raises (or updates the message of) the alarm `key`; it keeps the time it was first raised. */
  raise(key: string, message: string): void {
    const since = this.active.get(key)?.since ?? this.now();
    this.active.set(key, { key, message, since });
  }

  clear(key: string): void {
    this.active.delete(key);
  }

  list(): Alarm[] {
    return [...this.active.values()];
  }
}
