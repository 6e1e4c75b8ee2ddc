export { endpointIdentity, type S3Endpoint } from './endpoint.js';
export { sdkClient, closeSdkClients } from './sdkClient.js';
export { listObjects, type ListedObject, type ListOptions } from './list.js';
export { S3Error, classifyS3Error } from './s3Error.js';
export { createCopyEngine } from './copyEngine.js';
export type { CopyEngine, CopyEngineOptions, CopyRequest, CopyResult } from './copyTypes.js';
export { choosePartSize } from './partSize.js';
export { encodeKey } from './uri.js';
export { withRetry, type RetryOptions } from './retry.js';
