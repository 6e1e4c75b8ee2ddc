export * from './schema.js';
export * from './loadConfig.js';
export * from './natsClient.js';
