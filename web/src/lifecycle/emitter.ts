// The typed emitter lives in @sonde/client (its terminal connection emits through it); the web
// app's framework-free objects use the same one.
export { Emitter } from '@sonde/client';
