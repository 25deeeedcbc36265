// the e2e round-robin proxy in a process of its own (run with `node --import tsx`), so forwarding
// does not share the load generator's event loop; prints its url, stops on SIGTERM
import { RoundRobinProxy } from '../../e2e/support/round-robin-proxy.js';

const proxy = await RoundRobinProxy.start({ upstreams: process.argv.slice(2) });
process.stdout.write(`${proxy.url}\n`);
process.on('SIGTERM', () => {
  proxy.close().then(() => process.exit(0));
});
