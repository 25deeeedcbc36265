import type { Context } from 'koa';
import type { z } from 'zod';

/** 400 `invalid_query` with each issue's path, message and code */
export function invalidQuery(ctx: Context, issues: z.core.$ZodIssue[]): void {
  ctx.status = 400;
  ctx.body = {
    error: {
      code: 'invalid_query',
      message: 'invalid query parameters',
      issues: issues.map((issue) => ({ path: issue.path, message: issue.message, code: issue.code })),
    },
  };
}
