export * from './schema.js';
export * from './loadConfig.js';
export type { NamedToken } from './authTokens.js';
export * from './masterKeys.js';
export * from './natsClient.js';
