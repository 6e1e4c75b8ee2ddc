export * from './signing.js';
export * from './addressPolicy.js';
export * from './backoff.js';
export * from './payload.js';
export * from './deliver.js';
export * from './notificationLog.js';
