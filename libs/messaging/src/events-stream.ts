import { EVENTS_SUBJECT_FILTER } from '@portcullis/contracts';
import { DiscardPolicy, type JetStreamManager, nanos, NatsError, RetentionPolicy, StorageType } from 'nats';

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

const apiErrorCode = (error: unknown): number | undefined =>
  error instanceof NatsError ? error.api_error?.err_code : undefined;

/**
 * Creates the events stream, or brings its retention in line; safe to run from every replica at once (a replica
 * that loses the creation race finds the stream there and goes on). It never re-points an existing stream at
 * other subjects: that would silently take events away from whoever else uses it.
 */
export async function ensureEventsStream(
  jsm: JetStreamManager,
  name: string,
  prefix: string,
  maxAgeHours: number,
): Promise<void> {
  const config = {
    name,
    subjects: [`${prefix}${EVENTS_SUBJECT_FILTER}`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(maxAgeHours * 3_600_000),
    // Publishers set Nats-Msg-Id to the event id, so a retried publish inside this window is stored once.
    duplicate_window: nanos(120_000),
  };
  try {
    const info = await jsm.streams.info(name);
    if (info.config.subjects?.join(',') !== config.subjects.join(',')) {
      throw new Error(
        `stream ${name} holds ${info.config.subjects?.join(',')} but this service publishes ${config.subjects.join(',')}; ` +
          'give it its own EVENTS_STREAM',
      );
    }
    if (info.config.max_age !== config.max_age)
      await jsm.streams.update(name, { ...info.config, max_age: config.max_age });
  } catch (error) {
    if (apiErrorCode(error) !== STREAM_NOT_FOUND) throw error;
    try {
      await jsm.streams.add(config);
    } catch (addError) {
      if (apiErrorCode(addError) !== STREAM_NAME_IN_USE) throw addError;
    }
  }
}
