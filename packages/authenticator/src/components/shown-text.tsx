import { displaySegments, revealInvisible } from '@countersign/protocol';
import { t } from '../i18n/i18n.js';

/**
 * Text from the service, shown so that it cannot look different from what it says (D11). Each value is
 * isolated (`<bdi>`, whose direction comes from its own text), so right-to-left text cannot reorder the
 * text around it; each character the service now refuses (bidirectional controls, invisible and control
 * characters, unpaired surrogates) is shown as a marker such as ⟨U+202E⟩ that a screen reader names.
 * The service refuses such text today; this is for what it stored before. The device still signs the
 * text exactly as the service sent it.
 */
export function ShownText({ text }: { text: string }) {
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
            aria-label={t('hiddenCharacter', { label: segment.refused.label })}
            title={t('hiddenCharacterTitle', { label: segment.refused.label, kind: segment.refused.kind })}
          >
            {segment.refused.marker}
          </span>
        ),
      )}
    </bdi>
  );
}

/** True when showing any of `texts` needs a marker. */
export function needsMarkers(texts: readonly string[]): boolean {
  return texts.some((text) => revealInvisible(text) !== text);
}

/** An app's details as a definition list, each name and value shown as `ShownText`; nothing when empty. */
export function ShownDetails({ details }: { details: Readonly<Record<string, string>> }) {
  const entries = Object.entries(details);
  if (entries.length === 0) return null;
  return (
    <dl class="details">
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
