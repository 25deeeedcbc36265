// what the scenario-run tests share: waiting on a run through the API, and comparing what was sent
import type { RunView } from '../scenarios/scenario-runs.js';
import { call } from './sender-api.js';

/** polls GET /scenarios/:id until `done` holds; throws with the last view past `timeoutMs` */
export async function pollRun(
  base: string,
  id: string,
  done: (run: RunView) => boolean,
  timeoutMs: number,
): Promise<RunView> {
  const deadline = performance.now() + timeoutMs;
  let run: RunView | undefined;
  while (performance.now() < deadline) {
    run = (await call(base, 'GET', `/scenarios/${id}`)).json as unknown as RunView;
    if (done(run)) return run;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`run ${id} never got there: ${JSON.stringify(run)}`);
}

/** how many times each value occurs: two lists of bodies compared as multisets */
export function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
