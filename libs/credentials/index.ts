export * from './assumeRole.js';
export * from './resolveCredentials.js';
export * from './refreshFailureLog.js';
