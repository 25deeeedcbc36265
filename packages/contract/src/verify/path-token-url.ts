// --path-token: the token given (flag or WEBHOOK_PATH_TOKEN) is appended to --url; a bare flag with
// no variable means --url already ends with it. either way the suite keeps the url and the token apart,
// so the token is sent only where it belongs and never printed

export interface PathTokenEndpoint {
  /** the webhook url without the token */
  url: string;
  pathToken?: string;
}

export function splitPathToken(
  url: string,
  flag: string | true | undefined,
  fromEnvironment: string | undefined,
): PathTokenEndpoint | string {
  if (flag === undefined) return { url };
  const token = typeof flag === 'string' ? flag : fromEnvironment;
  if (token !== undefined && token !== '') {
    if (token.includes('/')) return 'the token is one path segment: it cannot hold "/"';
    return { url, pathToken: token };
  }
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/');
  const last = segments.pop();
  if (!last) return 'no token: give --path-token <token>, set WEBHOOK_PATH_TOKEN, or end --url with it';
  parsed.pathname = segments.join('/') || '/';
  return {
    url: parsed.href.replace(/\/$/, parsed.pathname === '/' ? '/' : ''),
    pathToken: decodeURIComponent(last),
  };
}
