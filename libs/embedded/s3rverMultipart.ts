/**
 * What s3rver 3.7.1 leaves out of multipart uploads, served over its own store: ListMultipartUploads
 * (`GET /bucket?uploads`), ListParts (`GET /bucket/key?uploadId=`), AbortMultipartUpload
 * (`DELETE /bucket/key?uploadId=`), and NoSuchUpload for a part or completion of an upload that is gone
 * (s3rver would write the part into a new directory, or fail the completion with a 500). Path-style
 * requests only, as Ferry and its tests send them to s3rver; like s3rver's other operations, unsigned
 * requests are not refused.
 */
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  set(name: string, value: string): void;
}

export interface MultipartStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
}

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function answer(ctx: KoaContext, status: number, body?: string): void {
  ctx.status = status;
  if (body !== undefined) {
    ctx.type = 'application/xml';
    ctx.body = xml(body);
  }
}

function noSuchUpload(ctx: KoaContext, uploadId: string): void {
  answer(ctx, 404, `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${escape(uploadId)}</UploadId></Error>`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Koa middleware to put in front of s3rver's router. */
export function multipartExtras(store: MultipartStore) {
  const uploadsDir = (bucket: string) => store.getResourcePath(bucket, undefined, 'uploads');

  return async function multipart(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
    const segments = ctx.path.split('/').slice(1);
    const bucket = decodeURIComponent(segments[0] ?? '');
    const key = segments.slice(1).map(decodeURIComponent).join('/');
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    if (!bucket) return next();

    if (!key && ctx.method === 'GET' && 'uploads' in ctx.query) {
      const dir = uploadsDir(bucket);
      const ids = (await exists(dir)) ? await readdir(dir) : [];
      const uploads: string[] = [];
      for (const id of ids.sort()) {
        const at = join(dir, id);
        if (!(await exists(join(at, 'key')))) continue;
        const uploadKey = (await readFile(join(at, 'key'))).toString();
        const initiated = (await stat(at)).mtime.toISOString();
        uploads.push(`<Upload><Key>${escape(uploadKey)}</Key><UploadId>${id}</UploadId><Initiated>${initiated}</Initiated></Upload>`);
      }
      answer(ctx, 200, `<ListMultipartUploadsResult><Bucket>${escape(bucket)}</Bucket><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`);
      return;
    }
    if (!key || uploadId === undefined || !/^[0-9a-f]+$/.test(uploadId)) return next();
    const dir = join(uploadsDir(bucket), uploadId);
    const known = await exists(join(dir, 'key'));

    if (ctx.method === 'GET') {
      if (!known) return noSuchUpload(ctx, uploadId);
      const numbers = (await readdir(dir)).filter((f) => /^\d+$/.test(f)).map(Number).sort((a, b) => a - b);
      const parts: string[] = [];
      for (const n of numbers) {
        const md5File = join(dir, `${n}.md5`);
        if (!(await exists(md5File))) continue; // still being written: s3rver writes the MD5 last
        const etag = (await readFile(md5File)).toString();
        const { size, mtime } = await stat(join(dir, String(n)));
        parts.push(`<Part><PartNumber>${n}</PartNumber><LastModified>${mtime.toISOString()}</LastModified><ETag>"${etag}"</ETag><Size>${size}</Size></Part>`);
      }
      answer(
        ctx,
        200,
        `<ListPartsResult><Bucket>${escape(bucket)}</Bucket><Key>${escape(key)}</Key><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`,
      );
      return;
    }
    if (ctx.method === 'DELETE') {
      if (!known) return noSuchUpload(ctx, uploadId);
      await rm(dir, { recursive: true, force: true });
      answer(ctx, 204);
      return;
    }
    if ((ctx.method === 'PUT' || ctx.method === 'POST') && !known) return noSuchUpload(ctx, uploadId);
    return next();
  };
}
