/**
 * A synthetic S3 endpoint for benchmarks: generated source buckets that cost no storage
 * and a sink that hashes and drops what is written. Path-style, or virtual-hosted-style under
 * `localhost` (`bucket.localhost:port`); signatures are not checked, but a bucket placed in a
 * region answers requests signed for another as AWS does. Not an S3 emulator: only what copy
 * engines and their tests use is answered.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { compareKeys } from '../../libs/selection/keyOrder.js';
import { AcceptedBucket } from './syntheticS3/acceptedBucket.js';
import { GENERATED_LAST_MODIFIED, GeneratedBucket, type GeneratedBucketSpec } from './syntheticS3/generatedBucket.js';
import { MultipartError, MultipartUploads, type UploadChecksum } from './syntheticS3/multipart.js';
import { algorithmNamed, Checksummer, checksumHeaders, headerOf, nameOf, sentChecksum, wantsChecksum, type Algorithm, type StoredChecksum } from './syntheticS3/checksums.js';
import { element, errorXml, escapeXml, listBucketResult, type ListEntry } from './syntheticS3/xml.js';

export interface SyntheticS3Options {
  port?: number;
  buckets: Record<string, GeneratedBucketSpec>;
  /** Keep a record per accepted key (default true); false keeps only a count per bucket. */
  recordAccepted?: boolean;
  /** Checks each request's credentials before it is served: an answer refuses it with that status and S3 error code. */
  authorize?: (req: IncomingMessage) => Promise<{ status: number; code: string; message: string } | undefined>;
  /**
   * Buckets placed in a region: a request signed for another is refused as AWS refuses it (a
   * listing 301 PermanentRedirect and a HEAD 400, both with x-amz-bucket-region; other requests 400
   * AuthorizationHeaderMalformed naming the region in the document only).
   */
  regions?: Record<string, string>;
  /** Serve HTTPS with this certificate and key (PEM): the endpoint is then https://127.0.0.1:port. */
  tls?: { cert: string; key: string };
  /** Answer `?partNumber=` with the whole object and no x-amz-mp-parts-count, as Ceph RGW 16 and s3rver do. */
  ignorePartNumber?: boolean;
  /** Objects served to a plain GET as their lines are generated (a manifest of a million rows), by `bucket/key`. */
  generatedText?: Record<string, () => Iterable<string>>;
  /**
   * Accept x-amz-checksum-* headers and verify, store and return nothing, as Ceph RGW 16 and s3rver do.
   * Otherwise writes are checked as S3 checks them (a wrong value: 400 BadDigest) and reads with
   * `x-amz-checksum-mode: ENABLED` answer the stored checksum.
   */
  ignoreChecksums?: boolean;
  /** Answer each listing request this many milliseconds late, as a remote S3 does (about 20 ms a page). */
  listDelayMs?: number;
}

export interface SyntheticS3Stats {
  gets: number;
  puts: number;
  heads: number;
  /** GETs and HEADs that named a part (`?partNumber=`). */
  partReads: number;
  lists: number;
  bytesIn: number;
  /** Requests refused for being signed for another region than their bucket's. */
  wrongRegion: number;
  /** Requests addressed virtual-hosted-style. */
  virtualHosted: number;
}

export interface SyntheticS3 {
  endpoint: string;
  stats(): SyntheticS3Stats;
  /** Accepted objects by key, or only their count when started with `recordAccepted: false`. */
  accepted(bucket: string): Map<string, { size: number; md5: string; checksum?: StoredChecksum }> | number;
  stop(): Promise<void>;
}

export { GENERATED_LAST_MODIFIED };
const MAX_KEYS = 1000;

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startSyntheticS3(opts: SyntheticS3Options): Promise<SyntheticS3> {
  const generated = new Map(Object.entries(opts.buckets).map(([name, spec]) => [name, new GeneratedBucket(spec)]));
  const record = opts.recordAccepted ?? true;
  const accepted = new Map<string, AcceptedBucket>();
  const uploads = new MultipartUploads();
  const counters: SyntheticS3Stats = { gets: 0, puts: 0, heads: 0, partReads: 0, lists: 0, bytesIn: 0, wrongRegion: 0, virtualHosted: 0 };

  const sink = (bucket: string): AcceptedBucket => {
    let found = accepted.get(bucket);
    if (found === undefined) accepted.set(bucket, (found = new AcceptedBucket(record)));
    return found;
  };
  const bucketExists = (bucket: string) => generated.has(bucket) || accepted.has(bucket);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = await opts.authorize?.(req);
    if (refused) throw new S3Error(refused.status, refused.code, refused.message);
    const hostBucket = virtualHostedBucket(req.headers.host);
    if (hostBucket !== undefined) counters.virtualHosted++;
    const { bucket, key, query } = parseTarget(req.url ?? '/', hostBucket);
    const method = req.method ?? 'GET';
    refuseChunkedUploads(req);
    const placed = opts.regions?.[bucket];
    const signedFor = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
    if (placed !== undefined && signedFor !== undefined && signedFor !== placed) return wrongRegion(method, bucket, key, signedFor, placed, req, res);
    if (bucket === '') {
      if (method !== 'GET') throw notImplemented(`${method} /`);
      const names = [...new Set([...generated.keys(), ...accepted.keys()])].sort();
      const list = names.map((n) => `<Bucket><Name>${escapeXml(n)}</Name><CreationDate>${GENERATED_LAST_MODIFIED}</CreationDate></Bucket>`);
      return sendXml(res, 200, element('ListAllMyBucketsResult', `<Owner><ID>synthetic</ID></Owner><Buckets>${list.join('')}</Buckets>`));
    }
    if (key === '' && method === 'PUT' && query.size === 0) {
      sink(bucket); // CreateBucket
      res.writeHead(200, { 'Content-Length': 0 });
      return void res.end();
    }
    if (key === '') return bucketRequest(method, bucket, query, res);
    const text = opts.generatedText?.[`${bucket}/${key}`];
    if (text !== undefined && method === 'GET') return sendGeneratedText(text(), res);
    if (query.has('uploads') && method === 'POST') {
      sink(bucket);
      const id = uploads.create(bucket, key, opts.ignoreChecksums ? undefined : uploadChecksum(req));
      return sendXml(res, 200, element('InitiateMultipartUploadResult', `<Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId>`));
    }
    const uploadId = query.get('uploadId');
    if (uploadId !== null) return multipartRequest(method, bucket, key, uploadId, query, req, res);
    if (query.has('tagging')) return taggingRequest(method, bucket, key, req, res);
    const partNumber = query.get('partNumber');
    if ([...query.keys()].some((k) => k !== 'x-id' && k !== 'partNumber')) throw notImplemented(`object subresource ${[...query.keys()].join(',')}`);
    if (partNumber !== null && method !== 'GET' && method !== 'HEAD') throw notImplemented(`${method} with partNumber`);
    switch (method) {
      case 'GET':
      case 'HEAD':
        return await objectRead(method, bucket, key, req, res, partNumber === null || opts.ignorePartNumber ? undefined : Number(partNumber));
      case 'PUT': {
        if (req.headers['x-amz-copy-source'] !== undefined) throw notImplemented('CopyObject');
        const sent = opts.ignoreChecksums ? undefined : sentChecksum(req.headers);
        const { size, md5, checksum } = await hashBody(req, sent?.algorithm);
        counters.puts++;
        if (sent && checksum !== sent.value) throw badDigest(sent.algorithm);
        const stored: StoredChecksum | undefined = sent && { algorithm: sent.algorithm, type: 'FULL_OBJECT', value: sent.value };
        sink(bucket).put(key, { size, md5: md5.toString('hex'), modified: Date.now(), ...(stored ? { checksum: stored } : {}) });
        res.writeHead(200, { ETag: `"${md5.toString('hex')}"`, 'Content-Length': 0, ...checksumHeaders(stored) });
        return void res.end();
      }
      case 'DELETE':
        accepted.get(bucket)?.delete(key);
        res.writeHead(204);
        return void res.end();
      default:
        throw notImplemented(`${method} on an object`);
    }
  }

  function wrongRegion(method: string, bucket: string, key: string, signedFor: string, placed: string, req: IncomingMessage, res: ServerResponse): void {
    counters.wrongRegion++;
    req.resume();
    if (method === 'HEAD') {
      res.writeHead(400, { 'x-amz-bucket-region': placed, 'Content-Length': 0 });
      return void res.end();
    }
    if (key === '') {
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>${escapeXml(bucket)}.s3.${placed}.amazonaws.com</Endpoint><Bucket>${escapeXml(bucket)}</Bucket></Error>`;
      res.writeHead(301, { 'Content-Type': 'application/xml', 'x-amz-bucket-region': placed, 'Content-Length': Buffer.byteLength(body) });
      return void res.end(body);
    }
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region '${escapeXml(signedFor)}' is wrong; expecting '${escapeXml(placed)}'</Message><Region>${escapeXml(placed)}</Region><RequestId>synthetic</RequestId></Error>`;
    sendXml(res, 400, body);
  }

  function bucketRequest(method: string, bucket: string, query: URLSearchParams, res: ServerResponse): void {
    switch (method) {
      case 'PUT':
        sink(bucket);
        res.writeHead(200, { Location: `/${bucket}`, 'Content-Length': 0 });
        return void res.end();
      case 'HEAD':
        res.writeHead(bucketExists(bucket) ? 200 : 404, { 'Content-Length': 0 });
        return void res.end();
      case 'GET':
        if (query.get('list-type') !== '2') throw notImplemented('only ListObjectsV2 (list-type=2) is supported');
        if (opts.listDelayMs) {
          const page = listObjects(bucket, query);
          return void setTimeout(() => sendXml(res, 200, page), opts.listDelayMs);
        }
        return sendXml(res, 200, listObjects(bucket, query));
      default:
        throw notImplemented(`${method} on a bucket`);
    }
  }

  function listObjects(bucket: string, query: URLSearchParams): string {
    if (!bucketExists(bucket)) throw new S3Error(404, 'NoSuchBucket', `bucket ${bucket} does not exist`);
    const delimiter = query.get('delimiter') || undefined;
    counters.lists++;
    const prefix = query.get('prefix') ?? '';
    const startAfter = query.get('start-after') ?? undefined;
    const continuationToken = query.get('continuation-token') ?? undefined;
    const maxKeysText = query.get('max-keys');
    const maxKeys = maxKeysText === null ? MAX_KEYS : Math.min(MAX_KEYS, Number(maxKeysText));
    if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Error(400, 'InvalidArgument', 'max-keys must be a non-negative integer');
    let after = startAfter;
    if (continuationToken !== undefined) {
      const resumeAfter = parseToken(continuationToken);
      if (after === undefined || compareKeys(resumeAfter, after) > 0) after = resumeAfter;
    }
    const listing = listable(bucket);
    let i = Math.max(listing.firstAtOrAfter(prefix), after === undefined ? 0 : listing.firstAfter(after));
    // Listed entries never hold the delimiter past the prefix: a resume point that does was a common prefix, all of it listed.
    if (after !== undefined && delimiter !== undefined && after.startsWith(prefix) && after.endsWith(delimiter) && after.indexOf(delimiter, prefix.length) === after.length - delimiter.length) {
      i = Math.max(i, listing.firstAtOrAfter(afterEvery(after)));
    }
    const entries: ListEntry[] = [];
    const commonPrefixes: string[] = [];
    let last = after ?? '';
    while (i < listing.count && entries.length + commonPrefixes.length < maxKeys && listing.keyAt(i).startsWith(prefix)) {
      const key = listing.keyAt(i);
      const cut = delimiter === undefined ? -1 : key.indexOf(delimiter, prefix.length);
      if (cut === -1) {
        entries.push(listing.entryAt(i++));
        last = key;
        continue;
      }
      // A common prefix stands for every key under it: the listing goes on after the last of them.
      const common = key.slice(0, cut + delimiter!.length);
      commonPrefixes.push(common);
      last = common;
      i = listing.firstAtOrAfter(afterEvery(common));
    }
    const more = i < listing.count && listing.keyAt(i).startsWith(prefix);
    return listBucketResult({
      bucket,
      prefix,
      startAfter,
      continuationToken,
      nextContinuationToken: more ? tokenAfter(last) : undefined,
      maxKeys,
      urlEncoded: query.get('encoding-type') === 'url',
      entries,
      ...(delimiter === undefined ? {} : { delimiter, commonPrefixes }),
    });
  }

  /** Generated buckets list their generated objects; other buckets list what was written to them. */
  function listable(bucket: string): Listable {
    const source = generated.get(bucket);
    if (source !== undefined) {
      return {
        count: source.count,
        keyAt: (i) => source.keyOf(i),
        entryAt: (i) => ({ key: source.keyOf(i), size: source.sizeOf(i), etag: source.etagOf(i), lastModified: source.lastModifiedOf(i) }),
        firstAfter: (k) => source.firstAfter(k),
        firstAtOrAfter: (k) => source.firstAtOrAfter(k),
      };
    }
    const sinkBucket = accepted.get(bucket)!;
    const keys = sinkBucket.sortedKeys();
    const search = (past: (c: number) => boolean) => (k: string) => {
      let low = 0;
      let high = keys.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (past(compareKeys(keys[mid]!, k))) high = mid;
        else low = mid + 1;
      }
      return low;
    };
    return {
      count: keys.length,
      keyAt: (i) => keys[i]!,
      entryAt: (i) => {
        const object = sinkBucket.objects.get(keys[i]!)!;
        return { key: keys[i]!, size: object.size, etag: object.md5, lastModified: new Date(object.modified).toISOString() };
      },
      firstAfter: search((c) => c > 0),
      firstAtOrAfter: search((c) => c >= 0),
    };
  }

  async function objectRead(method: 'GET' | 'HEAD', bucket: string, key: string, req: IncomingMessage, res: ServerResponse, partNumber?: number): Promise<void> {
    const withChecksum = !opts.ignoreChecksums && partNumber === undefined && wantsChecksum(req.headers);
    if (method === 'GET') counters.gets++;
    else counters.heads++;
    if (new URL(req.url ?? '/', 'http://x').searchParams.has('partNumber')) counters.partReads++;
    const written = accepted.get(bucket)?.objects.get(key);
    if (written !== undefined) {
      if (method === 'GET') throw notImplemented('bodies written to the synthetic endpoint are discarded');
      res.writeHead(200, {
        'Content-Length': written.size,
        ETag: `"${written.md5}"`,
        'Content-Type': 'application/octet-stream',
        'Last-Modified': new Date(written.modified).toUTCString(),
        ...(withChecksum ? checksumHeaders(written.checksum) : {}),
      });
      return void res.end();
    }
    const source = generated.get(bucket);
    const i = source?.indexOf(key);
    if (source === undefined || i === undefined) {
      if (!bucketExists(bucket)) throw new S3Error(404, 'NoSuchBucket', `bucket ${bucket} does not exist`);
      throw new S3Error(404, 'NoSuchKey', `key ${key} does not exist`);
    }
    const size = source.sizeOf(i);
    const parts = source.partsOf(i);
    const range = partNumber === undefined ? parseRange(req.headers.range, size) : partRange(parts, partNumber, size);
    const headers: Record<string, string | number> = {
      'Content-Length': range.end - range.start,
      ETag: `"${source.etagOf(i)}"`,
      'Content-Type': 'application/octet-stream',
      'Last-Modified': new Date(source.lastModifiedOf(i)).toUTCString(),
      'Accept-Ranges': 'bytes',
      'x-amz-meta-index': String(i),
    };
    // As S3 does: the count only on tagged objects, so its absence means none.
    const tagCount = Object.keys(source.tagsOf(i)).length;
    if (tagCount > 0) headers['x-amz-tagging-count'] = String(tagCount);
    if (range.partial) headers['Content-Range'] = `bytes ${range.start}-${range.end - 1}/${size}`;
    if (partNumber !== undefined && parts !== undefined) headers['x-amz-mp-parts-count'] = parts.length;
    if (withChecksum) Object.assign(headers, checksumHeaders(await source.checksumOf(i)));
    res.writeHead(range.partial ? 206 : 200, headers);
    if (method === 'HEAD') return void res.end();
    streamBody(res, source.body(i, range.start, range.end));
  }

  async function multipartRequest(
    method: string,
    bucket: string,
    key: string,
    uploadId: string,
    query: URLSearchParams,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (method === 'PUT') {
      const partNumber = Number(query.get('partNumber'));
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
        throw new S3Error(400, 'InvalidArgument', 'partNumber must be between 1 and 10000');
      }
      if (req.headers['x-amz-copy-source'] !== undefined) throw notImplemented('UploadPartCopy');
      const expected = uploads.checksumOf(uploadId, bucket, key);
      const sent = opts.ignoreChecksums ? undefined : sentChecksum(req.headers);
      if (expected && sent?.algorithm !== expected.algorithm) {
        req.resume();
        throw new S3Error(400, 'InvalidRequest', `the upload's parts must carry ${headerOf(expected.algorithm)}`);
      }
      const { size, md5, checksum, data } = await hashBody(req, sent?.algorithm, expected?.type === 'FULL_OBJECT');
      counters.puts++;
      if (sent && checksum !== sent.value) throw badDigest(sent.algorithm);
      uploads.addPart(uploadId, bucket, key, partNumber, { size, md5, ...(checksum ? { checksum } : {}), ...(data ? { data } : {}) });
      res.writeHead(200, { ETag: `"${md5.toString('hex')}"`, 'Content-Length': 0, ...(sent ? { [headerOf(sent.algorithm)]: sent.value } : {}) });
      return void res.end();
    }
    if (method === 'POST') {
      const expected = uploads.checksumOf(uploadId, bucket, key);
      const sentWhole = expected ? req.headers[headerOf(expected.algorithm)] : undefined;
      const { size, etag, checksum } = await uploads.complete(uploadId, bucket, key, await readText(req), typeof sentWhole === 'string' ? sentWhole : undefined);
      sink(bucket).put(key, { size, md5: etag, modified: Date.now(), ...(checksum ? { checksum } : {}) });
      const sum = checksum ? `<Checksum${nameOf(checksum.algorithm)}>${checksum.value}</Checksum${nameOf(checksum.algorithm)}><ChecksumType>${checksum.type}</ChecksumType>` : '';
      return sendXml(
        res,
        200,
        element(
          'CompleteMultipartUploadResult',
          `<Location>/${escapeXml(bucket)}/${escapeXml(key)}</Location><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><ETag>&quot;${etag}&quot;</ETag>${sum}`,
        ),
      );
    }
    if (method === 'DELETE') {
      uploads.abort(uploadId, bucket, key);
      res.writeHead(204);
      return void res.end();
    }
    throw notImplemented(`${method} with uploadId`);
  }

  async function taggingRequest(method: string, bucket: string, key: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (method === 'PUT') {
      // Accepted and dropped, like bodies.
      await readText(req);
      res.writeHead(200, { 'Content-Length': 0 });
      return void res.end();
    }
    if (method === 'GET') {
      const source = generated.get(bucket);
      const i = source?.indexOf(key);
      const tags = source === undefined || i === undefined ? {} : source.tagsOf(i);
      const set = Object.entries(tags).map(([k, v]) => `<Tag><Key>${escapeXml(k)}</Key><Value>${escapeXml(v)}</Value></Tag>`);
      return sendXml(res, 200, element('Tagging', `<TagSet>${set.join('')}</TagSet>`));
    }
    if (method === 'DELETE') {
      res.writeHead(204);
      return void res.end();
    }
    throw notImplemented(`${method} ?tagging`);
  }

  /** The body's size and MD5, and its checksum in `algorithm`; its bytes too when `keep` (a FULL_OBJECT upload's part). */
  async function hashBody(req: IncomingMessage, algorithm?: Algorithm, keep = false): Promise<{ size: number; md5: Buffer; checksum?: string; data?: Buffer[] }> {
    const summer = algorithm && new Checksummer(algorithm);
    const data: Buffer[] | undefined = keep ? [] : undefined;
    const { size, md5 } = await new Promise<{ size: number; md5: Buffer }>((resolve, reject) => {
      const hash = createHash('md5');
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        summer?.update(chunk);
        data?.push(chunk);
        size += chunk.length;
        counters.bytesIn += chunk.length;
      });
      req.once('end', () => resolve({ size, md5: hash.digest() }));
      req.once('error', reject);
    });
    return { size, md5, ...(summer ? { checksum: await summer.digest() } : {}), ...(data ? { data } : {}) };
  }

  const handler: RequestListener = (req, res) => {
    route(req, res).catch((error: unknown) => {
      const known = error instanceof S3Error ? error : error instanceof MultipartError ? new S3Error(error.code === 'NoSuchUpload' ? 404 : 400, error.code, error.message) : undefined;
      const failure = known ?? new S3Error(500, 'InternalError', String(error));
      if (res.headersSent) return void res.destroy();
      // The request body may be unread; answering without draining it would stall the socket.
      req.resume();
      if (req.method === 'HEAD') {
        res.writeHead(failure.status, { 'Content-Length': 0 });
        return void res.end();
      }
      sendXml(res, failure.status, errorXml(failure.code, failure.message, req.url ?? '/'));
    });
  };
  const server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    stats: () => ({ ...counters }),
    accepted(bucket) {
      const found = accepted.get(bucket);
      if (!record) return found?.count ?? 0;
      return found?.objects ?? new Map();
    },
    async stop() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

interface Listable {
  count: number;
  keyAt(i: number): string;
  entryAt(i: number): ListEntry;
  firstAfter(key: string): number;
  firstAtOrAfter(key: string): number;
}

/** The bucket a `bucket.localhost[:port]` Host header names, or undefined for path-style requests. */
function virtualHostedBucket(host: string | undefined): string | undefined {
  const hostname = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return hostname.endsWith('.localhost') ? hostname.slice(0, -'.localhost'.length) : undefined;
}

function parseTarget(url: string, hostBucket?: string): { bucket: string; key: string; query: URLSearchParams } {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1));
  if (hostBucket !== undefined) return { bucket: hostBucket, key: decodeURIComponent(path.slice(1)), query };
  const slash = path.indexOf('/', 1);
  const bucket = decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash));
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  return { bucket, key, query };
}

/** aws-chunked bodies carry framing a plain hash would count as content; refuse rather than corrupt. */
function refuseChunkedUploads(req: IncomingMessage): void {
  const sha = req.headers['x-amz-content-sha256'];
  const encoding = req.headers['content-encoding'];
  if ((typeof sha === 'string' && sha.startsWith('STREAMING-')) || (typeof encoding === 'string' && encoding.includes('aws-chunked'))) {
    throw notImplemented("aws-chunked uploads: set requestChecksumCalculation: 'WHEN_REQUIRED'");
  }
}

/** The token is the last key listed; a marker keeps it non-empty when that key is ''. */
function tokenAfter(key: string): string {
  return Buffer.from(`k${key}`).toString('base64url');
}

function parseToken(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  if (!text.startsWith('k')) throw new S3Error(400, 'InvalidArgument', 'the continuation token is not valid');
  return text.slice(1);
}

/** Part n of an object uploaded in `parts` (as S3 answers: an object not uploaded in parts has only part 1, itself). */
function partRange(parts: readonly number[] | undefined, n: number, size: number): { start: number; end: number; partial: boolean } {
  const sizes = parts ?? [size];
  if (!Number.isInteger(n) || n < 1 || n > sizes.length) throw new S3Error(416, 'InvalidPartNumber', `part ${n} of ${sizes.length}`);
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  return { start, end: start + sizes[n - 1]!, partial: parts !== undefined };
}

function parseRange(header: string | undefined, size: number): { start: number; end: number; partial: boolean } {
  const whole = { start: 0, end: size, partial: false };
  if (header === undefined) return whole;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return whole;
  const [first, last] = [match[1]!, match[2]!];
  const start = first === '' ? Math.max(0, size - Number(last)) : Number(first);
  const end = first === '' || last === '' ? size : Math.min(size, Number(last) + 1);
  if (start >= size || start >= end) throw new S3Error(416, 'InvalidRange', `range ${header} not satisfiable for ${size} bytes`);
  return { start, end, partial: true };
}

function streamBody(res: ServerResponse, pieces: Generator<Buffer>): void {
  const pump = () => {
    for (let next = pieces.next(); !next.done; next = pieces.next()) {
      if (!res.write(next.value)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** What S3 answers a write whose x-amz-checksum-* value does not match its bytes. */
function badDigest(a: Algorithm): S3Error {
  return new S3Error(400, 'BadDigest', `The ${nameOf(a)} you specified did not match the calculated checksum.`);
}

/**
 * CreateMultipartUpload's x-amz-checksum-algorithm and -type, refused as S3 refuses a type the
 * algorithm cannot have (CRC64NVME is full-object only, SHAs composite only); the default type is
 * S3's: FULL_OBJECT for CRC64NVME, else COMPOSITE.
 */
function uploadChecksum(req: IncomingMessage): UploadChecksum | undefined {
  const named = req.headers['x-amz-checksum-algorithm'];
  const algorithm = algorithmNamed(typeof named === 'string' ? named : undefined);
  if (algorithm === undefined) return undefined;
  const stated = req.headers['x-amz-checksum-type'];
  const type = stated === 'FULL_OBJECT' || stated === 'COMPOSITE' ? stated : algorithm === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE';
  if ((type === 'COMPOSITE' && algorithm === 'crc64nvme') || (type === 'FULL_OBJECT' && algorithm.startsWith('sha'))) {
    throw new S3Error(400, 'InvalidRequest', `The ${type} checksum type cannot be used with the ${nameOf(algorithm)} checksum algorithm.`);
  }
  return { algorithm, type };
}

function notImplemented(what: string): S3Error {
  return new S3Error(501, 'NotImplemented', `the synthetic endpoint does not implement ${what}`);
}

/** Streams generated lines chunked, waiting for the socket to drain, so a large text never sits in memory. */
async function sendGeneratedText(lines: Iterable<string>, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'text/csv' });
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= 64 * 1024) {
      if (!res.write(chunk)) await once(res, 'drain');
      chunk = '';
    }
  }
  res.end(chunk);
}

/** The least string after every key that starts with `prefix` (its last character raised by one). */
function afterEvery(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
