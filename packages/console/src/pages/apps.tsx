import { useState } from 'preact/hooks';
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
import { ShownText } from '../components/shown-text.js';
import { useLoad } from '../hooks/use-load.js';
import { href } from '../router.js';
import { useIsAdmin } from '../session.js';
import type { AppDoc, SettingsChange } from '../types.js';
import { AppSettingsForm, AppSettingsList } from './app-settings-form.js';

/** An API key, shown once with a way to copy it. */
function KeyOnce({ apiKey }: { apiKey: string }) {
  return (
    <div class="panel notice" role="status">
      <p>
        <strong>The app's API key.</strong> It is shown only now: copy it into the app's configuration.
      </p>
      <p class="secret">
        <code>{apiKey}</code>
      </p>
      <CopyButton text={apiKey} label="Copy the key" />
    </div>
  );
}

/** The apps, and (for an admin) a form that makes one. */
export function AppsPage() {
  const admin = useIsAdmin();
  const apps = useLoad(() => get<{ apps: AppDoc[] }>('/apps'), '');
  const [created, setCreated] = useState<{ app: AppDoc; api_key: string } | undefined>();
  const [formKey, setFormKey] = useState(0);

  const create = async (settings: SettingsChange) => {
    const answer = await call<{ app: AppDoc; api_key: string }>('POST', '/apps', settings);
    setCreated(answer);
    setFormKey((n) => n + 1);
    apps.reload();
  };

  return (
    <>
      <PageHeading>Apps</PageHeading>
      <LoadState loading={apps.loading} error={apps.error} />
      {apps.data !== undefined && (
        <ScrollTable label="Apps">
          <caption class="visually-hidden">Apps</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {apps.data.apps.map((app) => (
              <tr key={app.id}>
                <td>{app.id}</td>
                <td>
                  <a href={href('apps', app.id)}>
                    <ShownText text={app.name} />
                  </a>
                </td>
                <td>{app.disabled_at ? 'Disabled' : 'Active'}</td>
                <td>
                  <Time at={app.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      {apps.data?.apps.length === 0 && <p>No apps yet.</p>}
      {admin && (
        <section class="panel" aria-labelledby="new-app-heading">
          <h2 id="new-app-heading">New app</h2>
          {created !== undefined && (
            <>
              <p>
                <a href={href('apps', created.app.id)}>
                  <ShownText text={created.app.name} />
                </a>{' '}
                was created.
              </p>
              <KeyOnce apiKey={created.api_key} />
            </>
          )}
          <AppSettingsForm key={formKey} submitLabel="Create the app" onSave={create} />
        </section>
      )}
    </>
  );
}

/** One app: its settings (an admin changes them), and its key's rotation and disabling. */
export function AppDetail({ id }: { id: string }) {
  const admin = useIsAdmin();
  const loaded = useLoad(() => get<{ app: AppDoc }>(`/apps/${encodeURIComponent(id)}`), id);
  const [saved, setSaved] = useState<string | undefined>();
  const [newKey, setNewKey] = useState<string | undefined>();
  const [grace, setGrace] = useState('3600');
  const rotation = useAction();
  const disabling = useAction();
  const app = loaded.data?.app;
  const path = `/apps/${encodeURIComponent(id)}`;

  const save = async (settings: SettingsChange) => {
    setSaved(undefined);
    const answer = await call<{ app: AppDoc }>('PATCH', path, settings);
    loaded.set(answer);
    setSaved('Saved.');
  };
  const rotate = (event: Event) => {
    event.preventDefault();
    void rotation.run(async () => {
      const answer = await call<{ app: AppDoc; api_key: string }>('POST', `${path}/rotate-key`, {
        grace_seconds: Number(grace),
      });
      loaded.set({ app: answer.app });
      setNewKey(answer.api_key);
    });
  };
  const disable = () =>
    disabling.run(async () => {
      if (!window.confirm('Disable this app? Its API key stops working at once.')) return;
      loaded.set(await call<{ app: AppDoc }>('POST', `${path}/disable`, {}));
    });

  return (
    <>
      <p class="crumbs">
        <a href="#/apps">Apps</a>
      </p>
      <PageHeading>{app === undefined ? `App ${id}` : <ShownText text={app.name} />}</PageHeading>
      <LoadState loading={loaded.loading && app === undefined} error={loaded.error} />
      {app !== undefined && (
        <>
          <p class="muted">
            App {app.id}
            {app.disabled_at ? (
              <>
                , disabled <Time at={app.disabled_at} />
              </>
            ) : null}
            , profile {app.profile}
          </p>
          <p class="muted">
            Account SID <code>{app.account_sid}</code>: the user name of the Twilio Verify API (
            <code>/v2</code>), with the app's API key as the password.
          </p>
          {app.callback_disabled && (
            <p class="notice">
              Callbacks are off: the receiver answered 410 Gone. Saving the settings sets the callback URL
              again and turns them back on.
            </p>
          )}
          <section class="panel" aria-labelledby="settings-heading">
            <h2 id="settings-heading">Settings</h2>
            {admin ? (
              <>
                <AppSettingsForm
                  key={JSON.stringify(app)}
                  initial={app}
                  submitLabel="Save the settings"
                  onSave={save}
                />
                <p role="status">{saved}</p>
              </>
            ) : (
              <AppSettingsList app={app} />
            )}
          </section>
          {admin && (
            <section class="panel" aria-labelledby="key-heading">
              <h2 id="key-heading">API key</h2>
              {newKey !== undefined && <KeyOnce apiKey={newKey} />}
              <form class="form" onSubmit={rotate}>
                <label for="grace-seconds">Seconds the current key keeps working</label>
                <input
                  id="grace-seconds"
                  type="number"
                  min={0}
                  required
                  value={grace}
                  onInput={(event) => setGrace(event.currentTarget.value)}
                />
                <button type="submit" class="button-secondary" disabled={rotation.busy}>
                  Rotate the key
                </button>
                <ErrorNote error={rotation.error} />
              </form>
              {!app.disabled_at && (
                <>
                  <h3>Disable the app</h3>
                  <p>Its key stops working at once; its users and history stay.</p>
                  <button type="button" class="button-danger" disabled={disabling.busy} onClick={disable}>
                    Disable the app
                  </button>
                  <ErrorNote error={disabling.error} />
                </>
              )}
            </section>
          )}
        </>
      )}
    </>
  );
}
