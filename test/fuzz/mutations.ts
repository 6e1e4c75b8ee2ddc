/**
 * Mutations of a valid answer's bytes, as a flaky proxy, a buggy server or an attacker might
 * send them: cut short anywhere (inside a tag, a reference, a CDATA section), bytes flipped to
 * invalid UTF-8, and markup or references inserted where none belongs.
 */
import type { Draw } from './s3Documents.js';

/** Inserted at random: references naming no character, unknown entities, markup out of place. */
const INSERTS = [
  '<',
  '&',
  '>',
  '&#xFFFFFFFF;',
  '&#0;',
  '&#x0;',
  '&#xD800;',
  '&#56320;',
  '&#99999999999999999999;',
  '&bogus;',
  '&eacute;',
  '&amp',
  '&#x;',
  '&#;',
  '<![CDATA[',
  ']]>',
  '<![CDATA[<Key>x</Key>]]>',
  '<!-- comment -->',
  '<!--',
  '<?pi x?>',
  '<?',
  '<!DOCTYPE x [<!ENTITY e "boom">]>',
  '<!ENTITY e "x">',
  '&e;',
  '<Unexpected>z</Unexpected>',
  '<Contents>',
  '</Contents>',
  '<Contents><Key>k</Key></Contents>',
  '<Key>x</Key>',
  '<Size>99999999999999999999999</Size>',
  '<Size>-1</Size>',
  '<Size>1e3</Size>',
  '<LastModified>not a time</LastModified>',
  '<LastModified>+275760-09-13T00:00:00.001Z</LastModified>',
  '<IsTruncated>true</IsTruncated>',
  '<Error><Code>SlowDown</Code></Error>',
  '</Error>',
  '<a b="<">',
  '<a b=c>',
  '<a b="x"c="y">',
  '<a/ >',
  '</>',
  '<>',
  '"',
  "'",
  '\u0000',
  '\ud800',
  '\uffff',
  '\r\n',
];

const BAD_BYTES = [[0xff], [0xfe], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0x00], [0xe2, 0x82]];

/** Offsets worth cutting or inserting at: just before or after markup and references. */
function interestingOffset(d: Draw, bytes: Buffer): number {
  const marks = [0x3c, 0x3e, 0x26, 0x3b, 0x2f, 0x22, 0x5b, 0x5d];
  for (let tries = 0; tries < 8; tries++) {
    const at = d.below(bytes.length + 1);
    if (at === bytes.length || marks.includes(bytes[at]!)) return at + (d.chance(0.5) ? 1 : 0);
  }
  return d.below(bytes.length + 1);
}

function offset(d: Draw, bytes: Buffer): number {
  return Math.min(bytes.length, d.chance(0.5) ? interestingOffset(d, bytes) : d.below(bytes.length + 1));
}

function mutateOnce(d: Draw, bytes: Buffer): Buffer {
  switch (d.below(7)) {
    case 0:
      return bytes.subarray(0, offset(d, bytes));
    case 1: {
      const copy = Buffer.from(bytes);
      if (copy.length > 0) copy[d.below(copy.length)] = d.below(256);
      return copy;
    }
    case 2: {
      const at = offset(d, bytes);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(d.pick(BAD_BYTES)), bytes.subarray(at)]);
    }
    case 3: {
      const from = offset(d, bytes);
      const to = Math.min(bytes.length, from + d.below(40));
      return Buffer.concat([bytes.subarray(0, from), bytes.subarray(to)]);
    }
    case 4: {
      const from = offset(d, bytes);
      const slice = bytes.subarray(from, Math.min(bytes.length, from + d.below(80)));
      const at = offset(d, bytes);
      return Buffer.concat([bytes.subarray(0, at), slice, bytes.subarray(at)]);
    }
    default: {
      const at = offset(d, bytes);
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(d.pick(INSERTS), 'utf8'), bytes.subarray(at)]);
    }
  }
}

/** One to three mutations of the document's bytes. */
export function mutate(d: Draw, bytes: Buffer): Buffer {
  let out = bytes;
  const count = 1 + d.below(3);
  for (let i = 0; i < count; i++) out = mutateOnce(d, out);
  return out;
}
