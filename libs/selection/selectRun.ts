import type { ManifestSpec } from '../domain/manifest.js';
import type { S3Endpoint } from '../s3/index.js';
import { selectFromManifest } from './selectFromManifest.js';
import { selectObjects, type SelectedObject, type SelectionDefinition, type SelectOptions } from './selectObjects.js';

export interface RunSelectionDefinition extends SelectionDefinition {
  manifest?: ManifestSpec;
  manifest_strict?: boolean;
}

export interface RunSelectOptions extends SelectOptions {
  /** Manifest rows already read (a run reading a manifest resumes after them). */
  afterRow?: number;
}

/** The selection of a run, lister and dry run alike: its manifest's rows when it has one, else the source listed. */
export function selectRun(
  endpoints: { source: S3Endpoint; destination: S3Endpoint },
  definition: RunSelectionDefinition,
  opts: RunSelectOptions = {},
): AsyncGenerator<SelectedObject[]> {
  const { manifest } = definition;
  if (manifest !== undefined) {
    return selectFromManifest(endpoints, { ...definition, manifest }, { afterRow: opts.afterRow, signal: opts.signal, retry: opts.retry, runStartedAt: opts.runStartedAt });
  }
  return selectObjects(endpoints.source, endpoints.destination, definition, opts);
}
