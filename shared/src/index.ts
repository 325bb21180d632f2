export * from './errors.js';
export * from './docker.js';
export * from './sessions.js';
export * from './protocol.js';
export * from './tools/index.js';
export * from './captures/index.js';
