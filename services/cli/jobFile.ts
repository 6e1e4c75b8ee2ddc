import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UsageError } from './args.js';

/** Reads a job spec from a .json, .yaml or .yml file, or stdin for "-". */
export function readJobFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let spec: unknown;
  try {
    spec = /\.json$/i.test(path) ? JSON.parse(text) : parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new UsageError(`${path} must hold one job object`);
  return spec as Record<string, unknown>;
}

/** Keys protobuf would silently drop: a typo in a job file should not pass unnoticed. */
export function unknownKeys(spec: Record<string, unknown>, known: Iterable<string>): string[] {
  const allowed = new Set(known);
  return Object.keys(spec).filter((k) => !allowed.has(k));
}
