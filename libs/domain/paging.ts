import { invalidField } from './errors.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** A request's page_size: 0 or absent is the list's default; anything else outside 1..1000 is refused naming the field. */
export function pageSizeOf(pageSize: number | undefined, defaultSize = DEFAULT_PAGE_SIZE): number {
  const size = pageSize || defaultSize;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw invalidField('page_size', `must be between 1 and ${MAX_PAGE_SIZE}`);
  return size;
}

/** A page token names where the next page starts (a key, a sequence or an offset), as base64url. */
export function encodePageToken(position: string | number): string {
  return Buffer.from(String(position), 'utf8').toString('base64url');
}

/**
 * The position a page token names ('' when there is none). `valid` says whether a decoded position is
 * one this kind of list issues; a token that does not decode to one is refused naming page_token.
 */
export function decodePageToken(token: string | undefined, valid: (position: string) => boolean = (p) => p !== ''): string {
  if (!token) return '';
  const position = Buffer.from(token, 'base64url').toString('utf8');
  if (!valid(position) || encodePageToken(position) !== token) throw invalidField('page_token', 'is not a token this server issued');
  return position;
}

/** A page token naming a non-negative integer (a sequence, an offset): the integer, or 0 when there is none. */
export function decodeNumericPageToken(token: string | undefined): number {
  return Number(decodePageToken(token, (p) => /^(0|[1-9]\d{0,15})$/.test(p) && Number.isSafeInteger(Number(p))) || '0');
}

/** The first `size` of `items`, and the token of the page after it (the last item's position) when there are more. */
export function pageAfter<T>(items: T[], size: number, positionOf: (item: T) => string | number): { items: T[]; next_page_token: string } {
  const page = items.slice(0, size);
  return { items: page, next_page_token: items.length > page.length ? encodePageToken(positionOf(page[page.length - 1]!)) : '' };
}
