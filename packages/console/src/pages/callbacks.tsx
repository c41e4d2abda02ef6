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
import type { AttemptDoc, CallbackDoc } from '../types.js';

/** Callback deliveries, by app and state. */
export function CallbacksPage() {
  const [draft, setDraft] = useState({ app_id: '', state: '' });
  const [filters, setFilters] = useState(draft);
  const loaded = useLoad(
    () => get<{ callbacks: CallbackDoc[] }>('/callbacks', filters),
    JSON.stringify(filters),
  );
  return (
    <>
      <PageHeading>Callbacks</PageHeading>
      <form
        class="filters"
        aria-label="Filter callbacks"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        <div>
          <label for="callbacks-app">App id</label>
          <input
            id="callbacks-app"
            inputMode="numeric"
            value={draft.app_id}
            onInput={(event) => setDraft({ ...draft, app_id: event.currentTarget.value })}
          />
        </div>
        <div>
          <label for="callbacks-state">State</label>
          <select
            id="callbacks-state"
            value={draft.state}
            onChange={(event) => setDraft({ ...draft, state: event.currentTarget.value })}
          >
            <option value="">Any</option>
            <option value="pending">Pending</option>
            <option value="delivered">Delivered</option>
            <option value="failed">Failed</option>
            <option value="skipped">Skipped</option>
            <option value="disabled">Disabled</option>
          </select>
        </div>
        <button type="submit" class="button">
          Apply
        </button>
      </form>
      <LoadState loading={loaded.loading && loaded.data === undefined} error={loaded.error} />
      {loaded.data?.callbacks.length === 0 && <p>No callbacks.</p>}
      {loaded.data !== undefined && loaded.data.callbacks.length > 0 && (
        <ScrollTable label="Callbacks">
          <caption class="visually-hidden">Callbacks</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">App</th>
              <th scope="col">Request</th>
              <th scope="col">Event</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
            </tr>
          </thead>
          <tbody>
            {loaded.data.callbacks.map((callback) => (
              <tr key={callback.id}>
                <td>
                  <a href={href('callbacks', callback.id)}>
                    <Time at={callback.created_at} />
                  </a>
                </td>
                <td>{callback.app_id}</td>
                <td>
                  <a href={href('requests', callback.uuid)}>{callback.uuid}</a>
                </td>
                <td>{callback.status}</td>
                <td>
                  <Status status={callback.state} />
                </td>
                <td>{callback.attempts}</td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}

/** One delivery and each attempt at it; an admin may send it again. */
export function CallbackDetail({ id }: { id: string }) {
  const admin = useIsAdmin();
  const path = `/callbacks/${encodeURIComponent(id)}`;
  const loaded = useLoad(() => get<{ callback: CallbackDoc; attempts: AttemptDoc[] }>(path), id);
  const redelivery = useAction();
  const [queued, setQueued] = useState<string | undefined>();
  const callback = loaded.data?.callback;
  const redeliver = () =>
    redelivery.run(async () => {
      await call<{ callback: CallbackDoc }>('POST', `${path}/redeliver`, {});
      setQueued('Queued for delivery again.');
      loaded.reload();
    });
  return (
    <>
      <p class="crumbs">
        <a href="#/callbacks">Callbacks</a>
      </p>
      <PageHeading>Callback</PageHeading>
      <LoadState loading={loaded.loading && callback === undefined} error={loaded.error} />
      {callback !== undefined && loaded.data !== undefined && (
        <>
          <dl class="pairs">
            <div>
              <dt>State</dt>
              <dd>
                <Status status={callback.state} />
              </dd>
            </div>
            <div>
              <dt>App</dt>
              <dd>
                <a href={href('apps', callback.app_id)}>{callback.app_id}</a>
              </dd>
            </div>
            <div>
              <dt>Request</dt>
              <dd>
                <a href={href('requests', callback.uuid)}>{callback.uuid}</a>
              </dd>
            </div>
            <div>
              <dt>Event</dt>
              <dd>{callback.status}</dd>
            </div>
            <div>
              <dt>Last answer</dt>
              <dd>{callback.last_status ?? '—'}</dd>
            </div>
            <div>
              <dt>Last error</dt>
              <dd>
                <ShownText text={callback.last_error} />
              </dd>
            </div>
            <div>
              <dt>Next attempt</dt>
              <dd>
                <Time at={callback.next_attempt_at} />
              </dd>
            </div>
          </dl>
          {admin && (
            <p class="actions">
              <button type="button" class="button-secondary" disabled={redelivery.busy} onClick={redeliver}>
                Redeliver
              </button>
              <span role="status">{queued}</span>
            </p>
          )}
          <ErrorNote error={redelivery.error} />
          <h2>Attempts</h2>
          {loaded.data.attempts.length === 0 ? (
            <p>None yet.</p>
          ) : (
            <ScrollTable label="Attempts">
              <thead>
                <tr>
                  <th scope="col">Attempt</th>
                  <th scope="col">At</th>
                  <th scope="col">HTTP status</th>
                  <th scope="col">Error</th>
                  <th scope="col">Took</th>
                </tr>
              </thead>
              <tbody>
                {loaded.data.attempts.map((attempt) => (
                  <tr key={attempt.attempt}>
                    <td>{attempt.attempt}</td>
                    <td>
                      <Time at={attempt.attempted_at} />
                    </td>
                    <td>{attempt.status_code ?? '—'}</td>
                    <td>
                      <ShownText text={attempt.error} />
                    </td>
                    <td>{attempt.duration_ms} ms</td>
                  </tr>
                ))}
              </tbody>
            </ScrollTable>
          )}
        </>
      )}
    </>
  );
}
