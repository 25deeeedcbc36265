import type { WebhookValidationIssue } from '@omni-webhooks/schema';
import type { InboxIssue } from '../store/inbox-store.js';

/** issues kept in a 400 answer and in the stored row; a body with thousands of bad items must not make megabytes of either */
export const MAX_REPORTED_ISSUES = 50;

export const TRUNCATED_ISSUES_CODE = 'too_many_issues';

/** the first `limit` issues as stored, then one `too_many_issues` entry counting the ones left out */
export function reportedIssues(
  issues: readonly WebhookValidationIssue[],
  limit = MAX_REPORTED_ISSUES,
): InboxIssue[] {
  const kept: InboxIssue[] = issues.slice(0, limit).map((issue) => ({
    path: [...issue.path],
    message: issue.message,
    code: issue.code,
  }));
  const omitted = issues.length - kept.length;
  if (omitted > 0) {
    kept.push({ path: [], code: TRUNCATED_ISSUES_CODE, message: `${omitted} more issues left out` });
  }
  return kept;
}
