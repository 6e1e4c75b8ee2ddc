/**
 * Orders keys as S3 lists them: by their UTF-8 bytes, which is code point order.
 * JS `<` compares UTF-16 code units instead, which puts a supplementary character
 * (a surrogate pair, D800-DFFF) before U+E000-U+FFFF although its UTF-8 bytes sort after.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates above the rest of the BMP; order within each group is kept. */
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}
