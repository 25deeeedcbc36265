// the top frames of a V8 .cpuprofile by self time, and the same time grouped by where the code lives
// (a package under node_modules, this repository's packages, node's internals), to read a profile in a terminal
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FrameTime {
  frame: string;
  micros: number;
  share: number;
}

const SPECIAL_FRAMES: Record<string, string> = {
  '(garbage collector)': 'gc',
  '(program)': 'v8 and native (program)',
};

function placeOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  const special = SPECIAL_FRAMES[functionName];
  if (special) return special;
  if (!url) return functionName.includes('libsql') ? 'libsql (native)' : 'native';
  if (url.startsWith('node:')) return 'node internals';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
  if (modules?.[1]) return modules[1];
  const workspace = /\/(apps|packages)\/([^/]+)\//.exec(url);
  if (workspace) return `${workspace[1]}/${workspace[2]}`;
  return url.replace(/^file:\/\//, '');
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url.replace(/^file:\/\/.*?\/(node_modules|apps|packages)\//, '$1/')}:${lineNumber + 1}`
    : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

/** self time per frame and per place, largest first, as shares of the busy time (idle samples left out) */
export function summarizeProfile(file: string): {
  frames: FrameTime[];
  places: FrameTime[];
  totalMicros: number;
} {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const frames = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    total += delta;
    const name = frameName(node);
    frames.set(name, (frames.get(name) ?? 0) + delta);
    const place = placeOf(node);
    places.set(place, (places.get(place) ?? 0) + delta);
  });
  const sorted = (map: Map<string, number>) =>
    [...map.entries()]
      .map(([frame, micros]) => ({ frame, micros, share: total ? micros / total : 0 }))
      .sort((a, b) => b.micros - a.micros);
  return { frames: sorted(frames), places: sorted(places), totalMicros: total };
}
