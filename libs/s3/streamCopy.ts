import { createHash } from 'node:crypto';
import type { OpenedRequest } from '../http1/requestBody.js';
import { readDetail, type ResponseBody, type StreamedResponse } from '../http1/responseBody.js';
import { deleteUnverifiedObject } from './cleanup.js';
import type { CleanupFailureReporter, CopyRequest, CopyResult } from './copyTypes.js';
import { etagEcho, noteEtagAnswer } from './etagEcho.js';
import { checksumMismatch, classifyS3Error } from './s3Error.js';
import { embeddedError, errorFromBody } from './responseDocuments.js';
import { header, isSuccessStatus, isPlainMd5, RegionCorrected, unquoteEtag, type SignedHttp } from './signedHttp.js';
import type { SourceObject } from './sourceObject.js';
import { putTaggingXml } from './tagging.js';
import { checksumHeader, newHasher, type ChecksumHasher } from './checksums.js';
import type { ChecksumPlan } from './checksumPlan.js';

/**
 * A copy the destination answered with an ETag that cannot vouch for the bytes, made
 * without hashing them here: the engine copies the object again, hashing.
 */
export class UnverifiedCopy extends Error {}

/**
 * GET piped into PUT: the whole object in one request, never held in memory. Where the
 * source's ETag is a plain MD5, the destination's answer verifies the bytes (its ETag, the
 * MD5 it computed, must equal the source's; etagEcho.ts says when that answer can be
 * trusted), as rclone does; the bytes are hashed as they pass only where it cannot.
 */
export async function streamCopy(
  http: SignedHttp,
  req: CopyRequest,
  src: SourceObject,
  onCleanupFailed?: CleanupFailureReporter,
  plan?: ChecksumPlan,
): Promise<CopyResult> {
  const { destination, destinationBucket: bucket, key, signal } = req;
  const sourceMd5 = isPlainMd5(src.etag) ? src.etag.toLowerCase() : undefined;
  const echo = etagEcho(destination, bucket);
  const md5 = sourceMd5 === undefined || echo === 'other' ? createHash('md5') : undefined;
  const headers: Record<string, string> = { ...src.headers, 'content-length': String(src.length) };
  // The destination then refuses a body corrupted on the way in. Left out while the bucket is
  // unknown, so its ETag shows whether it computes MD5 (rather than echoing this header).
  const contentMd5 = sourceMd5 !== undefined && echo !== 'unknown';
  if (contentMd5) headers['content-md5'] = Buffer.from(sourceMd5, 'hex').toString('base64');
  // The additional checksum goes in a header, before the body: the source's value when it has one,
  // else Ferry's own, for which the (small: the engine sends larger ones in parts) body is read first.
  // The source's value is checked here only where its MD5 is not (a multipart or SSE-KMS ETag): the MD5
  // check covers the same bytes, and CRC64NVME, S3's default, costs 4 ms of CPU per MiB in JS.
  const checksum = plan && (!plan.source || sourceMd5 === undefined) ? newHasher(plan.algorithm) : undefined;
  let held: Buffer[] | undefined;
  if (plan) {
    if (plan.source) headers[checksumHeader(plan.algorithm)] = plan.source.value;
    else if (checksum) {
      held = await holdBody(src, req, md5, checksum);
      headers[checksumHeader(plan.algorithm)] = await checksum.digest();
    }
  }

  let put: OpenedRequest;
  try {
    put = http.upload(destination, { method: 'PUT', bucket, key, headers, signal });
  } catch (err) {
    src.body.destroy();
    throw classifyS3Error(err);
  }
  let pumpError: unknown;
  let remaining = src.length;
  // Once a chunk has been handed to the kernel, its read buffer may take the next read.
  const whenWritten = (chunk: Buffer) => (err?: Error | null) => {
    if (!err) src.body.recycle?.(chunk);
  };
  const send = async (chunk: Buffer) => {
    remaining -= chunk.length;
    // The last chunk goes out with end(): for a one-chunk body, headers and body share one write.
    if (remaining === 0) put.body.end(chunk, whenWritten(chunk));
    else if (!put.body.write(chunk, whenWritten(chunk))) await put.body.drained();
  };
  const sending = held ? sendHeld(held, send) : pump(src.body, req, md5, send, plan?.source ? checksum : undefined);
  const pumping = sending.then(
    () => {
      if (!put.body.ended) put.body.end();
    },
    (err: unknown) => {
      pumpError = err;
      put.body.destroy(err instanceof Error ? err : new Error(String(err)));
    },
  );

  let res: StreamedResponse;
  try {
    res = await put.response;
  } catch (err) {
    src.body.destroy();
    // The answer's reason comes first: the body stops being taken because of it.
    throw classifyS3Error(err instanceof RegionCorrected ? err : (pumpError ?? err));
  }
  if (!isSuccessStatus(res.status)) {
    // The destination may answer (403, 400 BadDigest) before the body is through.
    src.body.destroy();
    throw errorFromBody(res.status, await readDetail(res.body));
  }
  const answer = await readDetail(res.body);
  await pumping;
  if (pumpError) throw classifyS3Error(pumpError);
  const failed = embeddedError(res.status, answer);
  if (failed) throw failed;

  const destEtag = unquoteEtag(header(res.headers, 'etag')).toLowerCase();
  const written = req.sourceVersionId === undefined ? req : { ...req, writtenVersionId: header(res.headers, 'x-amz-version-id') };
  const destMd5 = isPlainMd5(destEtag) ? destEtag : undefined;
  const digest = md5?.digest('hex');
  const expected = digest ?? sourceMd5!;
  if ((digest && sourceMd5 && digest !== sourceMd5) || (destMd5 && destMd5 !== expected)) {
    await deleteUnverifiedObject(http, written, onCleanupFailed);
    throw checksumMismatch(`read ${digest ?? '(not hashed)'}, source ${src.etag}, destination ${destEtag}`);
  }
  // Checked here too: a destination that ignores the checksum header (Ceph RGW 16, s3rver) verifies nothing.
  const read = plan?.source && checksum ? await checksum.digest() : undefined;
  if (plan?.source && read !== undefined && read !== plan.source.value) {
    await deleteUnverifiedObject(http, written, onCleanupFailed);
    throw checksumMismatch(`${plan.algorithm}: read ${read}, source ${plan.source.value}`);
  }
  if (!contentMd5) noteEtagAnswer(destination, bucket, destMd5 === expected);
  if (!digest && !destMd5) {
    // Neither hashed here nor vouched for by the destination: copied again, hashing.
    noteEtagAnswer(destination, bucket, false);
    throw new UnverifiedCopy(`destination answered ETag ${destEtag}`);
  }
  const tags = await src.tags();
  if (tags) await putTaggingXml(http, destination, bucket, key, tags, signal);
  const versionId = header(res.headers, 'x-amz-version-id');
  return { bytes: src.length, method: 'stream', sourceEtag: src.etag, ...(destEtag ? { destinationEtag: destEtag } : {}), ...(versionId ? { destinationVersionId: versionId } : {}) };
}

/**
 * Reads the whole source body (through the hashes, throttle and progress) and keeps its chunks: their
 * read buffers go back to the pool only once written on (whenWritten), so nothing is copied.
 */
async function holdBody(src: SourceObject, req: CopyRequest, md5: ReturnType<typeof createHash> | undefined, checksum: ChecksumHasher): Promise<Buffer[]> {
  const held: Buffer[] = [];
  try {
    await pump(src.body, req, md5, (chunk) => {
      held.push(chunk);
      return Promise.resolve();
    }, checksum);
  } catch (err) {
    src.body.destroy();
    throw classifyS3Error(err);
  }
  return held;
}

async function sendHeld(held: Buffer[], send: (chunk: Buffer) => Promise<void>): Promise<number> {
  let bytes = 0;
  for (const chunk of held) {
    await send(chunk);
    bytes += chunk.length;
  }
  return bytes;
}

/**
 * Moves the source body chunk by chunk through the MD5, the additional checksum, the
 * throttle and progress into `write`, which applies backpressure by not resolving.
 */
export async function pump(
  body: ResponseBody,
  req: CopyRequest,
  md5: ReturnType<typeof createHash> | undefined,
  write: (chunk: Buffer) => Promise<void>,
  checksum?: ChecksumHasher,
): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) {
    if (req.throttle) await req.throttle(chunk.length, req.signal);
    md5?.update(chunk);
    checksum?.update(chunk);
    await write(chunk);
    bytes += chunk.length;
    req.onProgress?.(chunk.length);
  }
  if (!body.complete) throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
  return bytes;
}
