import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportManifest } from '../../libs/domain/index.js';

async function getBody(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** RFC 4180 records: fields split on commas outside quotes, "" inside quotes a quote, each record ended by CRLF. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      (field = ''), (record = []), i++;
    } else field += c;
  }
  if (field !== '' || record.length > 0) throw new Error(`CSV ends inside a record: ${JSON.stringify(text.slice(-80))}`);
  return records;
}

export interface ReportRow {
  bucket: string;
  key: string;
  version_id: string;
  status: string;
  http_status: string;
  error_code: string;
  message: string;
  file: string;
}

/**
 * Reads a completion report back through an S3 client: its manifest, and every file it names, each
 * checked against the manifest's size and MD5, parsed into rows with their keys URL-decoded.
 */
export async function readReport(s3: S3Client, location: string): Promise<{ manifest: ReportManifest; rows: ReportRow[] }> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!match) throw new Error(`not an s3:// location: ${location}`);
  const manifest = JSON.parse((await getBody(s3, match[1]!, match[2]!)).toString('utf8')) as ReportManifest;
  const rows: ReportRow[] = [];
  for (const file of manifest.Results) {
    const body = await getBody(s3, file.Bucket, file.Key);
    if (body.length !== file.Size) throw new Error(`${file.Key}: ${body.length} bytes, manifest says ${file.Size}`);
    const md5 = createHash('md5').update(body).digest('hex');
    if (md5 !== file.MD5Checksum) throw new Error(`${file.Key}: MD5 ${md5}, manifest says ${file.MD5Checksum}`);
    const records = parseCsv(body.toString('utf8'));
    if (records.length !== file.Rows) throw new Error(`${file.Key}: ${records.length} rows, manifest says ${file.Rows}`);
    for (const [bucket, key, version_id, status, http_status, error_code, message, ...extra] of records) {
      if (extra.length > 0 || message === undefined) throw new Error(`${file.Key}: a row without 7 fields`);
      rows.push({ bucket: bucket!, key: decodeURIComponent(key!), version_id: version_id!, status: status!, http_status: http_status!, error_code: error_code!, message, file: file.Key });
    }
  }
  return { manifest, rows };
}
