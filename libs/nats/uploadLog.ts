import type { JetStreamManager, KV as KeyValue, NatsConnection } from 'nats';
import type { NewUpload, RecordedPart, ResumeNote, S3Error, UploadRecord, UploadTracker } from '../s3/index.js';
import { UploadTakenOver } from '../s3/index.js';
import { decodeJson, encodeJson } from './codec.js';
import { isWrongLastSequence } from './errors.js';
import { KV, jobToken } from './subjects.js';

/** A recorded upload, with the KV key it is kept under and the revision read. */
export interface RecordedUpload {
  key: string;
  revision: number;
  record: UploadRecord;
}

/** What the copier decides and hears of for one object's record (RunWorker fills it in). */
export interface TrackerHooks {
  keeps(err: S3Error): boolean;
  resumed(note: ResumeNote): void;
  restarted(uploadId: string, reason: string): void;
  /** The copy failed for good and aborted its upload (`code`: its error). */
  aborted(uploadId: string, code: string): void;
  /** A write of the record that failed for another reason than a takeover (the copy goes on; ListParts covers the lag). */
  writeFailed(err: unknown): void;
}

/** The KV key of one object's upload record: `<job token>.<run>.<ordinal>`. */
export const uploadKey = (jobId: string, run: number, ordinal: number): string => `${jobToken(jobId)}.${run}.${ordinal}`;

/** The job token and run a record's key names. */
export function uploadKeyParts(key: string): { token: string; run: number } | undefined {
  const m = /^([A-Za-z0-9_-]+)\.(\d+)\.(\d+)$/.exec(key);
  return m ? { token: m[1]!, run: Number(m[2]) } : undefined;
}

/**
 * Ferry's multipart uploads in progress, in the `ferry_uploads` KV bucket (a stream, like every other fact):
 * one key per object being copied in parts, written only by copiers and only with the revision last read,
 * so an object's record has one owner at a time. A finished record is deleted and its subject purged, so
 * the bucket holds only uploads in progress, or left behind by a copier that died.
 */
export class UploadLog {
  private constructor(
    private readonly kv: KeyValue,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(nc: NatsConnection): Promise<UploadLog> {
    return new UploadLog(await nc.jetstream().views.kv(KV.uploads), await nc.jetstreamManager());
  }

  /** A tracker of one object's record for one copy attempt (`owner` names the attempt). */
  tracker(key: string, owner: string, hooks: TrackerHooks): UploadTracker {
    return new KvUploadTracker(this, key, owner, hooks);
  }

  async get(key: string): Promise<RecordedUpload | undefined> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    return { key, revision: entry.revision, record: decodeJson<UploadRecord>(entry.value) };
  }

  create(key: string, record: UploadRecord): Promise<number> {
    return this.kv.create(key, encodeJson(record));
  }

  update(key: string, record: UploadRecord, revision: number): Promise<number> {
    return this.kv.update(key, encodeJson(record), revision);
  }

  /**
   * Removes a record, if it is still at `revision` (a record another copy took over stays): a delete
   * checked against the revision, then a purge of the key's subject, so not even its marker is kept.
   * Answers false when the record had moved on.
   */
  async remove(key: string, revision: number): Promise<boolean> {
    try {
      await this.kv.delete(key, { previousSeq: revision });
    } catch (err) {
      if (isWrongLastSequence(err)) return false;
      throw err;
    }
    await this.jsm.streams.purge(`KV_${KV.uploads}`, { filter: `$KV.${KV.uploads}.${key}` });
    return true;
  }

  /**
   * Every record, or those of one job run. Read from the stream's subject map, not kv.keys() (which on
   * nats-server 2.9.10 can end early; see ReadModel.all).
   */
  async list(jobId?: string, run?: number): Promise<RecordedUpload[]> {
    const prefix = `$KV.${KV.uploads}.`;
    const filter = jobId === undefined ? `${prefix}>` : `${prefix}${jobToken(jobId)}.${run ?? '*'}.*`;
    const info = await this.jsm.streams.info(`KV_${KV.uploads}`, { subjects_filter: filter });
    const found: RecordedUpload[] = [];
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const upload = await this.get(subject.slice(prefix.length));
      if (upload) found.push(upload);
    }
    return found;
  }
}

/**
 * One copy attempt's hold on an object's record. Parts finished while a write is in flight go out
 * together in the next one, so a record is written at most once per part and never by two writers at once.
 */
class KvUploadTracker implements UploadTracker {
  private record: UploadRecord | undefined;
  private revision = 0;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private taken = false;

  constructor(
    private readonly log: UploadLog,
    private readonly key: string,
    private readonly owner: string,
    private readonly hooks: TrackerHooks,
  ) {}

  get lost(): boolean {
    return this.taken;
  }

  async takeOver(): Promise<UploadRecord | undefined> {
    const found = await this.log.get(this.key);
    if (!found) return undefined;
    const record: UploadRecord = { ...found.record, owner: this.owner, updated_at: new Date().toISOString() };
    try {
      this.revision = await this.log.update(this.key, record, found.revision);
    } catch (err) {
      if (isWrongLastSequence(err)) throw new UploadTakenOver(this.key, { cause: err });
      throw err;
    }
    this.record = record;
    return record;
  }

  async begin(upload: NewUpload): Promise<void> {
    const now = new Date().toISOString();
    const record: UploadRecord = { ...upload, parts: [], owner: this.owner, created_at: now, updated_at: now };
    try {
      this.revision = await this.log.create(this.key, record);
    } catch (err) {
      if (isWrongLastSequence(err)) throw new UploadTakenOver(this.key, { cause: err });
      throw err;
    }
    this.record = record;
  }

  partDone(part: RecordedPart): void {
    if (!this.record || this.taken) return;
    this.record.parts.push(part);
    this.dirty = true;
    this.writing ??= this.write();
  }

  private async write(): Promise<void> {
    while (this.dirty && !this.taken && this.record) {
      this.dirty = false;
      this.record.updated_at = new Date().toISOString();
      try {
        this.revision = await this.log.update(this.key, this.record, this.revision);
      } catch (err) {
        if (isWrongLastSequence(err)) {
          this.taken = true;
        } else {
          this.dirty = true;
          this.hooks.writeFailed(err);
        }
        break;
      }
    }
    this.writing = undefined;
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    // A write that failed (not a takeover) is tried once more here: the record should hold what is done.
    if (this.dirty && !this.taken) await (this.writing = this.write());
    if (this.taken) throw new UploadTakenOver(this.key);
  }

  async end(abortedFor?: string): Promise<void> {
    while (this.writing) await this.writing;
    if (!this.record || this.taken) return;
    if (abortedFor !== undefined) this.hooks.aborted(this.record.upload_id, abortedFor);
    try {
      await this.log.remove(this.key, this.revision);
    } catch (err) {
      // Left for the run's end or the start-up sweep, which abort and remove what copies leave behind.
      this.hooks.writeFailed(err);
    }
    this.record = undefined;
  }

  keeps(err: S3Error): boolean {
    return this.hooks.keeps(err);
  }

  resumed(note: ResumeNote): void {
    this.hooks.resumed(note);
  }

  restarted(uploadId: string, reason: string): void {
    this.hooks.restarted(uploadId, reason);
  }
}
