import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';

/** A bearer token in, checked against the API before it is kept (in sessionStorage, by the caller). */
export function SignIn({ message, onSignIn }: { message?: string; onSignIn: (token: string) => Promise<void> }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(message);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSignIn(token.trim());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('That token is not accepted by this Ferry (wrong, expired or revoked).');
      else if (err instanceof ApiError) setError(err.message);
      else throw err;
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="signin" onSubmit={(e) => void submit(e)}>
      <h1>Ferry console</h1>
      <p>Sign in with an API token (an admin or a read token from <code>ferry.auth.tokens</code>, or the admin token <code>make run</code> printed). It is kept in this tab only.</p>
      <label>
        API token
        <input name="token" type="password" autocomplete="off" required value={token} onInput={(e) => setToken(e.currentTarget.value)} data-testid="token" />
      </label>
      {error && <p class="error" role="alert" data-testid="signin-error">{error}</p>}
      <button type="submit" disabled={busy || token.trim() === ''} data-testid="signin">Sign in</button>
    </form>
  );
}
