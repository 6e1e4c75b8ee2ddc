/**
 * The fields of one CSV line (RFC 4180): fields may be quoted, a quote inside a quoted field is
 * doubled. Manifests URL-encode their keys, so no field spans lines. Returns undefined for a line
 * whose quotes do not close.
 */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return undefined;
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line[i] !== ',') return undefined;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/**
 * A key as S3 Inventory and Batch Operations manifests write it: URL-encoded, a space as `+`.
 * Undefined when the encoding is broken.
 */
export function decodeManifestKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (err) {
    if (err instanceof URIError) return undefined;
    throw err;
  }
}
