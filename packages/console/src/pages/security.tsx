import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { LoadState, PageHeading, ScrollTable, Time } from '../components/common.js';
import { ShownText } from '../components/shown-text.js';
import { useLoad } from '../hooks/use-load.js';
import type { SecurityEvent } from '../types.js';

const EMPTY = { type: '', app_id: '', user_id: '' };
/** Events a page; a full page may have older ones behind it. */
const PAGE = 50;

/** Security events (refused keys, lockouts, "not me" answers…), filtered and paged back in time. */
export function SecurityPage() {
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState({ ...EMPTY, before: '' });
  const loaded = useLoad(
    () => get<{ events: SecurityEvent[] }>('/security-events', { ...filters, limit: String(PAGE) }),
    JSON.stringify(filters),
  );
  const events = loaded.data?.events ?? [];
  const oldest = events.length === PAGE ? events.at(-1) : undefined;
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
        <ScrollTable label="Security events, newest first">
          <caption class="visually-hidden">Security events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Type</th>
              <th scope="col">App</th>
              <th scope="col">User</th>
              <th scope="col">Device</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id}>
                <td>
                  <Time at={event.created_at} />
                </td>
                <td>
                  <ShownText text={event.type} />
                </td>
                <td>{event.app_id ?? '—'}</td>
                <td>{event.user_id ?? '—'}</td>
                <td>
                  <ShownText text={event.device_id} />
                </td>
                <td class="change">
                  <ShownText
                    text={Object.keys(event.detail).length === 0 ? null : JSON.stringify(event.detail)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
      {oldest !== undefined && (
        <button
          type="button"
          class="button-quiet"
          onClick={() => setFilters({ ...filters, before: oldest.created_at })}
        >
          Older events
        </button>
      )}
    </>
  );
}
