import { createHash } from 'node:crypto';
import { equalInConstantTime } from '@omni-webhooks/contract';

/** a configured token, known in logs by its label only (`token#1` is the first of SENDER_API_TOKEN) */
interface StoredToken {
  label: string;
  digest: Buffer;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * The tokens of SENDER_API_TOKEN, several at once during a rotation. A presented token is compared with
 * every configured one through equal-length digests and `equalInConstantTime`, with no early exit, so the
 * time taken says nothing of which token, or how much of one, matched.
 */
export class ApiTokens {
  readonly #tokens: StoredToken[];

  constructor(tokens: readonly string[]) {
    this.#tokens = tokens.map((token, index) => ({ label: `token#${index + 1}`, digest: digest(token) }));
  }

  /** false when SENDER_API_TOKEN is unset: the API is open (loopback, or ALLOW_UNAUTHENTICATED) */
  get required(): boolean {
    return this.#tokens.length > 0;
  }

  /** the label of the matching token, or undefined */
  match(presented: string): string | undefined {
    const presentedDigest = digest(presented);
    let label: string | undefined;
    for (const token of this.#tokens) {
      if (equalInConstantTime(token.digest, presentedDigest) && label === undefined) {
        label = token.label;
      }
    }
    return label;
  }
}

/** the token of an `Authorization: Bearer <token>` header; undefined for any other scheme */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
