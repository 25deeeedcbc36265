// POST /scenarios, GET /scenarios, GET /scenarios/:id, POST /scenarios/:id/stop: scenario runs on the
// running sender (src/scenarios/scenario-runs.ts does the work)
import type Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import { HttpError, toIssues } from '../base/http-error.js';
import type { ScenarioRuns } from '../scenarios/scenario-runs.js';

export const MAX_RUNS_LISTED = 1000;

const listRunsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_RUNS_LISTED).default(100),
});

export interface ScenarioRouteParts {
  runs: ScenarioRuns;
  /** the API's JSON body reader (content type, MAX_REQUEST_BYTES) */
  readBody: (ctx: Koa.Context) => Promise<unknown>;
}

export function registerScenarioRoutes(router: Router, { runs, readBody }: ScenarioRouteParts): void {
  router.post('/scenarios', async (ctx) => {
    const run = runs.start(await readBody(ctx));
    ctx.status = 202;
    ctx.set('location', `/scenarios/${encodeURIComponent(run.id)}`);
    ctx.body = run;
  });

  router.get('/scenarios', (ctx) => {
    const query = listRunsQuery.safeParse(ctx.query);
    if (!query.success) {
      throw new HttpError(400, 'invalid_request', 'invalid query', toIssues(query.error.issues));
    }
    ctx.body = { runs: runs.list(query.data.limit) };
  });

  router.get('/scenarios/:id', (ctx) => {
    const run = runs.get(ctx.params.id ?? '');
    if (!run) throw new HttpError(404, 'not_found', `no scenario run ${ctx.params.id}`);
    ctx.body = run;
  });

  router.post('/scenarios/:id/stop', async (ctx) => {
    const run = await runs.stop(ctx.params.id ?? '');
    if (!run) throw new HttpError(404, 'not_found', `no scenario run ${ctx.params.id}`);
    ctx.body = run;
  });
}
