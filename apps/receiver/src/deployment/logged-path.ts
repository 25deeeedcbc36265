// a request path as a log line may show it: the path token of `POST /webhooks/omniai/<token>` is a
// credential, so any segment after the webhook path is replaced, whatever the route made of it
const TOKEN_PATH = /^(\/+webhooks\/+omniai)\/.*$/i;

export function loggedPath(path: string): string {
  return path.replace(TOKEN_PATH, '$1/[redacted]');
}
