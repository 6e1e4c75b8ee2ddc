/** An endpoint as the comparison hands it to each tool. */
export interface Endpoint {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** For https: the CA its certificate is checked against (Ferry: destination_ca_bundle; rclone: --ca-cert; the loops: their agent). */
  caPem?: string;
}

/** What run.ts writes for a loop script (minimalLoop.ts, ceilingLoop.ts) to copy: `keys` are [key, size]. */
export interface LoopSpec {
  source: Endpoint;
  destination: Endpoint;
  sourceBucket: string;
  destinationBucket: string;
  concurrency: number;
  keys: Array<[string, number]>;
}
