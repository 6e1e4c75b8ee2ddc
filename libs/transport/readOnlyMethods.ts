export const READ_ONLY_METHODS: ReadonlySet<string> = new Set([
  'GetJob',
  'ListJobs',
  'ListFailedObjects',
  'ListJobErrors',
  'GetJobHistory',
  'WatchJob',
  'GetIdentity',
]);

/** The named methods, plus any Get, List or Watch RPC added to the proto later. */
export function isReadOnlyMethod(rpc: string): boolean {
  return READ_ONLY_METHODS.has(rpc) || /^(Get|List|Watch)[A-Z]/.test(rpc);
}
