export * from './errors.js';
export * from './reader.js';
export * from './writer.js';
export * from './schema.js';
export * from './framing.js';
export * from './header.js';
export * from './record-batch.js';
export * as schemas from './schemas/index.js';
