export * from './addressClass.js';
export * from './addressPolicy.js';
