export * from './childProcess.js';
export * from './natsServer.js';
export * from './s3rverProcess.js';
