import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { FerryError } from '../../domain/errors.js';
import type { ManifestSpec } from '../../domain/manifest.js';
import { classifyS3Error, sendToBucket, type S3Endpoint } from '../../s3/index.js';
import { decodeManifestKey, splitCsvLine } from './csvLine.js';
import { parseInventoryManifest, type InventoryManifest } from './inventoryManifest.js';

/** One row of a manifest: the object it names, or why it names none Ferry can copy. */
export type ManifestRow =
  | { row: number; bucket: string; key: string; version_id?: string }
  | { row: number; problem: string; raw: string };

const PAGE_ROWS = 256;
/** An S3 Inventory manifest.json lists file names and checksums only; a bigger one is not a manifest. */
const MAX_MANIFEST_JSON = 16 << 20;
/** Codes that say the manifest cannot be read however often it is asked for: the run fails naming it. */
const PERMANENT = new Set(['NoSuchKey', 'NoSuchBucket', 'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'NotFound']);

/**
 * The rows of a manifest in order, in pages, read as streams (one line in memory at a time per
 * file), numbered from 1 across all its files; rows up to `afterRow` (a checkpoint) are read and
 * dropped. S3 Inventory rows that are delete markers or not the latest version name nothing to
 * copy and are left out. A manifest that cannot be read for good (missing, refused, not the format
 * it claims, an inventory file whose MD5 differs) is a FAILED_PRECONDITION naming it; a transfer
 * that breaks is thrown as it came, so the listing is tried again from its checkpoint.
 */
export async function* manifestRows(
  spec: ManifestSpec,
  endpoint: S3Endpoint,
  opts: { afterRow?: number; signal?: AbortSignal } = {},
): AsyncGenerator<ManifestRow[]> {
  const where = `s3://${spec.bucket}/${spec.key}`;
  const afterRow = opts.afterRow ?? 0;
  let row = 0;
  let page: ManifestRow[] = [];
  const inventory = spec.format === 's3-inventory' ? await inventoryFiles(spec, endpoint, where, opts.signal) : undefined;
  const columns = inventory?.columns;
  const files: Array<{ key: string; md5?: string }> = inventory?.files ?? [{ key: spec.key }];
  for (const file of files) {
    const fileWhere = `s3://${spec.bucket}/${file.key}`;
    const body = await openObject(endpoint, spec.bucket, file.key, fileWhere, opts.signal);
    const md5 = createHash('md5');
    const text = file.md5 === undefined ? body : body.pipe(hashing(md5)).pipe(createGunzip());
    for await (const line of createInterface({ input: text, crlfDelay: Infinity })) {
      if (line === '') continue;
      row++;
      if (row <= afterRow) continue;
      const parsed = columns === undefined ? csvRow(row, line) : inventoryRow(row, line, columns);
      if (parsed === undefined) continue;
      page.push(parsed);
      if (page.length >= PAGE_ROWS) {
        yield page;
        page = [];
      }
    }
    if (file.md5 !== undefined && md5.digest('hex') !== file.md5) {
      throw new FerryError('FAILED_PRECONDITION', `manifest ${fileWhere}: MD5 differs from the MD5checksum its manifest.json gives`);
    }
  }
  if (page.length > 0) yield page;
}

/** A Batch Operations CSV row: `bucket,key[,version_id]`, the key URL-encoded. */
function csvRow(row: number, line: string): ManifestRow {
  const fields = splitCsvLine(line);
  if (fields === undefined || fields.length < 2 || fields.length > 3) return { row, problem: 'is not bucket,key[,version_id]', raw: line };
  return named(row, line, fields[0]!, fields[1]!, fields[2]);
}

function inventoryRow(row: number, line: string, columns: InventoryManifest['columns']): ManifestRow | undefined {
  const fields = splitCsvLine(line);
  if (fields === undefined || fields.length <= Math.max(columns.bucket, columns.key)) return { row, problem: 'does not match the fileSchema', raw: line };
  if (columns.isDeleteMarker !== undefined && fields[columns.isDeleteMarker] === 'true') return undefined;
  if (columns.isLatest !== undefined && fields[columns.isLatest] === 'false') return undefined;
  const version = columns.versionId === undefined ? undefined : fields[columns.versionId];
  return named(row, line, fields[columns.bucket]!, fields[columns.key]!, version);
}

function named(row: number, line: string, bucket: string, encodedKey: string, version: string | undefined): ManifestRow {
  const key = decodeManifestKey(encodedKey);
  if (key === undefined || key === '') return { row, problem: 'has a key that is not URL-encoded', raw: line };
  return { row, bucket, key, ...(version ? { version_id: version } : {}) };
}

async function inventoryFiles(spec: ManifestSpec, endpoint: S3Endpoint, where: string, signal?: AbortSignal): Promise<InventoryManifest> {
  const body = await openObject(endpoint, spec.bucket, spec.key, where, signal);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_MANIFEST_JSON) throw new FerryError('FAILED_PRECONDITION', `manifest ${where}: larger than an S3 Inventory manifest.json (over 16 MiB)`);
    chunks.push(chunk as Buffer);
  }
  return parseInventoryManifest(Buffer.concat(chunks).toString('utf8'), where);
}

async function openObject(endpoint: S3Endpoint, bucket: string, key: string, where: string, signal?: AbortSignal): Promise<Readable> {
  try {
    const out = await sendToBucket(endpoint, bucket, (client) => client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }));
    if (!(out.Body instanceof Readable)) throw new FerryError('FAILED_PRECONDITION', `manifest ${where}: the answer has no body`);
    return out.Body;
  } catch (err) {
    if (err instanceof FerryError) throw err;
    const failure = classifyS3Error(err);
    if (PERMANENT.has(failure.code)) throw new FerryError('FAILED_PRECONDITION', `manifest ${where} cannot be read: ${failure.code}: ${failure.message}`);
    throw err;
  }
}

function hashing(hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}
