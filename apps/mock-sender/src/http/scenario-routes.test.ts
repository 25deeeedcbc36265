import { readFileSync } from 'node:fs';
import { builtInScenario, createScenarioPlan, TRAFFIC_KNOB_NAMES } from '@omni-webhooks/schema/fixtures';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { ScenarioRun } from '../console/browser/api.js';
import { DEFAULT_SCENARIO_RUN_LIMITS } from '../scenarios/scenario-run-request.js';
import { ScenarioRunStore } from '../scenarios/scenario-run-store.js';
import type { RunView } from '../scenarios/scenario-runs.js';
import { startGuardedSender, TOKENS } from '../test-support/guarded-sender.js';
import { countBy, pollRun } from '../test-support/scenario-run-polling.js';
import { call, useSenderApi } from '../test-support/sender-api.js';

const { receiver, sender, cleanups } = useSenderApi();

// journeys of minutes at OmniAI's pace, played in a few ms
const FAST = { speed: 1_000_000 };

const RUN_WAIT_MS = 15_000;

describe('POST /scenarios', () => {
  it('needs the API token, as every route, and audits starts and stops (refusals are not audited)', async () => {
    const target = await receiver();
    const guarded = await startGuardedSender({ TARGET_URL: target.url });
    cleanups.push(() => guarded.sender.close());
    const { base } = guarded;
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ scenario: 'lead-journey', leads: 2 });
    expect((await fetch(`${base}/scenarios`, { method: 'POST', headers: json, body })).status).toBe(401);
    expect((await fetch(`${base}/scenarios`)).status).toBe(401);
    expect((await fetch(`${base}/scenarios/run_x`)).status).toBe(401);
    expect((await fetch(`${base}/scenarios/run_x/stop`, { method: 'POST' })).status).toBe(401);
    expect(guarded.sender.outbox.openCount()).toBe(0);

    const bearer = { authorization: `Bearer ${TOKENS[0]}` };
    const started = await fetch(`${base}/scenarios`, {
      method: 'POST',
      headers: { ...bearer, ...json },
      body,
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as RunView;
    expect((await fetch(`${base}/scenarios/${id}`, { headers: bearer })).status).toBe(200);
    const stopped = await fetch(`${base}/scenarios/${id}/stop`, { method: 'POST', headers: bearer });
    expect(stopped.status).toBe(200);
    const audits = guarded.log.records().flatMap((record) => (record.audit ? [record.audit] : []));
    expect(audits).toEqual([
      expect.objectContaining({
        actor: 'token#1',
        action: 'POST /scenarios',
        status: 202,
        scenarioRunId: id,
        endpointId: 'default',
      }),
      expect.objectContaining({
        actor: 'token#1',
        action: `POST /scenarios/${id}/stop`,
        status: 200,
        scenarioRunId: id,
      }),
    ]);
  });

  it('refuses a bad body or scenario with the path of each problem, before anything is sent', async () => {
    const target = await receiver();
    const { sender: started, base } = await sender({ TARGET_URL: target.url });
    const bad = await call(base, 'POST', '/scenarios', {
      scenario: {
        name: 'broken',
        steps: [
          { event: 'lead.created' },
          { event: 'lead.exploded' },
          { event: 'lead.updated', wait: 'soon' },
        ],
      },
      leads: 0,
      duplicates: 2,
      timeScale: 0.01,
      bogus: true,
    });
    expect(bad.status).toBe(400);
    const paths = (bad.json.error as { issues: { path: (string | number)[] }[] }).issues.map((issue) =>
      issue.path.join('.'),
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        'leads',
        'duplicates',
        'timeScale',
        'bogus',
        'scenario.steps.1.event',
        'scenario.steps.2.wait',
      ]),
    );
    const unknown = await call(base, 'POST', '/scenarios', { scenario: 'lead-journy' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({
      issues: [{ path: ['scenario'], message: expect.stringContaining('lead-journey, document-burst') }],
    });
    // a reference the plan cannot resolve is found when planning, still before anything is stored
    const unresolved = await call(base, 'POST', '/scenarios', {
      scenario: {
        name: 'dangling',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a scenario reference
        steps: [{ event: 'document.extracted', overrides: { documentId: '${nowhere.document.id}' } }],
      },
    });
    expect(unresolved.status).toBe(400);
    expect(
      (unresolved.json.error as { issues: { path: unknown[] }[] }).issues.every(
        (issue) => issue.path[0] === 'scenario',
      ),
    ).toBe(true);
    expect(target.requests).toHaveLength(0);
    expect(started.outbox.openCount()).toBe(0);
    expect((await call(base, 'GET', '/scenarios')).json).toEqual({ runs: [] });
  });

  it('answers 404 for an unknown endpoint, 409 without a default one, 409 when the endpoint filters events out', async () => {
    const { base } = await sender();
    expect(
      (await call(base, 'POST', '/scenarios', { scenario: 'lead-journey', endpointId: 'ep_nope' })).status,
    ).toBe(404);
    const noDefault = await call(base, 'POST', '/scenarios', { scenario: 'lead-journey' });
    expect(noDefault.status).toBe(409);
    expect(noDefault.json.error).toMatchObject({ code: 'no_endpoints' });
    const filtered = await call(base, 'POST', '/endpoints', {
      url: 'http://127.0.0.1:9/hook',
      events: ['lead.created'],
    });
    const refused = await call(base, 'POST', '/scenarios', {
      scenario: 'lead-journey',
      endpointId: filtered.json.id,
    });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'not_subscribed' });
  });

  it('answers 413 for a plan over the limit, without planning a huge one', async () => {
    const { base } = await sender(
      { TARGET_URL: 'http://127.0.0.1:9/hook' },
      { scenarioLimits: { deliveries: 40 } },
    );
    const leads = await call(base, 'POST', '/scenarios', { scenario: 'lead-journey', leads: 100_000 });
    expect(leads.status).toBe(413);
    expect(leads.json.error).toMatchObject({ code: 'too_many_deliveries' });
    // about 12 deliveries a lead-journey: 10 leads are over 40 by the file's bound
    const bounded = await call(base, 'POST', '/scenarios', { scenario: 'lead-journey', leads: 10 });
    expect(bounded.status).toBe(413);
    expect((bounded.json.error as { message: string }).message).toMatch(/can make up to \d+ deliveries/);
    // 26 events and half duplicated bound at 39, but the draw can duplicate more: the plan is checked too
    const scenario = { name: 'drawn', steps: [{ event: 'lead.created', repeat: 26 }] };
    const seed = [...Array(200).keys()].find(
      (candidate) =>
        createScenarioPlan(scenario as never, { duplicates: 0.5, seed: candidate }).deliveries.length > 40,
    );
    expect(seed).toBeDefined();
    const planned = await call(base, 'POST', '/scenarios', { scenario, duplicates: 0.5, seed });
    expect(planned.status).toBe(413);
    expect((planned.json.error as { message: string }).message).toMatch(/the plan has \d+ deliveries/);
  });

  it('refuses a small body asking for a million events with 413, before expanding it', async () => {
    const target = await receiver();
    const { sender: started, base } = await sender({ TARGET_URL: target.url });
    const steps = Array.from({ length: 40 }, () => ({ event: 'lead.created', repeat: 1_000 }));
    const hostile = await call(base, 'POST', '/scenarios', {
      scenario: { name: 'hostile', steps },
      leads: 1,
    });
    expect(hostile.status).toBe(413);
    expect(hostile.json.error).toMatchObject({ code: 'too_many_deliveries' });
    expect((hostile.json.error as { message: string }).message).toMatch(/up to 40000 deliveries/);
    expect((await call(base, 'GET', '/scenarios')).json).toEqual({ runs: [] });
    expect(started.outbox.openCount()).toBe(0);
    expect(target.requests).toHaveLength(0);
  });

  it('plays a run through the outbox to done: 202, Location, live progress, then the summary', async () => {
    const body = {
      scenario: 'lead-journey',
      leads: 6,
      duplicates: 0.3,
      reorderWindowMs: 600_000,
      seed: 11,
      startAt: '2026-02-01T09:00:00.000Z',
      ...FAST,
    };
    const plan = createScenarioPlan(builtInScenario('lead-journey'), {
      ...body,
      startAtMs: Date.parse(body.startAt),
    });
    const planned = plan.deliveries.length;
    // two originals without a duplicate fail their first attempt: retried on the engine's schedule
    const failOnce = new Set(
      plan.deliveries
        .filter((delivery) => !plan.deliveries.some((other) => other.duplicateOf === delivery.index))
        .slice(1, 3)
        .map((delivery) => delivery.body),
    );
    const answered: { body: string; status: number }[] = [];
    const target = await receiver((_, request) => {
      const status = failOnce.delete(request.body) ? 500 : 200;
      answered.push({ body: request.body, status });
      return status;
    });
    const { base } = await sender({ TARGET_URL: target.url });
    const started = await fetch(`${base}/scenarios`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(started.status).toBe(202);
    const answer = (await started.json()) as RunView;
    expect(started.headers.get('location')).toBe(`/scenarios/${answer.id}`);
    expect(answer).toMatchObject({
      status: 'running',
      scenario: 'lead-journey',
      endpointId: 'default',
      startAt: body.startAt,
      progress: { planned },
    });
    expect(answer.knobs).toMatchObject({ leads: 6, duplicates: 0.3, seed: 11, concurrency: 8 });

    const done = await pollRun(base, answer.id, (run) => run.status !== 'running', RUN_WAIT_MS);
    expect(done.status).toBe('done');
    expect(done.progress).toMatchObject({
      planned,
      started: planned,
      inFlight: 0,
      settled: planned,
      succeeded: planned,
      failed: 0,
      duplicates: plan.duplicates,
    });
    expect(plan.duplicates).toBeGreaterThan(0);
    expect(done.summary).toMatchObject({
      scenario: 'lead-journey',
      journeys: 6,
      planned,
      deliveries: planned,
      unsettled: 0,
      retried: 2,
      firstAttemptSuccesses: planned - 2,
      failed: 0,
      duplicates: plan.duplicates,
      outOfOrder: done.progress.outOfOrder,
      aborted: false,
    });
    // the reorder window inverts some: counted live as in the summary
    expect(done.progress.outOfOrder).toBeGreaterThan(0);
    // every planned delivery arrived once, the duplicates as the same bytes again
    const delivered = answered.filter((request) => request.status === 200).map((request) => request.body);
    expect(countBy(delivered)).toEqual(countBy(plan.deliveries.map((delivery) => delivery.body)));
    expect(answered).toHaveLength(planned + 2);
    // through the shared outbox: one delivery row per plan entry, duplicates as redeliveries
    const { json } = await call(base, 'GET', '/deliveries?limit=1000');
    const rows = json.deliveries as { redeliveryOf: string | null; state: string }[];
    expect(rows).toHaveLength(planned);
    expect(rows.filter((row) => row.redeliveryOf !== null)).toHaveLength(plan.duplicates);
    expect(rows.every((row) => row.state === 'succeeded')).toBe(true);

    const list = await call(base, 'GET', '/scenarios');
    expect((list.json.runs as RunView[]).map((run) => run.id)).toEqual([answer.id]);
  });

  it('plays one run per endpoint at a time, and never replays the events of an earlier run', async () => {
    const target = await receiver();
    const { base } = await sender({ TARGET_URL: target.url });
    // at OmniAI's pace the journeys take minutes: the run stays playing
    const slow = await call(base, 'POST', '/scenarios', { scenario: 'lead-journey', leads: 3 });
    expect(slow.status).toBe(202);
    const second = await call(base, 'POST', '/scenarios', { scenario: 'document-burst', ...FAST });
    expect(second.status).toBe(409);
    expect(second.json.error).toMatchObject({ code: 'scenario_running' });
    await call(base, 'POST', `/scenarios/${slow.json.id}/stop`);

    const body = { scenario: 'document-burst', seed: 5, startAt: '2026-01-05T10:00:00.000Z', ...FAST };
    const first = await call(base, 'POST', '/scenarios', body);
    expect(first.status).toBe(202);
    await pollRun(base, first.json.id as string, (run) => run.status === 'done', RUN_WAIT_MS);
    const again = await call(base, 'POST', '/scenarios', body);
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'events_exist' });
    expect((await call(base, 'POST', '/scenarios', { ...body, seed: 6 })).status).toBe(202);
  });

  it('plays another scenario of the same seed and startAt, and refuses one whose events a run is playing', async () => {
    const [first, second] = [await receiver(), await receiver()];
    const { base } = await sender({ TARGET_URL: first.url });
    const other = await call(base, 'POST', '/endpoints', { url: second.url });
    const same = { seed: 5, startAt: '2026-01-05T10:00:00.000Z' };
    const burst = await call(base, 'POST', '/scenarios', { scenario: 'document-burst', ...same, ...FAST });
    expect(burst.status).toBe(202);
    await pollRun(base, burst.json.id as string, (run) => run.status === 'done', RUN_WAIT_MS);
    // other events under the same seed and start: other webhook ids, nothing to refuse
    const journey = { scenario: 'lead-journey', leads: 2, ...same };
    const played = await call(base, 'POST', '/scenarios', { ...journey, endpointId: other.json.id });
    expect(played.status).toBe(202);
    // the same run again while the first plays at OmniAI's pace: its events are not all in the outbox yet
    const again = await call(base, 'POST', '/scenarios', journey);
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'events_exist' });
    await call(base, 'POST', `/scenarios/${played.json.id}/stop`);
  });

  it('stops a run: nothing more starts, and the summary counts what settled', async () => {
    const target = await receiver();
    const { sender: started, base } = await sender({ TARGET_URL: target.url });
    // journeys start 1 s apart at speed 30, each lead.created then its documents 0.7 s or more later
    const run0 = await call(base, 'POST', '/scenarios', { scenario: 'lead-journey', leads: 4, speed: 30 });
    const id = run0.json.id as string;
    await pollRun(base, id, (run) => run.progress.settled >= 1, RUN_WAIT_MS);
    const stopped = await call(base, 'POST', `/scenarios/${id}/stop`);
    expect(stopped.status).toBe(200);
    const run = stopped.json as unknown as RunView;
    expect(run.status).toBe('stopped');
    expect(run.progress.settled).toBeGreaterThanOrEqual(1);
    expect(run.progress.started).toBeLessThan(run.progress.planned);
    expect(run.summary).toMatchObject({ aborted: true, deliveries: run.progress.settled });
    expect(run.summary?.unsettled).toBe(run.progress.planned - run.progress.settled);
    // the player is over once stop answers; what it handed over finishes in the engine, once each (the
    // receiver answers 200), and nothing else is sent: no wait on the wall clock for a late start
    await started.engine.idle();
    expect(target.requests).toHaveLength(run.progress.started);
    expect((await call(base, 'GET', `/scenarios/${id}`)).json).toMatchObject({ progress: run.progress });
    // stopping again answers the run as it is; an unknown one is a 404
    expect((await call(base, 'POST', `/scenarios/${id}/stop`)).json).toMatchObject({ status: 'stopped' });
    expect((await call(base, 'POST', '/scenarios/run_nope/stop')).status).toBe(404);
    expect((await call(base, 'GET', '/scenarios/run_nope')).status).toBe(404);
  });

  it('reports the concurrency a run gets: its knob, capped at ENDPOINT_CONCURRENCY', async () => {
    const { base } = await sender({ TARGET_URL: 'http://127.0.0.1:9/hook', ENDPOINT_CONCURRENCY: '4' });
    const capped = await call(base, 'POST', '/scenarios', { scenario: 'lead-journey', concurrency: 64 });
    expect(capped.json).toMatchObject({ knobs: { concurrency: 64 }, effectiveConcurrency: 4 });
    await call(base, 'POST', `/scenarios/${capped.json.id}/stop`);
    const under = await call(base, 'POST', '/scenarios', { scenario: 'lead-journey', concurrency: 2 });
    expect(under.json).toMatchObject({ knobs: { concurrency: 2 }, effectiveConcurrency: 2 });
  });

  it('ends a run failed when its endpoint is removed: it sends nothing more to that URL', async () => {
    const target = await receiver();
    const { base } = await sender();
    const endpoint = await call(base, 'POST', '/endpoints', { url: target.url });
    expect(endpoint.status).toBe(201);
    const endpointId = endpoint.json.id as string;
    // at speed 30 the journeys take seconds: the run is still playing when its endpoint goes
    const started = await call(base, 'POST', '/scenarios', {
      scenario: 'lead-journey',
      leads: 4,
      speed: 30,
      endpointId,
    });
    const id = started.json.id as string;
    await pollRun(base, id, (run) => run.progress.settled >= 1, RUN_WAIT_MS);
    expect((await call(base, 'DELETE', `/endpoints/${endpointId}`)).status).toBe(204);
    const run = (await call(base, 'GET', `/scenarios/${id}`)).json as unknown as RunView;
    expect(run).toMatchObject({ status: 'failed', error: `its endpoint ${endpointId} was removed` });
    expect(run.progress.started).toBeLessThan(run.progress.planned);
    expect(run.summary).toMatchObject({ aborted: true });
  });

  it("hands a delivery to the engine only once its run's row committed: a failed write sends nothing", async () => {
    const target = await receiver();
    const { sender: started, base } = await sender({ TARGET_URL: target.url });
    const recordDispatch = vi.spyOn(ScenarioRunStore.prototype, 'recordDispatch').mockImplementation(() => {
      throw new Error('disk full');
    });
    cleanups.push(async () => recordDispatch.mockRestore());
    const schedule = vi.spyOn(started.engine, 'schedule');
    const run = await call(base, 'POST', '/scenarios', { scenario: 'lead-journey', leads: 1, ...FAST });
    expect(run.status).toBe(202);
    const failed = await pollRun(
      base,
      run.json.id as string,
      (view) => view.status !== 'running',
      RUN_WAIT_MS,
    );
    expect(failed).toMatchObject({ status: 'failed', error: 'disk full' });
    // the outbox row rolled back with the run's: the engine was never given it
    expect(recordDispatch).toHaveBeenCalled();
    expect(schedule).not.toHaveBeenCalled();
    await started.engine.idle();
    expect(target.requests).toHaveLength(0);
    expect(started.outbox.openCount()).toBe(0);
  });
});

describe('browser wire types of scenario runs', () => {
  it('match what the API answers', () => {
    expectTypeOf<RunView>().toExtend<ScenarioRun>();
    expectTypeOf<ScenarioRun>().toExtend<RunView>();
  });
});

describe('the README on scenario runs', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Scenario runs'), readme.indexOf('## Web console'));

  it('lists every knob of the body and the limits the code applies', () => {
    const knobRow = section.split('\n').find((line) => line.startsWith('| `leads`')) ?? '';
    const names = knobRow.split('|')[1]?.match(/`(\w+)`/g);
    expect(names?.map((name) => name.slice(1, -1))).toEqual(TRAFFIC_KNOB_NAMES);
    const { activeRuns, deliveries } = DEFAULT_SCENARIO_RUN_LIMITS;
    expect(section).toContain(`| ${activeRuns} runs are playing`);
    expect(section).toContain(`more than ${deliveries.toLocaleString('en-US').replace(',', ' ')} deliveries`);
  });
});
