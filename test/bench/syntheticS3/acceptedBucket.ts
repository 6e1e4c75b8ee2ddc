import { compareKeys } from '../../../libs/selection/keyOrder.js';
import type { StoredChecksum } from './checksums.js';

export interface AcceptedObject {
  size: number;
  md5: string;
  /** Epoch ms of the PUT or multipart completion. */
  modified: number;
  /** The additional checksum the write carried (and the endpoint verified), as S3 stores it. */
  checksum?: StoredChecksum;
}

/**
 * What was written to a bucket: bodies are hashed and dropped; per-key records are
 * kept only when asked for, otherwise just a count.
 */
export class AcceptedBucket {
  readonly objects = new Map<string, AcceptedObject>();
  count = 0;
  private sorted: string[] | undefined;

  constructor(private readonly record: boolean) {}

  put(key: string, object: AcceptedObject): void {
    this.count++;
    if (!this.record) return;
    if (!this.objects.has(key)) this.sorted = undefined;
    this.objects.set(key, object);
  }

  delete(key: string): void {
    if (this.objects.delete(key)) this.sorted = undefined;
  }

  /** Recorded keys in S3 listing order; rebuilt only after a new key or a delete. */
  sortedKeys(): string[] {
    this.sorted ??= [...this.objects.keys()].sort(compareKeys);
    return this.sorted;
  }
}
