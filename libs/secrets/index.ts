export * from './aesGcm.js';
export * from './secretSealer.js';
