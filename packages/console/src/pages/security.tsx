import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { LoadState, PageHeading, Time } from '../components/common.js';
import { ShownText } from '../components/shown-text.js';
import { useLoad } from '../hooks/use-load.js';
import type { SecurityEvent } from '../types.js';

const EMPTY = { type: '', app_id: '', user_id: '' };

/** Security events (refused keys, lockouts, "not me" answers…), filtered and paged back in time. */
export function SecurityPage() {
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState({ ...EMPTY, before: '' });
  const loaded = useLoad(
    () => get<{ events: SecurityEvent[] }>('/security-events', filters),
    JSON.stringify(filters),
  );
  const events = loaded.data?.events ?? [];
  const oldest = events.at(-1);
  const field = (name: keyof typeof EMPTY) => (event: Event) =>
    setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });
  return (
    <>
      <PageHeading>Security events</PageHeading>
      <form
        class="filters"
        aria-label="Filter security events"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters({ ...draft, before: '' });
        }}
      >
        <div>
          <label for="events-type">Type</label>
          <input id="events-type" value={draft.type} onInput={field('type')} />
        </div>
        <div>
          <label for="events-app">App id</label>
          <input id="events-app" inputMode="numeric" value={draft.app_id} onInput={field('app_id')} />
        </div>
        <div>
          <label for="events-user">Authy id</label>
          <input id="events-user" inputMode="numeric" value={draft.user_id} onInput={field('user_id')} />
        </div>
        <button type="submit" class="button">
          Apply
        </button>
      </form>
      <LoadState loading={loaded.loading && loaded.data === undefined} error={loaded.error} />
      {loaded.data !== undefined && events.length === 0 && <p>No events.</p>}
      {events.length > 0 && (
        <table class="table">
          <caption class="visually-hidden">Security events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Type</th>
              <th scope="col">App</th>
              <th scope="col">User</th>
              <th scope="col">Address</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event, index) => (
              <tr key={event.id ?? index}>
                <td>
                  <Time at={event.at ?? event.created_at} />
                </td>
                <td>
                  <ShownText text={event.type} />
                </td>
                <td>{event.app_id ?? '—'}</td>
                <td>{event.user_id ?? '—'}</td>
                <td>
                  <ShownText text={event.ip} />
                </td>
                <td>
                  <ShownText text={event.reason} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {oldest !== undefined && (oldest.at ?? oldest.created_at) !== undefined && (
        <button
          type="button"
          class="button-quiet"
          onClick={() => setFilters({ ...filters, before: String(oldest.at ?? oldest.created_at) })}
        >
          Older events
        </button>
      )}
    </>
  );
}
