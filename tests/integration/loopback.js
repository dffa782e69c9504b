// SPDX-License-Identifier: MIT
// Preloaded with node -r into the MCP reference server the tests start:
// - every server this process starts listens on 127.0.0.1 only;
// - Debian 12's Node 18 has no global Web Crypto (Node 19 and later have), which the server
//   uses for session ids: give it Node's own.
if (typeof globalThis.crypto === 'undefined') {
  globalThis.crypto = require('crypto').webcrypto;
}
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    const port = Number(args[0]);
    const rest = args.slice(1).filter((a) => typeof a === 'function');
    return listen.call(this, { port, host: '127.0.0.1' }, ...rest);
  }
  if (args[0] && typeof args[0] === 'object' && !Array.isArray(args[0])) {
    return listen.call(this, Object.assign({}, args[0], { host: '127.0.0.1' }), ...args.slice(1));
  }
  return listen.apply(this, args);
};
