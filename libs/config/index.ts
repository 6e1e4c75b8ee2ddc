export * from './schema.js';
export * from './loadConfig.js';
export { LEGACY_TOKEN_NAMES, type NamedToken } from './authTokens.js';
export * from './masterKeys.js';
export * from './natsClient.js';
