export * from './schema.js';
export * from './loadConfig.js';
export * from './masterKeys.js';
