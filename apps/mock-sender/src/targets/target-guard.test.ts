import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryView } from '../outbox/outbox.js';
import { call, deliveryIds, settled, useSenderApi } from '../test-support/sender-api.js';
import type { ResolvedAddress } from './target-guard.js';

const { sender, cleanups } = useSenderApi();
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** a resolver the test points where it likes, as a dns server under someone else's control would */
function steerableResolver(address: string) {
  const state = { address, lookups: 0 };
  const resolveHost = async (): Promise<ResolvedAddress[]> => {
    state.lookups++;
    return [{ address: state.address, family: state.address.includes(':') ? 6 : 4 }];
  };
  return { state, resolveHost };
}

describe('target policy when an endpoint is added', () => {
  it('refuses link-local and metadata targets with a 400 that says why', async () => {
    const { state, resolveHost } = steerableResolver('169.254.169.254');
    const { base } = await sender({}, { resolveHost });
    for (const url of [
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://[fd00:ec2::254]/latest/meta-data/',
      'http://169.254.10.10:8080/',
      'http://metadata.google.internal/computeMetadata/v1/',
      // a name that resolves to the metadata address now
      'http://innocent.example/hook',
    ]) {
      const refused = await call(base, 'POST', '/endpoints', { url });
      expect(refused.status, url).toBe(400);
      expect(refused.json, url).toMatchObject({
        error: { code: 'target_refused', issues: [{ path: ['url'] }] },
      });
    }
    expect(state.lookups).toBe(1);
    expect((await call(base, 'GET', '/endpoints')).json.endpoints).toEqual([]);
  });

  it('on a non-loopback HOST refuses loopback and private targets unless ALLOWED_TARGETS lists them', async () => {
    // ALLOW_UNAUTHENTICATED: a sender on 0.0.0.0 without an API token starts only when told to
    const exposed = await sender({ HOST: '0.0.0.0', ALLOW_UNAUTHENTICATED: 'true' });
    const refused = await call(exposed.base, 'POST', '/endpoints', { url: 'http://127.0.0.1:3000/hook' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('refused by default when HOST is not loopback');
    expect((await call(exposed.base, 'POST', '/endpoints', { url: 'http://10.0.0.5/hook' })).status).toBe(
      400,
    );
    const listed = await sender({
      HOST: '0.0.0.0',
      ALLOW_UNAUTHENTICATED: 'true',
      ALLOWED_TARGETS: '127.0.0.1:3000,10.0.0.0/8',
    });
    expect(
      (await call(listed.base, 'POST', '/endpoints', { url: 'http://127.0.0.1:3000/hook' })).status,
    ).toBe(201);
    expect((await call(listed.base, 'POST', '/endpoints', { url: 'http://10.0.0.5/hook' })).status).toBe(201);
    expect(
      (await call(listed.base, 'POST', '/endpoints', { url: 'http://127.0.0.1:3001/hook' })).status,
    ).toBe(400);
  });

  it('REQUIRE_HTTPS_TARGETS=true refuses http: but to loopback', async () => {
    const { base } = await sender({ REQUIRE_HTTPS_TARGETS: 'true' });
    const refused = await call(base, 'POST', '/endpoints', { url: 'http://10.0.0.5/hook' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('REQUIRE_HTTPS_TARGETS=true');
    expect((await call(base, 'POST', '/endpoints', { url: 'https://10.0.0.5/hook' })).status).toBe(201);
    expect((await call(base, 'POST', '/endpoints', { url: 'http://127.0.0.1:3000/hook' })).status).toBe(201);
  });
});

describe('target policy at each attempt', () => {
  it('refuses a name that passed when added and resolves to a metadata address later (dns rebinding)', async () => {
    // each answer closes its connection, so every attempt connects (and looks the name up) again
    const requests: string[] = [];
    const server = createHttpServer((req, res) => {
      requests.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.writeHead(500, { connection: 'close' }).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const { state, resolveHost } = steerableResolver('127.0.0.1');
    const { base } = await sender({ RETRY_TIME_SCALE: '0.0005' }, { resolveHost });
    const added = await call(base, 'POST', '/endpoints', { url: `http://rebind.test:${port}/hook` });
    expect(added.status).toBe(201);

    const first = await call(base, 'POST', '/events', { event: 'lead.created' });
    const delivered = await settled(base, deliveryIds(first.json)[0] ?? '');
    expect(delivered.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 500, 500]);
    expect(requests).toHaveLength(4);

    state.address = '169.254.169.254';
    const second = await call(base, 'POST', '/events', { event: 'lead.created' });
    const refused = await settled(base, deliveryIds(second.json)[0] ?? '');
    expect(refused.state).toBe('failed');
    expect(refused.attempts).toHaveLength(4);
    for (const attempt of refused.attempts) {
      expect(attempt).toMatchObject({ status: null });
      expect(attempt.error).toMatch(
        /^target refused: rebind\.test \(169\.254\.169\.254\) is a cloud metadata address/,
      );
    }
    expect(requests).toHaveLength(4);
  });
});

/** a self-signed certificate for 127.0.0.1, made now */
function selfSigned(): { key: string; cert: string; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'omni-sender-tls-'));
  dirs.push(dir);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=omni staging receiver',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    certFile: join(dir, 'cert.pem'),
  };
}

describe('https targets with a private certificate', () => {
  // openssl makes the private CA: scripts/test-prerequisites.sh installs it, never a silent skip
  it('delivers to a self-signed receiver once TARGET_CA_FILE trusts it, and only then', async () => {
    const { key, cert, certFile } = selfSigned();
    const bodies: string[] = [];
    const server = createServer({ key, cert }, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

    const untrusting = await sender({ TARGET_URL: url, RETRY_TIME_SCALE: '0.0005' });
    const refused = await call(untrusting.base, 'POST', '/events', { event: 'lead.created' });
    const failed = await settled(untrusting.base, deliveryIds(refused.json)[0] ?? '');
    expect(failed.state).toBe('failed');
    expect(failed.attempts[0]?.error).toMatch(/self[- ]signed certificate/i);
    expect(bodies).toEqual([]);

    const trusting = await sender({ TARGET_URL: url, TARGET_CA_FILE: certFile });
    const posted = await call(trusting.base, 'POST', '/events', { event: 'lead.created' });
    const delivered: DeliveryView = await settled(trusting.base, deliveryIds(posted.json)[0] ?? '');
    expect(delivered.attempts).toMatchObject([{ status: 200, responseBody: 'ok' }]);
    expect(bodies).toEqual([JSON.stringify(delivered.payload)]);
  });
});
