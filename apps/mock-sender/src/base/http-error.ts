export interface ErrorIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

/** an error with the HTTP status and the JSON body `{ error: { code, message, issues? } }` to answer */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: ErrorIssue[],
  ) {
    super(message);
  }

  toBody(): { error: { code: string; message: string; issues?: ErrorIssue[] } } {
    return {
      error: { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) },
    };
  }
}

/** zod issues as the `issues` of a 400 */
export function toIssues(
  issues: readonly { path: PropertyKey[]; message: string; code: string }[],
): ErrorIssue[] {
  return issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === 'number' ? key : String(key))),
    message: issue.message,
    code: issue.code,
  }));
}
