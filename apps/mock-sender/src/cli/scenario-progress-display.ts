// how far a scenario run is, on stderr: a bar on a terminal, else a line every twentieth of the deliveries
import cliProgress from 'cli-progress';
import type { ScenarioPlayer } from '../scenarios/scenario-player.js';
import type { ScenarioProgress } from '../scenarios/scenario-progress.js';

const LINES_PER_RUN = 20;

export function showProgress(player: ScenarioPlayer, stream: NodeJS.WritableStream): { stop(): void } {
  const start = player.progress;
  const total = start.planned - start.skipped;
  if ((stream as NodeJS.WriteStream).isTTY === true) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as NodeJS.WriteStream,
        format:
          '{bar} {value}/{total} deliveries | {inFlight} in flight | {failed} failed | {duration_formatted}',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { inFlight: 0, failed: 0 });
    const update = (progress: ScenarioProgress) =>
      bar.update(progress.settled, { inFlight: progress.inFlight, failed: progress.failed });
    player.on('progress', update);
    return {
      stop: () => {
        player.off('progress', update);
        update(player.progress);
        bar.stop();
      },
    };
  }
  const step = Math.max(1, Math.ceil(total / LINES_PER_RUN));
  const line = (progress: ScenarioProgress) => {
    if (progress.settled % step !== 0 && progress.settled !== total) return;
    const percent = total ? Math.floor((progress.settled * 100) / total) : 100;
    stream.write(
      `progress ${progress.settled}/${total} deliveries (${percent} %), ${progress.failed} failed, ${progress.inFlight} in flight\n`,
    );
  };
  player.on('progress', line);
  return { stop: () => player.off('progress', line) };
}
