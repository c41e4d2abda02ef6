import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, call, connectApi, describeError } from './api.js';
import { ErrorNote } from './components/common.js';
import { NewPasskeyOffer } from './components/new-passkey-offer.js';
import { AppDetail, AppsPage } from './pages/apps.js';
import { AuditPage } from './pages/audit.js';
import { CallbackDetail, CallbacksPage } from './pages/callbacks.js';
import { OperatorsPage } from './pages/operators.js';
import { OutboxPage } from './pages/outbox.js';
import { OverviewPage } from './pages/overview.js';
import { RequestDetail, RequestsPage } from './pages/requests.js';
import { SecurityPage } from './pages/security.js';
import { SetupPage } from './pages/setup.js';
import { SignInPage } from './pages/sign-in.js';
import { UserDetail, UsersPage } from './pages/users.js';
import { go, type Route, useRoute } from './router.js';
import { SessionContext } from './session.js';
import type { Session } from './types.js';

/** Where the operator stands: finding out, signed out (and why, when a session ended), or signed in. */
type State =
  | { readonly kind: 'loading' }
  | { readonly kind: 'signed-out'; readonly notice?: string }
  | { readonly kind: 'signed-in'; readonly session: Session; readonly recovered?: boolean }
  | { readonly kind: 'failed'; readonly error: string };

const NAV: readonly (readonly [string, string])[] = [
  ['overview', 'Overview'],
  ['apps', 'Apps'],
  ['users', 'Users'],
  ['requests', 'Requests'],
  ['callbacks', 'Callbacks'],
  ['outbox', 'Outbox'],
  ['security', 'Security events'],
  ['audit', 'Audit log'],
  ['operators', 'Operators'],
];

/** The list a route belongs to, for the navigation's `aria-current`. */
const SECTION: Partial<Record<Route['page'], string>> = {
  app: 'apps',
  user: 'users',
  request: 'requests',
  callback: 'callbacks',
};

export function App() {
  const route = useRoute();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const session = state.kind === 'signed-in' ? state.session : undefined;
  const csrf = useRef<string | undefined>(undefined);
  csrf.current = session?.csrf_token;

  const loadSession = useCallback(async ({ recovered = false }: { recovered?: boolean } = {}) => {
    try {
      const next = await call<Session>('GET', '/session');
      setState({ kind: 'signed-in', session: next, recovered });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setState({ kind: 'signed-out' });
      } else {
        setState({ kind: 'failed', error: describeError(error) });
      }
    }
  }, []);

  useEffect(() => {
    connectApi({
      csrfToken: () => csrf.current,
      // Only a session that was open can end; the first look at the session is not one.
      onSignedOut: () =>
        setState((current) =>
          current.kind === 'signed-in'
            ? { kind: 'signed-out', notice: 'Your session ended. Sign in again.' }
            : current,
        ),
    });
    void loadSession();
  }, [loadSession]);

  // A new page: its heading takes focus, so keyboard and screen reader users start there.
  useEffect(() => {
    document.getElementById('page-heading')?.focus();
  }, [route, state.kind]);

  if (route.page === 'setup') {
    return (
      <Frame>
        <SetupPage token={route.id} onSignedIn={() => loadSession()} />
      </Frame>
    );
  }
  if (state.kind === 'loading') {
    return (
      <Frame>
        <p class="muted" role="status">
          Loading…
        </p>
      </Frame>
    );
  }
  if (state.kind === 'failed') {
    return (
      <Frame>
        <h1 id="page-heading" tabIndex={-1}>
          The console could not start
        </h1>
        <ErrorNote error={state.error} />
        <button type="button" class="button" onClick={() => loadSession()}>
          Try again
        </button>
      </Frame>
    );
  }
  if (state.kind === 'signed-out') {
    return (
      <Frame>
        <SignInPage
          {...(state.notice !== undefined && { notice: state.notice })}
          onSignedIn={async (recovered) => {
            await loadSession({ recovered });
            if (route.page === 'sign-in') go('#/overview');
          }}
        />
      </Frame>
    );
  }

  const signOut = async () => {
    await call('POST', '/sign-out').catch(() => undefined);
    setState({ kind: 'signed-out', notice: 'You signed out.' });
  };
  const current = SECTION[route.page] ?? route.page;
  return (
    <SessionContext.Provider value={state.session}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Countersign Console</span>
        <span class="who">
          <bdi>{state.session.operator.email}</bdi> <span class="role">({state.session.operator.role})</span>
        </span>
        <button type="button" class="button-quiet" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav class="nav" aria-label="Console">
        <ul>
          {NAV.map(([page, label]) => (
            <li key={page}>
              <a href={`#/${page}`} {...(current === page && { 'aria-current': 'page' })}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" class="main" tabIndex={-1}>
        {state.recovered && (
          <NewPasskeyOffer onDone={() => setState({ kind: 'signed-in', session: state.session })} />
        )}
        <Page route={route} />
      </main>
    </SessionContext.Provider>
  );
}

/** The pages seen signed out: one column, a landmark, no navigation. */
function Frame({ children }: { children: ComponentChildren }) {
  return (
    <main id="main" class="main narrow">
      <p class="brand">Countersign Console</p>
      {children}
    </main>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
    case 'sign-in':
      return <OverviewPage />;
    case 'apps':
      return <AppsPage />;
    case 'app':
      return <AppDetail id={route.id} />;
    case 'users':
      return <UsersPage />;
    case 'user':
      return <UserDetail id={route.id} />;
    case 'requests':
      return <RequestsPage />;
    case 'request':
      return <RequestDetail uuid={route.id} />;
    case 'callbacks':
      return <CallbacksPage />;
    case 'callback':
      return <CallbackDetail id={route.id} />;
    case 'outbox':
      return <OutboxPage />;
    case 'security':
      return <SecurityPage />;
    case 'audit':
      return <AuditPage />;
    case 'operators':
      return <OperatorsPage />;
    case 'setup':
    case 'not-found':
      return (
        <>
          <h1 id="page-heading" tabIndex={-1}>
            No such page
          </h1>
          <p>
            <a href="#/overview">Go to the overview</a>
          </p>
        </>
      );
  }
}
