import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, whenUnauthorized, type Identity } from './api.js';
import { forgetToken, storedToken, storeToken } from './session.js';
import { href, useRoute } from './router.js';
import { SignIn } from './pages/signIn.js';
import { JobsPage } from './pages/jobsPage.js';
import { JobPage } from './pages/jobPage.js';
import { NewJobPage } from './pages/newJobPage.js';

type Session = { state: 'checking' } | { state: 'signedOut'; message?: string } | { state: 'signedIn'; identity: Identity };

export function App() {
  const [session, setSession] = useState<Session>(() => (storedToken() ? { state: 'checking' } : { state: 'signedOut' }));
  const route = useRoute();

  useEffect(() => {
    whenUnauthorized((error) => {
      forgetToken();
      setSession({ state: 'signedOut', message: `The API refused the token (${error.message}): it may have expired or been revoked. Sign in again.` });
    });
    if (storedToken() === undefined) return;
    api.identity().then(
      (identity) => setSession({ state: 'signedIn', identity }),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) return; // whenUnauthorized said so
        setSession({ state: 'signedOut', message: `Could not reach the API: ${String(err)}` });
      },
    );
  }, []);

  const signIn = async (token: string): Promise<void> => {
    const identity = await api.identity(token);
    storeToken(token);
    setSession({ state: 'signedIn', identity });
  };
  const signOut = () => {
    forgetToken();
    setSession({ state: 'signedOut' });
  };

  if (session.state === 'checking') return <p class="loading">Checking the token…</p>;
  if (session.state === 'signedOut') return <SignIn message={session.message} onSignIn={signIn} />;
  const admin = session.identity.role === 'admin';
  return (
    <>
      <header class="top">
        <a class="brand" href={href({ page: 'jobs' })}>Ferry</a>
        <nav>
          <a href={href({ page: 'jobs' })}>Jobs</a>
          {admin && <a href={href({ page: 'new' })} data-testid="nav-new-job">New job</a>}
        </nav>
        <span class="who" data-testid="identity">
          {session.identity.name} · {session.identity.role}
        </span>
        <button type="button" class="link" onClick={signOut}>Sign out</button>
      </header>
      <main>
        {route.page === 'jobs' && <JobsPage admin={admin} />}
        {route.page === 'new' && (admin ? <NewJobPage /> : <p class="notice">A read-only token cannot create jobs.</p>)}
        {route.page === 'job' && <JobPage key={route.id} id={route.id} admin={admin} />}
      </main>
    </>
  );
}
