import { useState } from 'preact/hooks';
import { API, get } from '../api.js';
import { LoadState, PageHeading, ScrollTable, Time } from '../components/common.js';
import { ShownText } from '../components/shown-text.js';
import { useLoad } from '../hooks/use-load.js';
import type { AuditEntry, AuditVerdict } from '../types.js';

const EMPTY = { action: '', actor: '', target_id: '', after: '' };

/** The audit log: who changed what, when and from where; whether its chain verifies; an export. */
export function AuditPage() {
  const [draft, setDraft] = useState(EMPTY);
  const [filters, setFilters] = useState(EMPTY);
  const loaded = useLoad(
    () =>
      get<{ entries: AuditEntry[]; verified: AuditVerdict }>('/audit', {
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
            ? `The log’s chain verifies: no entry was changed or removed (${verified.entries} entries, up to ${verified.last_seq}).`
            : `The log’s chain does not verify: ${verified.message}.`}
        </p>
      )}
      <LoadState loading={loaded.loading && loaded.data === undefined} error={loaded.error} />
      {loaded.data?.entries.length === 0 && <p>No entries.</p>}
      {loaded.data !== undefined && loaded.data.entries.length > 0 && (
        <ScrollTable label="Audit entries">
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
            {loaded.data.entries.map((entry) => (
              <tr key={entry.seq}>
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
                  <ShownText
                    text={entry.target_type === null ? null : `${entry.target_type} ${entry.target_id ?? ''}`}
                  />
                </td>
                <td>
                  <ShownText text={entry.from} />
                </td>
                <td class="change">
                  {entry.before !== null && (
                    <div>
                      Before: <ShownText text={JSON.stringify(entry.before)} />
                    </div>
                  )}
                  {entry.after !== null && (
                    <div>
                      After: <ShownText text={JSON.stringify(entry.after)} />
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}
