import { SERVER_BOUND_VARIABLES, type ServerBounds } from '@omni-webhooks/contract';
import { z } from 'zod';

// HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS and MAX_CONNECTIONS: the receiver's bounds, from the one
// table in @omni-webhooks/contract, as rows of CONFIG_VARIABLES

const row = (name: keyof typeof SERVER_BOUND_VARIABLES) => {
  const bound = SERVER_BOUND_VARIABLES[name];
  return {
    schema: z.coerce.number().int().min(bound.min).max(bound.max),
    default: String(bound.default),
    doc: bound.doc,
  };
};

export const SERVER_BOUND_CONFIG_VARIABLES = {
  HEADERS_TIMEOUT_MS: row('HEADERS_TIMEOUT_MS'),
  REQUEST_TIMEOUT_MS: row('REQUEST_TIMEOUT_MS'),
  MAX_CONNECTIONS: row('MAX_CONNECTIONS'),
} as const;

export type { ServerBounds };
