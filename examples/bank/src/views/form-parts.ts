import type { BankError } from '../lib/bank-error.js';
import { html, type SafeHtml } from './html.js';

export interface FieldOptions {
  /** The visible label, exactly as the customer reads it. */
  readonly label: string;
  readonly name: string;
  readonly type?: 'text' | 'email' | 'password' | 'tel';
  readonly value?: string;
  readonly error?: string | undefined;
  readonly hint?: string;
  readonly autocomplete?: string;
  readonly inputmode?: 'numeric' | 'decimal' | 'email' | 'tel';
  readonly maxlength?: number;
}

/** A labelled input with its hint and its problem, both tied to it for screen readers. */
export function field(options: FieldOptions): SafeHtml {
  const id = `f-${options.name}`;
  const described = [
    options.hint === undefined ? undefined : `${id}-hint`,
    options.error === undefined ? undefined : `${id}-error`,
  ].filter((part) => part !== undefined);
  return html`<div class="field${options.error === undefined ? '' : ' invalid'}">
  <label for="${id}">${options.label}</label>
  ${options.hint !== undefined && html`<p class="hint" id="${id}-hint">${options.hint}</p>`}
  ${options.error !== undefined && html`<p class="field-error" id="${id}-error">${options.error}</p>`}
  <input id="${id}" name="${options.name}" type="${options.type ?? 'text'}" value="${options.value ?? ''}" required${
    options.autocomplete !== undefined ? html` autocomplete="${options.autocomplete}"` : ''
  }${options.inputmode !== undefined ? html` inputmode="${options.inputmode}"` : ''}${
    options.maxlength !== undefined ? html` maxlength="${options.maxlength}"` : ''
  }${described.length > 0 ? html` aria-describedby="${described.join(' ')}"` : ''}${
    options.error !== undefined ? html` aria-invalid="true"` : ''
  }>
</div>`;
}

/** The problem at the top of a form, linking to each field that needs fixing. */
export function errorSummary(
  error: BankError | undefined,
  labels: Readonly<Record<string, string>> = {},
): SafeHtml {
  if (error === undefined) return html``;
  const fields = Object.entries(error.fields);
  return html`<div class="alert" role="alert">
  <p>${error.message}</p>
  ${
    fields.length > 0 &&
    html`<ul>${fields.map(([name, problem]) => html`<li><a href="#f-${name}">${labels[name] ?? name}: ${problem}</a></li>`)}</ul>`
  }
</div>`;
}

/** A neutral message (something was sent, something happened). */
export function notice(text: string | undefined): SafeHtml {
  return text === undefined ? html`` : html`<div class="notice" role="status"><p>${text}</p></div>`;
}
