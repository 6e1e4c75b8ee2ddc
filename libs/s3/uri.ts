/**
 * S3 URI encoding (SigV4 "UriEncode"): every byte except A-Z a-z 0-9 - _ . ~ is
 * percent-encoded, '/' kept between key segments. encodeURIComponent leaves
 * ! ' ( ) * alone, so those are encoded by hand.
 */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeSegment).join('/');
}

export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** How the x-amz-copy-source header is spelled. */
export type CopySourceStyle = 'rfc3986' | 'reserved-raw';

/**
 * 'rfc3986' is what S3 expects. 'reserved-raw' leaves the URI-reserved characters
 * (+ & = # ? : , ; @ $) unencoded, for servers that decode the header with
 * decodeURI (s3rver), which does not undo %2B and friends.
 */
export function copySource(bucket: string, key: string, style: CopySourceStyle): string {
  if (style === 'rfc3986') return `${encodeSegment(bucket)}/${encodeKey(key)}`;
  return `${encodeURI(bucket)}/${encodeURI(key)}`;
}

/** Characters whose copy-source spelling differs between the two styles. */
export function hasReservedCharacters(key: string): boolean {
  return /[+&=#?:,;@$]/.test(key);
}
