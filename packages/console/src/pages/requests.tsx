import { useEffect, useMemo, useState } from 'preact/hooks';
import { API, get } from '../api.js';
import { LoadState, PageHeading, ScrollTable, Status, Time } from '../components/common.js';
import { ShownDetails, ShownText } from '../components/shown-text.js';
import { useLoad } from '../hooks/use-load.js';
import type { ReceiptCheck } from '../receipt.js';
import { href } from '../router.js';
import type { RequestDoc } from '../types.js';

const STATUSES = ['', 'pending', 'approved', 'denied', 'expired'] as const;
/** How many requests the list keeps, live ones included. */
const LIMIT = 100;

interface Filters {
  readonly app_id: string;
  readonly user_id: string;
  readonly status: string;
  readonly since: string;
  readonly until: string;
}

const NO_FILTERS: Filters = { app_id: '', user_id: '', status: '', since: '', until: '' };

/** A `datetime-local` value as the API's ISO time; empty stays empty. */
const isoOf = (local: string) => (local === '' ? '' : new Date(local).toISOString());

/** True when a live request belongs in the list the filters describe. */
function matches(request: RequestDoc, filters: Filters): boolean {
  if (filters.app_id !== '' && String(request.app_id) !== filters.app_id) return false;
  if (filters.user_id !== '' && String(request.authy_id) !== filters.user_id) return false;
  if (filters.status !== '' && request.status !== filters.status) return false;
  const created = Date.parse(request.created_at);
  if (filters.since !== '' && created < Date.parse(isoOf(filters.since))) return false;
  if (filters.until !== '' && created > Date.parse(isoOf(filters.until))) return false;
  return true;
}

/** The requests, newest first, kept current by the live feed. */
export function RequestsPage() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const key = JSON.stringify(filters);
  const loaded = useLoad(
    () =>
      get<{ requests: RequestDoc[] }>('/requests', {
        app_id: filters.app_id,
        user_id: filters.user_id,
        status: filters.status,
        since: isoOf(filters.since),
        until: isoOf(filters.until),
        limit: String(LIMIT),
      }),
    key,
  );
  const [live, setLive] = useState<ReadonlyMap<string, RequestDoc>>(new Map());
  const [feed, setFeed] = useState<'connecting' | 'open' | 'closed'>('connecting');

  // `key` stands for the filters: the feed reopens when they change, not on each render.
  useEffect(() => {
    setLive(new Map());
    setFeed('connecting');
    const query = new URLSearchParams();
    for (const name of ['app_id', 'user_id', 'status'] as const) {
      if (filters[name] !== '') query.set(name, filters[name]);
    }
    const source = new EventSource(`${API}/requests/feed?${query.toString()}`);
    // The feed hears only what happens after it opened, and the list was read before: read it again at each
    // (re)opening, so that nothing that happened in between is missed.
    source.addEventListener('open', () => {
      setFeed('open');
      loaded.reload();
    });
    source.addEventListener('error', () =>
      setFeed(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting'),
    );
    // The service may have missed changes (its event bus listened again): the list is read again.
    source.addEventListener('resync', () => loaded.reload());
    source.addEventListener('request', (event) => {
      let request: RequestDoc;
      try {
        request = JSON.parse((event as MessageEvent<string>).data) as RequestDoc;
      } catch {
        return;
      }
      if (typeof request.uuid !== 'string' || !matches(request, filters)) return;
      setLive((previous) => new Map(previous).set(request.uuid, request));
    });
    return () => source.close();
  }, [key]);

  const requests = useMemo(() => {
    const merged = new Map<string, RequestDoc>();
    for (const request of loaded.data?.requests ?? []) merged.set(request.uuid, request);
    for (const [uuid, request] of live) merged.set(uuid, request);
    return [...merged.values()]
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
      .slice(0, LIMIT);
  }, [loaded.data, live]);

  const field = (name: keyof Filters) => (event: Event) =>
    setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });

  return (
    <>
      <PageHeading>Requests</PageHeading>
      <form
        class="filters"
        aria-label="Filter requests"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        <div>
          <label for="filter-app">App id</label>
          <input id="filter-app" inputMode="numeric" value={draft.app_id} onInput={field('app_id')} />
        </div>
        <div>
          <label for="filter-user">Authy id</label>
          <input id="filter-user" inputMode="numeric" value={draft.user_id} onInput={field('user_id')} />
        </div>
        <div>
          <label for="filter-status">Status</label>
          <select id="filter-status" value={draft.status} onChange={field('status')}>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status === '' ? 'Any' : status}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="filter-since">From</label>
          <input id="filter-since" type="datetime-local" value={draft.since} onInput={field('since')} />
        </div>
        <div>
          <label for="filter-until">To</label>
          <input id="filter-until" type="datetime-local" value={draft.until} onInput={field('until')} />
        </div>
        <button type="submit" class="button">
          Apply
        </button>
      </form>
      <p class="muted" aria-live="polite" id="live-count">
        {feed === 'open'
          ? 'Live'
          : feed === 'connecting'
            ? 'Connecting to the live feed…'
            : 'Live feed closed'}
        {live.size > 0 &&
          ` — ${live.size} request${live.size === 1 ? '' : 's'} arrived or changed since you opened this list.`}
      </p>
      <LoadState loading={loaded.loading && loaded.data === undefined} error={loaded.error} />
      {loaded.data !== undefined && requests.length === 0 && <p>No requests.</p>}
      {requests.length > 0 && (
        <ScrollTable label="Requests, newest first">
          <caption class="visually-hidden">Requests, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Message</th>
              <th scope="col">App</th>
              <th scope="col">User</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {requests.map((request) => (
              <tr key={request.uuid} data-uuid={request.uuid}>
                <td>
                  <Time at={request.created_at} />
                </td>
                <td>
                  <a href={href('requests', request.uuid)}>
                    <ShownText text={request.message} />
                  </a>
                </td>
                <td>
                  <ShownText text={request.app_name} />
                </td>
                <td>
                  <a href={href('users', request.authy_id)}>{request.authy_id}</a>
                </td>
                <td>
                  <Status status={request.status} />
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}

/** One request: what the user was shown, the answer, and the receipt, checked in this page. */
export function RequestDetail({ uuid }: { uuid: string }) {
  const loaded = useLoad(() => get<{ request: RequestDoc }>(`/requests/${encodeURIComponent(uuid)}`), uuid);
  const request = loaded.data?.request;
  const [check, setCheck] = useState<ReceiptCheck | undefined>();
  useEffect(() => {
    setCheck(undefined);
    if (request?.receipt) {
      let current = true;
      const { receipt, uuid, status } = request;
      // jose loads with the first receipt shown: no other page needs it.
      void import('../receipt.js')
        .then(({ checkReceipt }) => checkReceipt(receipt, uuid, status))
        .then((result) => current && setCheck(result));
      return () => {
        current = false;
      };
    }
  }, [request]);
  // Whether the user was verified is what the service signed in the receipt, read once the receipt verifies.
  const verifiedUv = check?.ok === true ? check.payload.uv : undefined;
  return (
    <>
      <p class="crumbs">
        <a href="#/requests">Requests</a>
      </p>
      <PageHeading>Request</PageHeading>
      <LoadState loading={loaded.loading && request === undefined} error={loaded.error} />
      {request !== undefined && (
        <>
          <dl class="pairs">
            <div>
              <dt>Id</dt>
              <dd>
                <code>{request.uuid}</code>
              </dd>
            </div>
            <div>
              <dt>Status</dt>
              <dd>
                <Status status={request.status} />
              </dd>
            </div>
            <div>
              <dt>App</dt>
              <dd>
                <a href={href('apps', request.app_id)}>
                  <ShownText text={request.app_name} />
                </a>
              </dd>
            </div>
            <div>
              <dt>User</dt>
              <dd>
                <a href={href('users', request.authy_id)}>{request.authy_id}</a>
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <Time at={request.created_at} />
              </dd>
            </div>
            <div>
              <dt>Expires</dt>
              <dd>
                <Time at={request.expires_at} />
              </dd>
            </div>
          </dl>
          <section aria-labelledby="shown-heading">
            <h2 id="shown-heading">What the user was shown</h2>
            <p class="message">
              <ShownText text={request.message} />
            </p>
            <h3>Details</h3>
            <ShownDetails details={request.details} />
          </section>
          <section aria-labelledby="answer-heading">
            <h2 id="answer-heading">The answer</h2>
            {request.status === 'pending' || request.status === 'expired' ? (
              <p>Not answered.</p>
            ) : (
              <dl class="pairs">
                <div>
                  <dt>Answered</dt>
                  <dd>
                    <Time at={request.answered_at} />
                  </dd>
                </div>
                <div>
                  <dt>Device</dt>
                  <dd>
                    <ShownText text={request.device_name} />{' '}
                    <span class="muted">
                      <ShownText text={request.device_id} />
                    </span>
                  </dd>
                </div>
                <div>
                  <dt>Reason</dt>
                  <dd>
                    <ShownText text={request.reason} />
                  </dd>
                </div>
                <div>
                  <dt>User verified</dt>
                  <dd>{verifiedUv === undefined ? '—' : verifiedUv ? 'Yes' : 'No'}</dd>
                </div>
              </dl>
            )}
          </section>
          <section aria-labelledby="receipt-heading">
            <h2 id="receipt-heading">Receipt</h2>
            {!request.receipt ? (
              <p>No receipt: the request was not answered by a device.</p>
            ) : (
              <>
                <p role="status" class={check === undefined ? 'muted' : check.ok ? 'verified' : 'error'}>
                  {check === undefined
                    ? 'Checking the receipt…'
                    : check.ok
                      ? 'Receipt verified: signed by the service’s published key, for this request and this answer.'
                      : `Receipt not verified: ${check.reason}`}
                </p>
                <details>
                  <summary>The receipt (JWS)</summary>
                  <pre class="jws">{request.receipt}</pre>
                </details>
              </>
            )}
          </section>
        </>
      )}
    </>
  );
}
