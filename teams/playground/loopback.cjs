// Preloaded into Microsoft 365 Agents Playground (node --require): its server
// calls listen(port) without a host, which binds every interface. Every
// listen() given a port but no host binds 127.0.0.1 instead, so the
// Playground is reachable from this machine only (docs/teams.md, section 5).
'use strict';
const net = require('net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1');
  } else if (args[0] && typeof args[0] === 'object' && 'port' in args[0] && !args[0].host) {
    args[0] = { ...args[0], host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};
