export * from './aesGcm.js';
export * from './secretSealer.js';
export * from './destinationEndpoint.js';
