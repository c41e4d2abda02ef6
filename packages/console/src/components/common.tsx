import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../api.js';

const FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** An ISO time as the operator's locale writes it, machine-readable in `datetime`. */
export function Time({ at }: { at: string | null | undefined }) {
  if (at === null || at === undefined) return <span class="muted">—</span>;
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return <span>{at}</span>;
  return <time dateTime={at}>{FORMAT.format(date)}</time>;
}

/** An error said where it happened, and announced. Nothing when there is none. */
export function ErrorNote({ error }: { error: string | undefined }) {
  return (
    <p class={error === undefined ? 'visually-hidden' : 'error'} role="alert">
      {error}
    </p>
  );
}

/** What a list or detail shows while it loads, or why it could not. */
export function LoadState({ loading, error }: { loading: boolean; error: string | undefined }) {
  if (error !== undefined) return <ErrorNote error={error} />;
  return loading ? <p class="muted">Loading…</p> : null;
}

/** A page's heading: focused on arrival (the hash changed), so a screen reader reads the new page. */
export function PageHeading({ children }: { children: ComponentChildren }) {
  return (
    <h1 id="page-heading" tabIndex={-1}>
      {children}
    </h1>
  );
}

/** Copies `text` and says so, for keys and codes shown once. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<string | undefined>();
  return (
    <span class="copy">
      <button
        type="button"
        class="button-quiet"
        onClick={() =>
          navigator.clipboard.writeText(text).then(
            () => setCopied('Copied.'),
            () => setCopied('Could not copy: select the text and copy it yourself.'),
          )
        }
      >
        {label}
      </button>
      <span role="status">{copied}</span>
    </span>
  );
}

/** A change an operator starts with a button: runs once at a time, and keeps its error to show. */
export function useAction(): {
  busy: boolean;
  error: string | undefined;
  run: (action: () => Promise<void>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = async (action: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** A status as a word with its colour; the word carries the meaning. */
export function Status({ status }: { status: string }) {
  return <span class={`status status-${status.replace(/[^a-z_-]/gi, '')}`}>{status}</span>;
}

/**
 * A table in a named region of its own that scrolls sideways when the table is wider than the screen: the
 * region takes keyboard focus, so it scrolls from the keyboard too (axe's scrollable-region-focusable).
 */
export function ScrollTable({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // A named section is a region: a screen reader says what the focused scroll area holds. It takes focus so
    // that the keyboard scrolls it (WCAG 2.1.1), which is what the rule below does not foresee.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable from the keyboard.
    <section class="table-scroll" aria-label={label} tabIndex={0}>
      <table class="table">{children}</table>
    </section>
  );
}
