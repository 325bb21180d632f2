// Node-only parts of the client (`@sonde/client/node`): kept out of the main entry so the
// browser bundle never pulls in `ws` or node: modules.
export { attachTerminal, nodeSocketFactory, printable, type AttachTerminalOptions, type TerminalEnd } from './attach-terminal.js';
export { writeCapture } from './capture-stream.js';
