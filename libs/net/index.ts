export * from './addressClass.js';
export * from './addressPolicy.js';
export * from './hostPort.js';
