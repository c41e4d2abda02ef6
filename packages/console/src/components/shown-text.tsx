import { displaySegments } from '@countersign/protocol';

/**
 * Stored text a user or an app controls (request messages and details, app and device names), shown so
 * that it cannot look different from what it says, as the authenticator shows it: isolated in a `<bdi>` so
 * right-to-left text cannot reorder what is around it, and each character the service refuses today
 * (bidirectional controls, invisible and control characters) shown as a marker such as ⟨U+202E⟩.
 */
export function ShownText({ text }: { text: string | null | undefined }) {
  if (text === null || text === undefined || text === '') return <span class="muted">—</span>;
  return (
    <bdi>
      {displaySegments(text).map((segment, index) =>
        'text' in segment ? (
          segment.text
        ) : (
          <span
            key={index}
            class="refused-character"
            role="img"
            aria-label={`hidden character ${segment.refused.label}`}
            title={`${segment.refused.label}: ${segment.refused.kind}`}
          >
            {segment.refused.marker}
          </span>
        ),
      )}
    </bdi>
  );
}

/** A request's details as a definition list, names and values as `ShownText`; nothing when empty. */
export function ShownDetails({ details }: { details: Readonly<Record<string, string>> | undefined }) {
  const entries = Object.entries(details ?? {});
  if (entries.length === 0) return <p class="muted">None.</p>;
  return (
    <dl class="pairs">
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt>
            <ShownText text={name} />
          </dt>
          <dd>
            <ShownText text={value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
