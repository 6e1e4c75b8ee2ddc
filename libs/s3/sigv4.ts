import { createHash, createHmac } from 'node:crypto';
import { encodeSegment } from './uri.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** Headers a proxy may add, drop or rewrite: never signed (the SDK's signer leaves out the same ones). */
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

function signable(name: string): boolean {
  return !UNSIGNABLE.has(name) && !name.startsWith('proxy-') && !name.startsWith('sec-');
}

const NEEDS_TRIMMING = /[\r\n\t]|  |^ | $/;

function canonicalValue(value: string): string {
  if (!NEEDS_TRIMMING.test(value)) return value;
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

export function canonicalQuery(query: Record<string, string> | undefined): string {
  if (!query) return '';
  const pairs: Array<[string, string]> = [];
  for (const key of Object.keys(query)) {
    if (key.toLowerCase() === 'x-amz-signature') continue;
    const encoded = encodeSegment(key);
    pairs.push([encoded, `${encoded}=${encodeSegment(query[key]!)}`]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map((p) => p[1]).join('&');
}

/**
 * AWS Signature Version 4 for S3 requests, as the SDK's SignatureV4 computes it (a unit
 * test holds the two equal) at a fraction of its cost per request: the signing key is
 * derived once a day instead of after an extra HMAC per request, the date string once a
 * second, and nothing is awaited.
 */
export class SigV4Signer {
  private keyDay = '';
  private key: Buffer = Buffer.alloc(0);
  private scope = '';
  private second = -1;
  private longDate = '';

  constructor(
    private readonly accessKeyId: string,
    private readonly secretAccessKey: string,
    private readonly region: string,
    private readonly service = 's3',
    /** Temporary credentials' token, sent (and signed) as x-amz-security-token. */
    private readonly sessionToken?: string,
  ) {}

  /**
   * Adds x-amz-date and authorization to `headers` (lower-case names, x-amz-content-sha256
   * already set: it is the payload hash that is signed). `path` is already URI-encoded.
   */
  sign(method: string, path: string, query: Record<string, string> | undefined, headers: Record<string, string>, now = Date.now()): void {
    const longDate = this.dateOf(now);
    headers['x-amz-date'] = longDate;
    if (this.sessionToken !== undefined) headers['x-amz-security-token'] = this.sessionToken;
    const names = Object.keys(headers).filter(signable).sort();
    let canonicalHeaders = '';
    for (const name of names) canonicalHeaders += `${name}:${canonicalValue(headers[name]!)}\n`;
    const signedHeaders = names.join(';');
    const canonicalRequest = `${method}\n${path}\n${canonicalQuery(query)}\n${canonicalHeaders}\n${signedHeaders}\n${headers['x-amz-content-sha256']}`;
    const stringToSign = `${ALGORITHM}\n${longDate}\n${this.scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.key).update(stringToSign).digest('hex');
    headers.authorization = `${ALGORITHM} Credential=${this.accessKeyId}/${this.scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  }

  private dateOf(now: number): string {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.longDate = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
      const day = this.longDate.slice(0, 8);
      if (day !== this.keyDay) {
        this.keyDay = day;
        this.scope = `${day}/${this.region}/${this.service}/aws4_request`;
        let key: Buffer | string = `AWS4${this.secretAccessKey}`;
        for (const part of [day, this.region, this.service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
        this.key = key as Buffer;
      }
    }
    return this.longDate;
  }
}
