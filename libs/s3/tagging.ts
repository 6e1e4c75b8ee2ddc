import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { S3Endpoint } from './endpoint.js';
import { readTags } from './responseDocuments.js';
import { header, type SignedHttp } from './signedHttp.js';

export type TagsProbe = Promise<string | undefined>;

/**
 * S3, RGW and MinIO send x-amz-tagging-count on every tagged object, so its absence means no
 * tags. Only an endpoint configured as not reporting it (`tagging_count_header: false`, as
 * s3rver) has its tags asked for on every object.
 */
export function endpointReportsTaggingCount(source: S3Endpoint): boolean {
  return source.taggingCountHeader !== false;
}

/** Whether the tags must be fetched separately, given the GET answer's headers. */
export function tagsNeedFetching(source: S3Endpoint, headers: IncomingHttpHeaders): boolean {
  const count = header(headers, 'x-amz-tagging-count');
  if (count !== undefined) return Number(count) > 0;
  return !endpointReportsTaggingCount(source);
}

/**
 * The object's tags as a <Tagging> document to put elsewhere, or undefined when
 * it has none. Parsed and written anew rather than passed through: s3rver
 * answers with unescaped '&' and '<', which no server would accept back.
 */
export async function getTaggingXml(http: SignedHttp, e: S3Endpoint, bucket: string, key: string, signal?: AbortSignal, versionId?: string): Promise<string | undefined> {
  const { body } = await http.call(e, { method: 'GET', bucket, key, query: { tagging: '', ...(versionId === undefined ? {} : { versionId }) }, signal });
  const tags = readTags(body.toString('utf8'));
  if (tags.length === 0) return undefined;
  const set = tags.map(([k, v]) => `<Tag><Key>${escapeXml(k)}</Key><Value>${escapeXml(v)}</Value></Tag>`).join('');
  return `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>${set}</TagSet></Tagging>`;
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as const)[c as '&']};`);
}

/** Puts a <Tagging> document built by getTaggingXml. */
export async function putTaggingXml(http: SignedHttp, e: S3Endpoint, bucket: string, key: string, xml: string, signal?: AbortSignal): Promise<void> {
  const body = Buffer.from(xml, 'utf8');
  await http.call(
    e,
    {
      method: 'PUT',
      bucket,
      key,
      query: { tagging: '' },
      signal,
      headers: {
        'content-type': 'application/xml',
        'content-md5': createHash('md5').update(body).digest('base64'),
        'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
      },
    },
    body,
  );
}
