export * from './aesGcm.js';
export * from './masterKeys.js';
export * from './keyRotation.js';
export * from './secretSealer.js';
export * from './destinationEndpoint.js';
