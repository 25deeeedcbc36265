import { ApiError, api, useCsrfToken, whenSessionEnds } from './api.js';
import { byId } from './dom-builder.js';

const main = byId('console-main', HTMLElement);
const panel = byId('sign-in', HTMLDivElement);
const form = byId('sign-in-form', HTMLFormElement);
const input = byId('sign-in-token', HTMLInputElement);
const error = byId('sign-in-error', HTMLParagraphElement);
const signOut = byId('sign-out', HTMLButtonElement);

function open(required: boolean, csrfToken: string | undefined): void {
  useCsrfToken(csrfToken);
  panel.hidden = true;
  main.hidden = false;
  signOut.hidden = !required;
}

function refusal(caught: unknown): string {
  if (caught instanceof ApiError && caught.code === 'invalid_token') {
    return 'Wrong token: it is not one of this sender’s SENDER_API_TOKEN values.';
  }
  return (caught as Error).message;
}

// the reloaded page asks for the token again
whenSessionEnds(() => window.location.reload());

signOut.addEventListener('click', () => {
  void api.signOut().finally(() => window.location.reload());
});

/**
 * Resolves once the console may load: the sender needs no token, the browser has a session, or the
 * token typed into the sign-in form was accepted. The token goes to the sender once; it answers a
 * session cookie (HttpOnly, so this code never sees it) and a CSRF token kept in memory.
 */
export async function signedIn(): Promise<void> {
  const state = await api.session();
  if (state.signedIn) {
    open(state.required, state.csrfToken);
    return;
  }
  panel.hidden = false;
  input.focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      error.textContent = '';
      if (input.value === '') {
        error.textContent = 'Enter the API token.';
        return;
      }
      api.signIn(input.value).then(
        (session) => {
          input.value = '';
          open(true, session.csrfToken);
          resolve();
        },
        (caught: unknown) => {
          error.textContent = refusal(caught);
          input.select();
        },
      );
    });
  });
}
