import { useState } from 'preact/hooks';
import { call, get } from '../api.js';
import {
  ErrorNote,
  LoadState,
  PageHeading,
  ScrollTable,
  Status,
  Time,
  useAction,
} from '../components/common.js';
import { ShownText } from '../components/shown-text.js';
import { useLoad } from '../hooks/use-load.js';
import { href } from '../router.js';
import { useIsAdmin } from '../session.js';
import type { UserDoc, UserLink } from '../types.js';

/** A search by Authy id, email or phone; phones come back masked. */
export function UsersPage() {
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState<string | undefined>();
  return (
    <>
      <PageHeading>Users</PageHeading>
      <form
        class="form search"
        aria-label="Search users"
        onSubmit={(event) => {
          event.preventDefault();
          setQuery(draft.trim());
        }}
      >
        <label for="user-search">Authy id, email or phone</label>
        <input
          id="user-search"
          type="search"
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
        <button type="submit" class="button">
          Search
        </button>
      </form>
      {query !== undefined && <UserResults query={query} />}
    </>
  );
}

function UserResults({ query }: { query: string }) {
  const found = useLoad(() => get<{ users: UserLink[] }>('/users', { q: query }), query);
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      <LoadState loading={found.loading} error={found.error} />
      <p aria-live="polite" class="muted">
        {found.data !== undefined && `${found.data.users.length} found.`}
      </p>
      {found.data !== undefined && found.data.users.length > 0 && (
        <ScrollTable label="Users found">
          <thead>
            <tr>
              <th scope="col">Authy id</th>
              <th scope="col">App</th>
              <th scope="col">Email</th>
              <th scope="col">Phone</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {found.data.users.map((user) => (
              <tr key={`${user.authy_id}-${user.app_id}`}>
                <td>
                  <a href={href('users', user.authy_id)}>{user.authy_id}</a>
                </td>
                <td>
                  <ShownText text={user.app_name} />
                </td>
                <td>
                  <ShownText text={user.email} />
                </td>
                <td>
                  <ShownText text={user.phone} />
                </td>
                <td>
                  <Status status={user.locked ? 'locked' : 'unlocked'} />
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </section>
  );
}

/** One user: the apps it is linked to (and their lockouts), its devices, and (admin) the changes. */
export function UserDetail({ id }: { id: string }) {
  const admin = useIsAdmin();
  const path = `/users/${encodeURIComponent(id)}`;
  const loaded = useLoad(() => get<{ user: UserDoc }>(path), id);
  const [phone, setPhone] = useState<string | undefined>();
  const [deleted, setDeleted] = useState<string | undefined>();
  const action = useAction();
  const user = loaded.data?.user;

  const unlock = (appId: number) =>
    action.run(async () => {
      await call<{ unlocked: number }>('POST', `${path}/unlock`, { app_id: appId });
      loaded.reload();
    });
  const revoke = (deviceId: string) =>
    action.run(async () => {
      if (!window.confirm('Revoke this device? It can no longer answer or read codes.')) return;
      await call('POST', `/devices/${encodeURIComponent(deviceId)}/revoke`);
      loaded.reload();
    });
  const reveal = () =>
    action.run(async () => {
      setPhone((await call<{ phone: string }>('POST', `${path}/reveal-phone`, {})).phone);
    });
  const remove = (appId: number) =>
    action.run(async () => {
      if (!window.confirm(`Delete this user from app ${appId}? Its devices and codes stop working.`)) return;
      await call('DELETE', `${path}?app_id=${appId}`);
      setDeleted(`The user was deleted from app ${appId}.`);
      loaded.reload();
    });

  return (
    <>
      <p class="crumbs">
        <a href="#/users">Users</a>
      </p>
      <PageHeading>User {id}</PageHeading>
      <LoadState loading={loaded.loading && user === undefined} error={loaded.error} />
      <ErrorNote error={action.error} />
      <p role="status">{deleted}</p>
      {user !== undefined && (
        <>
          <dl class="pairs">
            <div>
              <dt>Phone</dt>
              <dd>
                <ShownText text={phone ?? user.phone} />{' '}
                {admin && phone === undefined && (
                  <button type="button" class="button-quiet" disabled={action.busy} onClick={reveal}>
                    Reveal the phone number
                  </button>
                )}
              </dd>
            </div>
          </dl>
          <section aria-labelledby="user-apps-heading">
            <h2 id="user-apps-heading">Apps</h2>
            <ul class="rows">
              {user.apps.map((link) => (
                <li key={link.app_id}>
                  <a href={href('apps', link.app_id)}>
                    <ShownText text={link.app_name} />
                  </a>{' '}
                  <ShownText text={link.email} />{' '}
                  {link.locked_until !== null ? (
                    <>
                      <Status status="locked" /> until <Time at={link.locked_until} />
                      {admin && (
                        <button
                          type="button"
                          class="button-quiet"
                          disabled={action.busy}
                          onClick={() => unlock(link.app_id)}
                        >
                          Unlock
                        </button>
                      )}
                    </>
                  ) : (
                    <Status status="unlocked" />
                  )}{' '}
                  <span class="muted">
                    {link.failed_attempts} failed {link.failed_attempts === 1 ? 'attempt' : 'attempts'}
                    {link.pending_requests > 0 &&
                      `, ${link.pending_requests} pending ${link.pending_requests === 1 ? 'request' : 'requests'}`}
                  </span>
                  {link.pushes_paused_until !== null && (
                    <span class="muted">
                      {' '}
                      (pushes paused until <Time at={link.pushes_paused_until} />)
                    </span>
                  )}
                  {admin && (
                    <button
                      type="button"
                      class="button-danger"
                      disabled={action.busy}
                      onClick={() => remove(link.app_id)}
                    >
                      Delete from this app
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="devices-heading">
            <h2 id="devices-heading">Devices</h2>
            {user.devices.length === 0 && <p>No devices.</p>}
            <ul class="rows">
              {user.devices.map((device) => (
                <li key={device.device_id}>
                  <ShownText text={device.name} /> <span class="muted">({device.platform})</span>{' '}
                  <span class="muted">
                    last seen <Time at={device.last_seen_at} />
                  </span>{' '}
                  {device.revoked_at ? (
                    <Status status="revoked" />
                  ) : (
                    admin && (
                      <button
                        type="button"
                        class="button-danger"
                        disabled={action.busy}
                        onClick={() => revoke(device.device_id)}
                      >
                        Revoke
                      </button>
                    )
                  )}
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
    </>
  );
}
