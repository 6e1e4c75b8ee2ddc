import type { KV as KeyValue, NatsConnection } from 'nats';
import { decodePageToken, pageAfter, pageSizeOf, type JobStatus } from '../domain/index.js';
import { KV, decodeJson, encodeJson, jobToken } from '../nats/index.js';

export const NOTIFICATIONS_BUCKET = KV.notifications;

export interface NotificationRecord {
  webhook_id: string;
  job_id: string;
  run: number;
  event: JobStatus;
  url: string;
  /** Stream sequence of the event that caused it. */
  seq: number;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status_code?: number;
  last_error?: string;
  first_attempt_at: string;
  last_attempt_at: string;
  next_attempt_at?: string;
  /** The exact JSON sent, so a redelivery after a restart sends the same bytes. Not shown by the API. */
  body?: string;
}

/** The webhook id is stable per event, so a redelivered notification carries the same id. */
export function webhookId(jobId: string, seq: number): string {
  return `${jobToken(jobId)}_${seq}`;
}

// Zero-padded so keys sort in event order.
const recordKey = (jobId: string, seq: number) => `${jobToken(jobId)}.${String(seq).padStart(15, '0')}`;

/** Delivery records in their own KV bucket (`<token>.<seq>`), kept out of the event log the projector folds. */
export class NotificationLog {
  private constructor(private readonly kv: KeyValue) {}

  static async open(nc: NatsConnection, replicas = 1): Promise<NotificationLog> {
    return new NotificationLog(await nc.jetstream().views.kv(NOTIFICATIONS_BUCKET, { history: 1, replicas }));
  }

  async get(jobId: string, seq: number): Promise<NotificationRecord | undefined> {
    const entry = await this.kv.get(recordKey(jobId, seq));
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    return decodeJson<NotificationRecord>(entry.value);
  }

  async put(record: NotificationRecord): Promise<void> {
    await this.kv.put(recordKey(record.job_id, record.seq), encodeJson(record));
  }

  async list(jobId: string, pageSize: number, pageToken: string): Promise<{ notifications: NotificationRecord[]; next_page_token: string }> {
    const size = pageSizeOf(pageSize);
    const after = decodePageToken(pageToken, (key) => /^[A-Za-z0-9_-]+\.\d{15}$/.test(key));
    const keys: string[] = [];
    for await (const key of await this.kv.keys(`${jobToken(jobId)}.*`)) if (key > after) keys.push(key);
    keys.sort();
    const { items: page, next_page_token } = pageAfter(keys, size, (key) => key);
    const notifications: NotificationRecord[] = [];
    for (const key of page) {
      const entry = await this.kv.get(key);
      if (entry && entry.operation === 'PUT' && entry.length > 0) notifications.push(decodeJson<NotificationRecord>(entry.value));
    }
    return { notifications, next_page_token };
  }
}
