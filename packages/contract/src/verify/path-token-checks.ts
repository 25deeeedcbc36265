import { createFakeEvent } from '@omni-webhooks/schema/fixtures';
import { AUTH_REFUSALS } from './check-outcomes.js';
import type { Check } from './checks.js';
import { expectRefused } from './expectations.js';

// a receiver that authenticates by `POST <url>/<token>` must refuse the path without it and a wrong
// one; a 404 is as good as a 401 there (the path does not exist for a caller without the token).
// the impostor carries no secret header and no signature either

const TOKEN_REFUSALS = [...AUTH_REFUSALS, 404];

/** the token with its last character changed: as long as the real one, so a length check alone fails it */
function wrongToken(token: string): string {
  const last = token.at(-1) === 'x' ? 'y' : 'x';
  return `${token.slice(0, -1)}${last}`;
}

export function pathTokenChecks(): Check[] {
  // not from the run's traffic source: a refused lead.created must not become the lead later events follow
  const body = () => JSON.stringify(createFakeEvent('lead.created'));
  return [
    {
      name: 'refuses a delivery without the path token',
      run: async (send) =>
        expectRefused(await send(body(), { pathToken: null, secret: null }), TOKEN_REFUSALS),
    },
    {
      name: 'refuses a delivery with a wrong path token',
      run: async (send, target) =>
        expectRefused(
          await send(body(), { pathToken: wrongToken(target.pathToken ?? ''), secret: null }),
          TOKEN_REFUSALS,
        ),
    },
  ];
}
