// refused input shown as a list of problems, each at its path (the send form's payload, the scenario panel's knobs)
import type { Issue } from './api.js';
import { formatPath } from './display-format.js';
import { h } from './dom-builder.js';

export function issueItems(issues: readonly Issue[]): HTMLLIElement[] {
  return issues.map((issue) =>
    h(
      'li',
      { 'data-path': formatPath(issue.path) },
      h('code', { class: 'issue-path' }, formatPath(issue.path)),
      h('span', { class: 'issue-message' }, issue.message),
    ),
  );
}
