import type { z } from 'zod';

export interface WebhookValidationIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

const MAX_ISSUES_IN_MESSAGE = 3;

function formatPath(path: readonly (string | number)[]): string {
  return path.length ? path.join('.') : '(root)';
}

export class WebhookEventValidationError extends Error {
  override readonly name = 'WebhookEventValidationError';
  readonly issues: WebhookValidationIssue[];

  constructor(issues: WebhookValidationIssue[]) {
    const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => `${formatPath(i.path)}: ${i.message}`);
    const more =
      issues.length > MAX_ISSUES_IN_MESSAGE ? `; and ${issues.length - MAX_ISSUES_IN_MESSAGE} more` : '';
    super(`[@omni-webhooks/schema] invalid webhook event: ${shown.join('; ')}${more}`);
    this.issues = issues;
  }

  static fromZod(error: z.ZodError): WebhookEventValidationError {
    return new WebhookEventValidationError(
      error.issues.flatMap((issue): WebhookValidationIssue[] => {
        // symbols never appear in parsed json; drop them rather than stringify
        const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
        // one issue per unknown key, its path naming the key (as json schema validators report it)
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) => ({
            path: [...path, key],
            message: `unrecognized key ${JSON.stringify(key)}`,
            code: issue.code,
          }));
        }
        return [{ path, message: issue.message, code: issue.code }];
      }),
    );
  }
}
