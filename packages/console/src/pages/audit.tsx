import { useState } from 'preact/hooks';
import { API, get } from '../api.js';
import { LoadState, PageHeading, Time } from '../components/common.js';
import { ShownText } from '../components/shown-text.js';
import { useLoad } from '../hooks/use-load.js';
import type { AuditEntry } from '../types.js';

const EMPTY = { action: '', actor: '', target_id: '', after: '' };

/** A change's before or after, as compact JSON text (never markup). */
const json = (value: unknown) => (value === undefined || value === null ? '' : JSON.stringify(value));

/** The audit log: who changed what, when and from where; whether its chain verifies; an export. */
export function AuditPage() {
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState(EMPTY);
  const loaded = useLoad(
    () =>
      get<{ entries: AuditEntry[]; verified: { ok: boolean; reason?: string } }>('/audit', {
        ...filters,
        after: filters.after === '' ? '' : new Date(filters.after).toISOString(),
        limit: '200',
      }),
    JSON.stringify(filters),
  );
  const field = (name: keyof typeof EMPTY) => (event: Event) =>
    setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });
  const verified = loaded.data?.verified;
  return (
    <>
      <PageHeading>Audit log</PageHeading>
      <form
        class="filters"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        <div>
          <label for="audit-action">Action</label>
          <input id="audit-action" value={draft.action} onInput={field('action')} />
        </div>
        <div>
          <label for="audit-actor">Actor</label>
          <input id="audit-actor" placeholder="operator:…" value={draft.actor} onInput={field('actor')} />
        </div>
        <div>
          <label for="audit-target">Target id</label>
          <input id="audit-target" value={draft.target_id} onInput={field('target_id')} />
        </div>
        <div>
          <label for="audit-after">After</label>
          <input id="audit-after" type="datetime-local" value={draft.after} onInput={field('after')} />
        </div>
        <button type="submit" class="button">
          Apply
        </button>
      </form>
      <p>
        <a href={`${API}/audit/export`} download="countersign-audit.jsonl">
          Export the whole log (JSON Lines)
        </a>
      </p>
      {verified !== undefined && (
        <p role="status" class={verified.ok ? 'verified' : 'error'}>
          {verified.ok
            ? 'The log’s chain verifies: no entry was changed or removed.'
            : `The log’s chain does not verify${verified.reason ? `: ${verified.reason}` : '.'}`}
        </p>
      )}
      <LoadState loading={loaded.loading && loaded.data === undefined} error={loaded.error} />
      {loaded.data?.entries.length === 0 && <p>No entries.</p>}
      {loaded.data !== undefined && loaded.data.entries.length > 0 && (
        <table class="table">
          <caption class="visually-hidden">Audit entries</caption>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Source</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {loaded.data.entries.map((entry, index) => (
              <tr key={entry.seq ?? index}>
                <td>
                  <Time at={entry.at} />
                </td>
                <td>
                  <ShownText text={entry.actor} />
                </td>
                <td>
                  <ShownText text={entry.action} />
                </td>
                <td>
                  <ShownText text={entry.target_id} />
                </td>
                <td>
                  <ShownText text={entry.source} />
                </td>
                <td class="change">
                  {entry.before !== undefined && entry.before !== null && (
                    <div>
                      Before: <ShownText text={json(entry.before)} />
                    </div>
                  )}
                  {entry.after !== undefined && entry.after !== null && (
                    <div>
                      After: <ShownText text={json(entry.after)} />
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
