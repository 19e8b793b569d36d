// Preloaded into the Agents Playground (node --require): it calls server.listen(port)
// with no host, which would listen on every interface. Force loopback.
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first, second] = args;
  const isPort = typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first));
  if (isPort && (args.length === 1 || typeof second === "function")) {
    args.splice(1, 0, "127.0.0.1");
  } else if (first && typeof first === "object" && "port" in first && !first.host && !first.path) {
    args[0] = { ...first, host: "127.0.0.1" };
  }
  return listen.apply(this, args);
};
