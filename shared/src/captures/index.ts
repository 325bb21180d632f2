export * from './captures.js';
export * from './pcap-reader.js';
export { decodePacket } from './packet-decoder.js';
