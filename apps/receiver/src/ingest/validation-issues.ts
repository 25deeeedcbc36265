import type { WebhookValidationIssue } from '@omni-webhooks/schema';
import { CUT_MARK, cutText } from '../cut-text.js';
import type { InboxIssue } from '../store/inbox-store.js';

// issues kept in a 400 answer, in the stored row and in GET /events/:id. a body names its own keys, so
// one issue may quote a megabyte of them: each issue is cut, and the list is bounded in count and bytes

/** issues kept, before the `too_many_issues` entry */
export const MAX_REPORTED_ISSUES = 50;

/** path segments kept per issue; a longer path ends with a `…` segment */
export const MAX_ISSUE_PATH_SEGMENTS = 16;

/** characters kept per path segment (a key the body chose) */
export const MAX_ISSUE_SEGMENT_CHARS = 64;

/** characters kept per message (zod quotes unknown keys in it) */
export const MAX_ISSUE_MESSAGE_CHARS = 256;

/** json bytes of the kept issues together; one cut issue always fits (at most ~8 KiB) */
export const MAX_ISSUES_BYTES = 16 * 1024;

export const TRUNCATED_ISSUES_CODE = 'too_many_issues';

/**
 * issues as answered and stored: each cut, the first ones that fit MAX_REPORTED_ISSUES and
 * MAX_ISSUES_BYTES, then one `too_many_issues` entry counting the ones left out. idempotent, so rows
 * stored before the bounds are cut the same way when read
 */
export function reportedIssues(
  issues: readonly (WebhookValidationIssue | InboxIssue)[],
  limit = MAX_REPORTED_ISSUES,
): InboxIssue[] {
  const kept: InboxIssue[] = [];
  let bytes = 2;
  let omitted = 0;
  for (const issue of issues) {
    if (issue.code === TRUNCATED_ISSUES_CODE) {
      omitted += Number.parseInt(issue.message, 10) || 0;
      continue;
    }
    // once one is left out, so are the rest: the kept ones stay the first
    if (omitted > 0 || kept.length >= limit) {
      omitted += 1;
      continue;
    }
    const cut = boundedIssue(issue);
    const size = Buffer.byteLength(JSON.stringify(cut)) + 1;
    if (bytes + size > MAX_ISSUES_BYTES) {
      omitted += 1;
      continue;
    }
    kept.push(cut);
    bytes += size;
  }
  if (omitted > 0) {
    kept.push({ path: [], code: TRUNCATED_ISSUES_CODE, message: `${omitted} more issues left out` });
  }
  return kept;
}

function boundedIssue(issue: WebhookValidationIssue | InboxIssue): InboxIssue {
  const segments = issue.path.length > MAX_ISSUE_PATH_SEGMENTS;
  const path = issue.path
    .slice(0, segments ? MAX_ISSUE_PATH_SEGMENTS - 1 : MAX_ISSUE_PATH_SEGMENTS)
    .map((segment) => (typeof segment === 'string' ? cutText(segment, MAX_ISSUE_SEGMENT_CHARS) : segment));
  if (segments) path.push(CUT_MARK);
  return {
    path,
    message: cutText(issue.message, MAX_ISSUE_MESSAGE_CHARS),
    code: cutText(issue.code, MAX_ISSUE_SEGMENT_CHARS),
  };
}
