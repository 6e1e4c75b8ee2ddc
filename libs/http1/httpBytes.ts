/** Byte classes of HTTP/1.1 (RFC 9110 §5.6) as llhttp draws them: 1 where a byte belongs. */

const table = (belongs: (c: number) => boolean): Uint8Array => Uint8Array.from({ length: 256 }, (_, c) => (belongs(c) ? 1 : 0));
const isAlphanumeric = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;

/** tchar: header names, chunk extension names and unquoted values. */
export const TOKEN = table((c) => isAlphanumeric(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/** HTAB, SP, VCHAR and obs-text: what a header value may hold (every byte but the other controls and DEL). */
export const FIELD_VALUE = table((c) => c === HTAB || (c >= SP && c !== 0x7f));

/** The first byte (as a latin1 character) that FIELD_VALUE does not hold. */
export const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** qdtext: inside a quoted chunk extension value, besides quoted pairs. */
export const QDTEXT = table((c) => FIELD_VALUE[c] === 1 && c !== 0x22 && c !== 0x5c);

/** The value of a hexadecimal digit, -1 for any other byte. */
export const HEX_VALUE = Int8Array.from({ length: 256 }, (_, c) => {
  const digit = String.fromCharCode(c);
  return /^[0-9a-fA-F]$/.test(digit) ? parseInt(digit, 16) : -1;
});

export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
