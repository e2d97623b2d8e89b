import { beforeAll, describe, expect, it } from 'vitest';
import { SIGNALS } from '../../src/bus/signals.js';
import { generatedSchema, producerPython, producerVersions } from '../peers/openedx-producer/index.js';

/** schemas/*.avsc must be exactly what the pinned openedx-events release generates for each signal. */
describe('schemas/ against openedx-events’ own schema generator', () => {
  beforeAll(async () => {
    await producerPython();
  });

  it('is checked against the openedx-events release the producer peer pins', async () => {
    expect((await producerVersions())['openedx-events']).toBe('11.2.0');
  });

  it.each(SIGNALS.map((s) => [s.signalName, s] as const))(
    '%s matches AvroSignalSerializer(signal).schema',
    async (_name, signal) => {
      expect(signal.schema).toEqual(await generatedSchema(signal.signalName));
    },
  );

  it('finds the same schema by event type as by signal name', async () => {
    const signal = SIGNALS[0]!;
    expect(await generatedSchema(signal.eventType)).toEqual(await generatedSchema(signal.signalName));
  });
});
