import { createServer, type RequestListener, type Server } from 'node:http';
import { DELIVERY_TIMEOUT_MS } from './delivery-contract.js';

// the bounds both apps put on their HTTP server, so a client that trickles its headers or holds
// connections open cannot take the server down (node's defaults: 60 s for headers, 300 s a request,
// no connection cap). each app reads them from its environment under the same names

export interface ServerBounds {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

/** a client that has not finished its request a second past the delivery timeout has given up on it */
const DEFAULT_REQUEST_TIMEOUT_MS = DELIVERY_TIMEOUT_MS + 1000;

/** idle keep-alive connections are closed after this */
export const KEEP_ALIVE_TIMEOUT_MS = 5000;

/** the environment variables of the bounds: range, default and what each does */
export const SERVER_BOUND_VARIABLES = {
  HEADERS_TIMEOUT_MS: {
    min: 100,
    max: 600_000,
    default: DEFAULT_REQUEST_TIMEOUT_MS,
    doc: 'a connection that has not sent its request headers within this is closed',
  },
  REQUEST_TIMEOUT_MS: {
    min: 100,
    max: 600_000,
    default: DEFAULT_REQUEST_TIMEOUT_MS,
    doc: 'a request not received whole within this is answered 408 and its connection closed',
  },
  MAX_CONNECTIONS: {
    min: 1,
    max: 1_000_000,
    default: 1024,
    doc: 'open connections at most; more are closed at once',
  },
} as const;

/** why HEADERS_TIMEOUT_MS does not fit with REQUEST_TIMEOUT_MS, or undefined */
export function serverBoundsProblem(bounds: Pick<ServerBounds, 'headersTimeoutMs' | 'requestTimeoutMs'>) {
  return bounds.headersTimeoutMs > bounds.requestTimeoutMs ? 'must not exceed REQUEST_TIMEOUT_MS' : undefined;
}

/** an http server that closes slow and surplus connections as `bounds` say */
export function createBoundedServer(bounds: ServerBounds, listener: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: bounds.headersTimeoutMs,
      requestTimeout: bounds.requestTimeoutMs,
      // node checks both timeouts on this interval (default 30 s): a stalled request must not outlive them by that
      connectionsCheckingInterval: Math.min(1000, Math.ceil(bounds.headersTimeoutMs / 4)),
    },
    listener,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = bounds.maxConnections;
  return server;
}
