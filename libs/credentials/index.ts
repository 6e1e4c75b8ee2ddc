export * from './credentialSource.js';
export * from './assumeRole.js';
export * from './resolveCredentials.js';
