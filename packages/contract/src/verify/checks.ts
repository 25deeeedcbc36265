import { randomUUID } from 'node:crypto';
import { WEBHOOK_EVENT_TYPES } from '@omni-webhooks/schema';
import { createFakeEvent, fixtures } from '@omni-webhooks/schema/fixtures';
import { SIGNATURE_TOLERANCE_SECONDS } from '../signature.js';
import { AUTH_REFUSALS, skipped } from './check-outcomes.js';
import { type CheckOutcome, expectDelivered, expectRefused } from './expectations.js';
import { pathTokenChecks } from './path-token-checks.js';
import type { RunContext } from './run-context.js';
import { sustainedLoadCheck } from './sustained-load.js';
import { DEFAULT_OVERSIZE_BYTES, type Sender, type SendOptions, type VerifyTarget } from './target.js';
import { trafficChecks } from './traffic-checks.js';
import { varietyCheck } from './variety-check.js';

export interface Check {
  name: string;
  run(send: Sender, target: VerifyTarget, context: RunContext): Promise<CheckOutcome>;
}

function deliveryChecks(): Check[] {
  const published = fixtures.map((fixture) => ({
    name: `delivers ${fixture.type} (${fixture.origin} example: ${fixture.name})`,
    run: async (send: Sender) => expectDelivered(await send(JSON.stringify(fixture.event))),
  }));
  const fakes = WEBHOOK_EVENT_TYPES.map((type) => ({
    name: `delivers ${type} (generated event)`,
    // from the run's traffic source: a generated lead event names the lead the lead.created check sent
    run: async (send: Sender, _target: VerifyTarget, context: RunContext) =>
      expectDelivered(await send(JSON.stringify(context.source.event(type)))),
  }));
  return [...published, ...fakes];
}

// omniai's payloads drift (omniai-events.md): a receiver that refuses what a newer omniai sends loses
// those events after 3 retries, so each drift must still be answered 200
function driftChecks(): Check[] {
  const deliver = (build: () => unknown) => async (send: Sender) =>
    expectDelivered(await send(JSON.stringify(build())));
  return [
    {
      name: 'accepts an event type it does not know (newer OmniAI)',
      run: deliver(() => ({ event: 'lead.archived', data: { leadId: randomUUID() } })),
    },
    {
      name: 'accepts fields added by a newer OmniAI',
      run: deliver(() => {
        const event = createFakeEvent('document.received');
        return { ...event, deliveredBy: 'omniai-v3', document: { ...event.document, pageCount: 3 } };
      }),
    },
    {
      name: 'accepts enum values added by a newer OmniAI',
      run: deliver(() => {
        const event = createFakeEvent('action_log.completed');
        return { ...event, actionLog: { ...event.actionLog, type: 'VOICE_CALL' } };
      }),
    },
  ];
}

function secretChecks(): Check[] {
  const needsSecret =
    (run: (send: Sender, secret: string, strict: boolean) => Promise<CheckOutcome>) =>
    async (send: Sender, target: VerifyTarget) =>
      target.secret === undefined
        ? skipped('no secret header (--no-auth)')
        : run(send, target.secret, !!target.strict);
  const body = () => JSON.stringify(createFakeEvent('lead.created'));
  return [
    {
      name: 'refuses a delivery without the secret',
      run: needsSecret(async (send, _secret, strict) =>
        expectRefused(await send(body(), { secret: null }), AUTH_REFUSALS, strict ? 401 : undefined),
      ),
    },
    {
      name: 'refuses a delivery with a wrong secret',
      run: needsSecret(async (send, secret, strict) =>
        expectRefused(
          await send(body(), { secret: `${secret}-wrong` }),
          AUTH_REFUSALS,
          strict ? 401 : undefined,
        ),
      ),
    },
    {
      name: 'refuses a delivery with a prefix of the secret',
      run: needsSecret(async (send, secret, strict) =>
        secret.length < 2
          ? skipped('the secret is too short to have a prefix')
          : expectRefused(
              await send(body(), { secret: secret.slice(0, -1) }),
              AUTH_REFUSALS,
              strict ? 401 : undefined,
            ),
      ),
    },
  ];
}

// with --sign: every signature sent must be valid; without a secret header the signature is the only
// credential, so an unsigned delivery must be refused too
function signatureChecks(): Check[] {
  const body = () => JSON.stringify(createFakeEvent('lead.created'));
  const refused = async (send: Sender, target: VerifyTarget, options: SendOptions) =>
    expectRefused(await send(body(), options), AUTH_REFUSALS, target.strict ? 401 : undefined);
  const notSigning = skipped('signatures not enabled (--sign)');
  return [
    {
      name: 'refuses a replayed delivery (signature timestamp outside the tolerance)',
      run: async (send, target) =>
        target.sign
          ? refused(send, target, {
              signedAt: Math.floor(Date.now() / 1000) - 2 * SIGNATURE_TOLERANCE_SECONDS,
            })
          : notSigning,
    },
    {
      name: 'refuses a delivery whose signature does not match its body',
      run: async (send, target) =>
        target.sign ? refused(send, target, { signature: 'tampered' }) : notSigning,
    },
    {
      name: 'refuses a delivery without a signature (no secret header either)',
      run: async (send, target) => {
        if (!target.sign) return notSigning;
        if (target.pathToken !== undefined) {
          return skipped(
            'the path token authenticates too: an unsigned delivery carrying it may be accepted',
          );
        }
        if (target.secret !== undefined) {
          return skipped(
            'the secret header authenticates too: an unsigned delivery carrying it may be accepted',
          );
        }
        return refused(send, target, { signature: 'none' });
      },
    },
  ];
}

function inputChecks(): Check[] {
  return [
    {
      name: 'refuses malformed JSON',
      run: async (send, target) =>
        expectRefused(
          await send('{"event": "lead.created", "data": {'),
          'any-4xx',
          target.strict ? 400 : undefined,
        ),
    },
    {
      name: 'refuses a content type that is not JSON',
      run: async (send, target) =>
        expectRefused(
          await send(JSON.stringify(createFakeEvent('lead.created')), { contentType: 'text/plain' }),
          'any-4xx',
          target.strict ? 415 : undefined,
        ),
    },
    {
      name: 'refuses an oversized body',
      run: async (send, target) => {
        const size = target.oversizeBytes ?? DEFAULT_OVERSIZE_BYTES;
        const event = { ...createFakeEvent('lead.created'), padding: 'x'.repeat(size) };
        return expectRefused(await send(JSON.stringify(event)), 'any-4xx', target.strict ? 413 : undefined);
      },
    },
    {
      name: 'refuses a known event that fails the schema',
      run: async (send, target) => {
        const invalid = { event: 'document.received', workspaceId: 'ws_contract', document: { id: 42 } };
        return expectRefused(await send(JSON.stringify(invalid)), 'any-4xx', target.strict ? 400 : undefined);
      },
    },
    {
      name: 'answers 200 to a duplicate delivery',
      run: async (send, _target, context) => {
        const body = JSON.stringify(context.source.event('document.extracted'));
        // a redelivery carries the same bytes and, when signed, the same message id
        const messageId = `msg_${randomUUID().replaceAll('-', '')}`;
        const first = expectDelivered(await send(body, { messageId }));
        if (first.status !== 'pass') {
          return { ...first, reason: `first delivery: ${first.reason}` };
        }
        const second = expectDelivered(await send(body, { messageId }));
        return second.status === 'pass' ? second : { ...second, reason: `second delivery: ${second.reason}` };
      },
    },
  ];
}

/**
 * every check, in the order they run: one request each, then the traffic checks. with a path token
 * the token is the credential an impostor lacks, so the secret checks send a wrong and a missing token
 */
export function conformanceChecks(options: { pathToken?: boolean } = {}): Check[] {
  const [burst, duplicates, journeys, redelivery] = trafficChecks();
  return [
    ...deliveryChecks(),
    ...driftChecks(),
    ...(options.pathToken ? pathTokenChecks() : secretChecks()),
    ...signatureChecks(),
    ...inputChecks(),
    ...[burst, duplicates, varietyCheck(), journeys, redelivery].filter((check) => check !== undefined),
    sustainedLoadCheck(),
  ];
}
