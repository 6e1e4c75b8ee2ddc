const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function element(name: string, children: string): string {
  return `${HEAD}<${name} xmlns="${NS}">${children}</${name}>`;
}

export function errorXml(code: string, message: string, resource: string): string {
  return `${HEAD}<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><Resource>${escapeXml(resource)}</Resource><RequestId>synthetic</RequestId></Error>`;
}

export interface ListEntry {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
}

export interface ListPage {
  bucket: string;
  prefix: string;
  startAfter?: string;
  continuationToken?: string;
  nextContinuationToken?: string;
  maxKeys: number;
  urlEncoded: boolean;
  entries: ListEntry[];
  delimiter?: string;
  /** CommonPrefixes, when a delimiter was asked for. */
  commonPrefixes?: string[];
}

export function listBucketResult(page: ListPage): string {
  const name = (text: string) => escapeXml(page.urlEncoded ? encodeURIComponent(text) : text);
  const parts = [
    `<Name>${escapeXml(page.bucket)}</Name>`,
    `<Prefix>${name(page.prefix)}</Prefix>`,
    page.startAfter === undefined ? '' : `<StartAfter>${name(page.startAfter)}</StartAfter>`,
    page.continuationToken === undefined ? '' : `<ContinuationToken>${escapeXml(page.continuationToken)}</ContinuationToken>`,
    page.nextContinuationToken === undefined ? '' : `<NextContinuationToken>${escapeXml(page.nextContinuationToken)}</NextContinuationToken>`,
    `<KeyCount>${page.entries.length}</KeyCount><MaxKeys>${page.maxKeys}</MaxKeys>`,
    page.delimiter === undefined ? '' : `<Delimiter>${name(page.delimiter)}</Delimiter>`,
    page.urlEncoded ? '<EncodingType>url</EncodingType>' : '',
    `<IsTruncated>${page.nextContinuationToken !== undefined}</IsTruncated>`,
  ];
  for (const entry of page.entries) {
    parts.push(
      `<Contents><Key>${name(entry.key)}</Key><LastModified>${entry.lastModified}</LastModified><ETag>&quot;${entry.etag}&quot;</ETag><Size>${entry.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
    );
  }
  for (const prefix of page.commonPrefixes ?? []) parts.push(`<CommonPrefixes><Prefix>${name(prefix)}</Prefix></CommonPrefixes>`);
  return element('ListBucketResult', parts.join(''));
}
