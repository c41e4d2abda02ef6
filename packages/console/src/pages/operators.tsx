import { useContext, useState } from 'preact/hooks';
import { call, get } from '../api.js';
import {
  CopyButton,
  ErrorNote,
  LoadState,
  PageHeading,
  ScrollTable,
  Time,
  useAction,
} from '../components/common.js';
import { useLoad } from '../hooks/use-load.js';
import { SessionContext, useIsAdmin } from '../session.js';
import type { OperatorRef, OperatorRow, Role } from '../types.js';

/** The operators; an admin adds one (and is given the setup link to pass on) or removes one. */
export function OperatorsPage() {
  const admin = useIsAdmin();
  const self = useContext(SessionContext)?.operator.id;
  const loaded = useLoad(() => get<{ operators: OperatorRow[] }>('/operators'), '');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [invited, setInvited] = useState<
    { email: string; setup_url: string; expires_at: string } | undefined
  >();
  const adding = useAction();
  const removing = useAction();

  const add = (event: Event) => {
    event.preventDefault();
    void adding.run(async () => {
      const answer = await call<{ operator: OperatorRef; setup_url: string; expires_at: string }>(
        'POST',
        '/operators',
        { email: email.trim(), role },
      );
      setInvited({
        email: answer.operator.email,
        setup_url: answer.setup_url,
        expires_at: answer.expires_at,
      });
      setEmail('');
      loaded.reload();
    });
  };
  const remove = (operator: OperatorRow) =>
    removing.run(async () => {
      if (!window.confirm(`Remove ${operator.email}? Their sessions end at once.`)) return;
      await call('DELETE', `/operators/${encodeURIComponent(operator.id)}`);
      loaded.reload();
    });

  return (
    <>
      <PageHeading>Operators</PageHeading>
      <LoadState loading={loaded.loading && loaded.data === undefined} error={loaded.error} />
      <ErrorNote error={removing.error} />
      {loaded.data !== undefined && (
        <ScrollTable label="Operators">
          <caption class="visually-hidden">Operators</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Passkeys</th>
              <th scope="col">Last sign-in</th>
              {admin && <th scope="col">Remove</th>}
            </tr>
          </thead>
          <tbody>
            {loaded.data.operators.map((operator) => (
              <tr key={operator.id}>
                <td>
                  <bdi>{operator.email}</bdi>
                  {operator.setup_pending && <span class="muted"> (setup pending)</span>}
                </td>
                <td>{operator.role}</td>
                <td>{operator.passkeys}</td>
                <td>
                  <Time at={operator.signed_in_at} />
                </td>
                {admin && (
                  <td>
                    {operator.id === self ? (
                      <span class="muted">You</span>
                    ) : (
                      <button
                        type="button"
                        class="button-danger"
                        disabled={removing.busy}
                        aria-label={`Remove ${operator.email}`}
                        onClick={() => remove(operator)}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      {admin && (
        <section class="panel" aria-labelledby="add-operator-heading">
          <h2 id="add-operator-heading">Add an operator</h2>
          {invited !== undefined && (
            <div class="panel notice" role="status">
              <p>
                Send this setup link to <bdi>{invited.email}</bdi>. It works once, until{' '}
                <Time at={invited.expires_at} />.
              </p>
              <p class="secret">
                <code>{invited.setup_url}</code>
              </p>
              <CopyButton text={invited.setup_url} label="Copy the link" />
            </div>
          )}
          <form class="form" onSubmit={add}>
            <label for="operator-email">Email</label>
            <input
              id="operator-email"
              type="email"
              required
              value={email}
              onInput={(event) => setEmail(event.currentTarget.value)}
            />
            <label for="operator-role">Role</label>
            <select
              id="operator-role"
              value={role}
              onChange={(event) => setRole(event.currentTarget.value as Role)}
            >
              <option value="viewer">Viewer: sees everything, changes nothing</option>
              <option value="admin">Admin: sees and changes everything</option>
            </select>
            <button type="submit" class="button" disabled={adding.busy}>
              Add the operator
            </button>
            <ErrorNote error={adding.error} />
          </form>
        </section>
      )}
    </>
  );
}
