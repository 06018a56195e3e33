// cohora's SDK for Node (`cohora/client`): the browser SDK, with `ws` as the WebSocket and a
// history kept in a JSON Lines file. Code in this repository imports the files it means instead.
export * from './browser.js';
export { NodeCohoraConnection as CohoraConnection } from './node/node-connection.js';
export { JsonLinesHistoryStore } from './node/json-lines-history.store.js';
