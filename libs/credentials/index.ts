export * from './assumeRole.js';
export * from './resolveCredentials.js';
