import { get } from '../api.js';
import { LoadState, PageHeading, ScrollTable, Time } from '../components/common.js';
import { ShownText } from '../components/shown-text.js';
import { useLoad } from '../hooks/use-load.js';
import type { OutboxMessage } from '../types.js';

/** What the console messaging provider would have sent (SMS and calls), oldest first. */
export function OutboxPage() {
  const loaded = useLoad(() => get<{ messages: OutboxMessage[] }>('/outbox'), '');
  return (
    <>
      <PageHeading>Outbox</PageHeading>
      <p class="muted">
        Messages of the console messaging provider: codes that were not sent to a real phone.
      </p>
      <button type="button" class="button-quiet" onClick={loaded.reload}>
        Refresh
      </button>
      <LoadState loading={loaded.loading && loaded.data === undefined} error={loaded.error} />
      {loaded.data?.messages.length === 0 && <p>The outbox is empty.</p>}
      {loaded.data !== undefined && loaded.data.messages.length > 0 && (
        <ScrollTable label="Outbox">
          <caption class="visually-hidden">Outbox</caption>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">App</th>
              <th scope="col">Channel</th>
              <th scope="col">To</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {loaded.data.messages.map((message) => (
              <tr key={message.id}>
                <td>
                  <Time at={message.created_at} />
                </td>
                <td>{message.app_id}</td>
                <td>{message.channel}</td>
                <td>
                  <ShownText text={message.to} />
                </td>
                <td>
                  <ShownText text={message.body} />
                </td>
              </tr>
            ))}
          </tbody>
        </ScrollTable>
      )}
    </>
  );
}
