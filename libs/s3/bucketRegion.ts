import type { IncomingHttpHeaders } from 'node:http';
import { parseEndpoint, type S3Endpoint } from './endpoint.js';
import type { ErrorFields } from './responseDocuments.js';

/** What the server answered that named a bucket's real region. */
export type RegionEvidence = 'x-amz-bucket-region' | 'AuthorizationHeaderMalformed' | 'PermanentRedirect';

export interface RegionAnswer {
  region: string;
  reason: RegionEvidence;
}

/** A bucket found in another region than its endpoint's. */
export interface RegionCorrection extends RegionAnswer {
  bucket: string;
  /** The endpoint's configured region, that requests were signed for until then. */
  configured: string;
}

/** Statuses S3 answers a request signed for the wrong region with (AWS: 301 or 400; some 403 with the header). */
const WRONG_REGION_STATUSES = new Set([301, 307, 400, 403]);

/**
 * The region an error answer names for the bucket, as botocore and the SDK read it: the
 * x-amz-bucket-region header, else the <Region> of an AuthorizationHeaderMalformed document
 * (or the region its message expects). undefined for any other answer.
 */
export function regionFromAnswer(status: number, headers: IncomingHttpHeaders, error: ErrorFields): RegionAnswer | undefined {
  if (!WRONG_REGION_STATUSES.has(status)) return undefined;
  const code = error.code;
  const named = headerValue(headers['x-amz-bucket-region']) ?? (code === 'AuthorizationHeaderMalformed' ? regionInDocument(error) : undefined);
  if (!named || !/^[a-z0-9-]{1,64}$/.test(named)) return undefined;
  const reason: RegionEvidence =
    code === 'AuthorizationHeaderMalformed' ? 'AuthorizationHeaderMalformed' : status === 301 || code === 'PermanentRedirect' ? 'PermanentRedirect' : 'x-amz-bucket-region';
  return { region: named, reason };
}

function regionInDocument(error: ErrorFields): string | undefined {
  return error.region || /expecting '([^']+)'/.exec(error.message ?? '')?.[1];
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** An endpoint's location, whatever its credentials and configured region: a bucket's region is the server's fact. */
function location(e: S3Endpoint): string {
  const p = parseEndpoint(e.endpoint);
  return `${p.protocol}//${p.hostname.toLowerCase()}:${p.port}${p.basePath}`;
}

/**
 * The regions servers named for buckets, per endpoint location and bucket, for the life of the
 * process: each bucket is corrected once, then every request to it (Ferry's client and the
 * SDK's) is signed for its region. Listeners hear of each correction (the services record it
 * in the job's events).
 */
export class BucketRegions {
  private readonly regions = new Map<string, RegionAnswer>();
  private readonly listeners = new Set<(c: RegionCorrection & { location: string }) => void>();
  /** Bumped by every correction, so a client's per-bucket cache knows to look again. */
  generation = 0;

  /** The region to sign a request to this bucket for. */
  regionOf(e: S3Endpoint, bucket: string): string {
    return this.regions.get(`${location(e)}\0${bucket}`)?.region ?? e.region;
  }

  /** The correction of this bucket's region from the endpoint's, if a server answered one. */
  correctionOf(e: S3Endpoint, bucket: string): RegionCorrection | undefined {
    const answer = this.regions.get(`${location(e)}\0${bucket}`);
    return answer && answer.region !== e.region ? { ...answer, bucket, configured: e.region } : undefined;
  }

  /** Records the region a server named for the bucket; listeners hear of it unless it was known. */
  correct(e: S3Endpoint, bucket: string, answer: RegionAnswer): void {
    const where = location(e);
    const key = `${where}\0${bucket}`;
    if (this.regions.get(key)?.region === answer.region) return;
    this.regions.set(key, answer);
    this.generation++;
    for (const listener of this.listeners) listener({ ...answer, bucket, configured: e.region, location: where });
  }

  /**
   * Calls `onCorrected` for each watched bucket whose region differs from its endpoint's: at once
   * for a correction already known, later for each new one. Returns the function that stops it.
   */
  watch<T>(buckets: ReadonlyArray<{ endpoint: S3Endpoint; bucket: string; label: T }>, onCorrected: (label: T, c: RegionCorrection) => void): () => void {
    const watched = buckets.map((b) => ({ ...b, location: location(b.endpoint) }));
    for (const b of watched) {
      const known = this.correctionOf(b.endpoint, b.bucket);
      if (known) onCorrected(b.label, known);
    }
    const listener = (c: RegionCorrection & { location: string }) => {
      for (const b of watched) {
        if (b.location !== c.location || b.bucket !== c.bucket || c.region === b.endpoint.region) continue;
        onCorrected(b.label, { region: c.region, reason: c.reason, bucket: c.bucket, configured: b.endpoint.region });
      }
    };
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Forgets every correction (tests). */
  clear(): void {
    this.regions.clear();
    this.generation++;
  }
}

export const bucketRegions = new BucketRegions();
