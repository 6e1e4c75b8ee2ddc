import { FerryError } from '../../domain/errors.js';

/** One data file of an S3 Inventory report, as its manifest.json names it. */
export interface InventoryFile {
  key: string;
  size: number;
  /** MD5 of the gzipped file, hex. */
  md5: string;
}

/** What Ferry needs of an S3 Inventory manifest.json: its CSV files and where Bucket, Key and VersionId sit in each row. */
export interface InventoryManifest {
  files: InventoryFile[];
  columns: { bucket: number; key: number; versionId?: number; isLatest?: number; isDeleteMarker?: number };
}

/**
 * Reads an S3 Inventory manifest.json (format CSV; ORC and Parquet reports are refused, naming
 * the format). Throws FAILED_PRECONDITION naming what is wrong, with the manifest's location.
 */
export function parseInventoryManifest(text: string, where: string): InventoryManifest {
  const fail = (why: string) => new FerryError('FAILED_PRECONDITION', `manifest ${where}: ${why}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) throw fail(`is not JSON (${err.message})`);
    throw err;
  }
  if (typeof doc !== 'object' || doc === null) throw fail('is not an S3 Inventory manifest.json (no object)');
  const { fileFormat, fileSchema, files } = doc as Record<string, unknown>;
  if (fileFormat !== 'CSV') throw fail(`fileFormat ${JSON.stringify(fileFormat)} is not supported: Ferry reads CSV inventory reports`);
  if (typeof fileSchema !== 'string') throw fail('has no fileSchema');
  const names = fileSchema.split(',').map((name) => name.trim());
  const at = (name: string) => {
    const index = names.indexOf(name);
    return index < 0 ? undefined : index;
  };
  const bucket = at('Bucket');
  const key = at('Key');
  if (bucket === undefined || key === undefined) throw fail(`fileSchema ${JSON.stringify(fileSchema)} lacks Bucket or Key`);
  if (!Array.isArray(files)) throw fail('has no files list');
  const parsed = files.map((file: unknown, index): InventoryFile => {
    const f = (file ?? {}) as Record<string, unknown>;
    if (typeof f.key !== 'string' || f.key === '') throw fail(`files[${index}] has no key`);
    if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) throw fail(`files[${index}] has no size`);
    if (typeof f.MD5checksum !== 'string' || !/^[0-9a-fA-F]{32}$/.test(f.MD5checksum)) throw fail(`files[${index}] has no MD5checksum`);
    return { key: f.key, size: f.size, md5: f.MD5checksum.toLowerCase() };
  });
  return { files: parsed, columns: { bucket, key, versionId: at('VersionId'), isLatest: at('IsLatest'), isDeleteMarker: at('IsDeleteMarker') } };
}
