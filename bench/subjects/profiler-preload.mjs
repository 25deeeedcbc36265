// loaded with `node --import` into a bench subject: SIGUSR2 starts the cpu profiler of the main thread, the
// next SIGUSR2 stops it and writes the profile to BENCH_PROFILE_FILE (so only the measured window is profiled)
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const file = process.env.BENCH_PROFILE_FILE;
let session;

process.on('SIGUSR2', async () => {
  if (!file) return;
  if (!session) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    return;
  }
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  session = undefined;
  writeFileSync(`${file}.tmp`, JSON.stringify(profile));
  renameSync(`${file}.tmp`, file);
});
