/** an error's name and message for a log line or the stored `lastError`, at most 4000 characters */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 4000);
  return String(error).slice(0, 4000);
}
