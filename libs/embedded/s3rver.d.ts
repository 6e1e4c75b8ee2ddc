declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    configureBuckets?: Array<{ name: string }>;
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(callback?: () => void): void;
    /** Koa's middleware list (s3rver is a Koa application); its router is the last entry. */
    middleware: unknown[];
    store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
  }
}
