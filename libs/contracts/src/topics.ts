import { isUUID } from 'class-validator';

/**
 * The single registry of Kafka topics. Names carry a version: a breaking change to an
 * event's shape gets a new topic (`.v2`) so old and new consumers can run side by side.
 * Partition counts are explicit because the broker never auto-creates topics.
 */
export const Topics = {
  /** Chunks of input points, gateway → geocoder. Keyed per chunk so one job spreads over every partition. */
  rows: { name: 'geobatch.rows.v2', partitions: 6 },
  /** Geocoded chunks, geocoder → report-merger. Keyed per chunk, like the rows they answer. */
  results: { name: 'geobatch.results.v2', partitions: 3 },
  /** Job lifecycle (sealed, cancelled), gateway → report-merger. Keyed by job so events of one job stay ordered. */
  jobs: { name: 'geobatch.jobs.v1', partitions: 3 },
  /** Messages that failed repeatedly or could not be decoded, with the error. */
  deadLetter: { name: 'geobatch.dead-letter.v1', partitions: 1 },
  /**
   * Synchronous lookups (`POST /geocode`), gateway → geocoder: `GeocodeRequestV1`, sent with Nest's
   * request-response (`ClientKafka.send`), so each message carries its correlation id and reply topic.
   */
  geocode: { name: 'geobatch.geocode.v1', partitions: 3 },
  /**
   * Replies to `geocode` (`GeocodeReplyV1`), geocoder → the requesting gateway. The name is Nest's
   * convention (`<request topic>.reply`); each gateway instance reads the replies of the partitions it
   * is assigned in its group, so keep at least as many partitions as gateway instances.
   */
  geocodeReply: { name: 'geobatch.geocode.v1.reply', partitions: 3 },
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics]['name'];

export const ALL_TOPICS = Object.values(Topics);

/** Consumer group ids. Nest's Kafka transport appends `-server` to them. */
export const ConsumerGroups = {
  geocoder: 'geobatch-geocoder',
  reportMerger: 'geobatch-report-merger',
  /** The gateway's `ClientKafka` for `/geocode` replies (Nest appends `-client`); every gateway instance shares it. */
  geocodeReplies: 'geobatch-gateway-geocode',
} as const;

/** Stable message key of one chunk: replays of the same chunk are recognised by it downstream. */
export function chunkKey(jobId: string, sheet: number, chunk: number): string {
  return `${jobId}:${sheet}:${chunk}`;
}

/** The chunk a `chunkKey` names; null for any other key (a dead letter's, or a damaged one). */
export function parseChunkKey(key: string | null | undefined): { jobId: string; sheet: number; chunk: number } | null {
  const [jobId, sheet, chunk, ...rest] = (key ?? '').split(':');
  if (rest.length > 0 || !isUUID(jobId ?? '') || !/^\d{1,9}$/.test(sheet ?? '') || !/^\d{1,9}$/.test(chunk ?? '')) return null;
  return { jobId, sheet: Number(sheet), chunk: Number(chunk) };
}
