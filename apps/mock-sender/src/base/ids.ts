import { randomUUID } from 'node:crypto';

/** `dlv_3f0c...`: a type prefix makes ids in logs and urls self-describing */
export function newId(prefix: 'dlv' | 'ep' | 'msg' | 'run'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}
