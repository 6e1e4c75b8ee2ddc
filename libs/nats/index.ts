export * from './subjects.js';
export * from './codec.js';
export * from './connection.js';
export * from './topology.js';
export * from './publish.js';
export * from './eventStore.js';
export * from './workConsumer.js';
export * from './readModel.js';
