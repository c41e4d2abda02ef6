import { useState } from 'preact/hooks';
import { ErrorNote, useAction } from '../components/common.js';
import { ShownText } from '../components/shown-text.js';
import {
  type AppDoc,
  type AppSettings,
  NUMBER_MATCHING,
  type SettingsChange,
  USER_VERIFICATION,
} from '../types.js';

/** The form's fields, as text where the operator types. */
interface FormFields {
  readonly name: string;
  readonly number_matching: AppSettings['number_matching'];
  readonly callback_url: string;
  readonly callback_expired: boolean;
  readonly token_length: string;
  /** Empty: the server's budget. */
  readonly sms_per_hour: string;
  readonly sms_per_day: string;
  /** Empty: every country. */
  readonly sms_countries: string;
  readonly user_verification: AppSettings['user_verification'];
}

/** A new app's form: the service's defaults, budgets and countries left to the server. */
const NEW_APP_FIELDS: FormFields = {
  name: '',
  number_matching: 'off',
  callback_url: '',
  callback_expired: false,
  token_length: '7',
  sms_per_hour: '',
  sms_per_day: '',
  sms_countries: '',
  user_verification: 'preferred',
};

/** An app's settings as the form shows them: its budgets are the ones in force, its own or the server's. */
function fieldsOf(app: AppSettings): FormFields {
  return {
    name: app.name,
    number_matching: app.number_matching,
    callback_url: app.callback_url ?? '',
    callback_expired: app.callback_expired,
    token_length: String(app.token_length),
    sms_per_hour: String(app.sms_per_hour),
    sms_per_day: String(app.sms_per_day),
    sms_countries: app.sms_countries === 'all' ? '' : app.sms_countries.join(', '),
    user_verification: app.user_verification,
  };
}

/** `US, fr` → `['US', 'FR']`; empty → `all` (every country). */
export function parseCountries(value: string): string[] | 'all' {
  const codes = value
    .split(/[\s,]+/)
    .map((code) => code.trim().toUpperCase())
    .filter((code) => code !== '');
  return codes.length === 0 ? 'all' : codes;
}

const budget = (value: string): number | 'default' => (value.trim() === '' ? 'default' : Number(value));

/**
 * What the form sends: a new app every setting the operator sees but those left empty (the server's), a
 * change only the settings that differ from the app's, so that a budget shown as the server's is not made
 * the app's own by saving something else.
 */
function changeOf(
  fields: FormFields,
  initial: FormFields | undefined,
  callbacksOff: boolean,
): SettingsChange {
  const changed = (name: keyof FormFields) => fields[name] !== (initial ?? NEW_APP_FIELDS)[name];
  // A new app gets what the form shows of these even when left as they were.
  const sent = (name: keyof FormFields) => initial === undefined || changed(name);
  const change: SettingsChange = {};
  if (sent('name')) change.name = fields.name.trim();
  if (sent('number_matching')) change.number_matching = fields.number_matching;
  if (sent('token_length')) change.token_length = Number(fields.token_length);
  // Setting the URL again is what turns callbacks back on after the receiver answered 410.
  if (changed('callback_url') || callbacksOff) change.callback_url = fields.callback_url.trim();
  if (sent('callback_expired')) change.callback_expired = fields.callback_expired;
  if (changed('sms_per_hour')) change.sms_per_hour = budget(fields.sms_per_hour);
  if (changed('sms_per_day')) change.sms_per_day = budget(fields.sms_per_day);
  if (changed('sms_countries')) change.sms_countries = parseCountries(fields.sms_countries);
  if (sent('user_verification')) change.user_verification = fields.user_verification;
  return change;
}

/** An app's settings as a form: a new app's (no `initial`), or changes to `initial`'s; `onSave` sends them. */
export function AppSettingsForm({
  initial,
  submitLabel,
  onSave,
}: {
  initial?: AppDoc;
  submitLabel: string;
  onSave: (change: SettingsChange) => Promise<void>;
}) {
  const start = initial === undefined ? undefined : fieldsOf(initial);
  const [fields, setFields] = useState<FormFields>(start ?? NEW_APP_FIELDS);
  const { busy, error, run } = useAction();
  const set = <K extends keyof FormFields>(name: K, value: FormFields[K]) =>
    setFields((previous) => ({ ...previous, [name]: value }));

  const submit = (event: Event) => {
    event.preventDefault();
    void run(() => onSave(changeOf(fields, start, initial?.callback_disabled === true)));
  };
  const text =
    (name: 'name' | 'callback_url' | 'token_length' | 'sms_per_hour' | 'sms_per_day' | 'sms_countries') =>
    (event: Event) =>
      set(name, (event.currentTarget as HTMLInputElement).value);

  return (
    <form class="form" onSubmit={submit}>
      <label for="app-name">Name</label>
      <input id="app-name" required maxLength={200} value={fields.name} onInput={text('name')} />
      <label for="app-number-matching">Number matching</label>
      <select
        id="app-number-matching"
        value={fields.number_matching}
        onChange={(event) =>
          set('number_matching', event.currentTarget.value as AppSettings['number_matching'])
        }
      >
        {NUMBER_MATCHING.map((value) => (
          <option key={value} value={value}>
            {value === 'off' ? 'Off' : `${value} digits`}
          </option>
        ))}
      </select>
      <label for="app-callback-url">Callback URL</label>
      <input
        id="app-callback-url"
        type="url"
        inputMode="url"
        placeholder="https://…"
        aria-describedby="app-callback-url-hint"
        value={fields.callback_url}
        onInput={text('callback_url')}
      />
      <p id="app-callback-url-hint" class="hint">
        Empty: no callbacks.
      </p>
      <div class="check">
        <input
          id="app-callback-expired"
          type="checkbox"
          checked={fields.callback_expired}
          onChange={(event) => set('callback_expired', event.currentTarget.checked)}
        />
        <label for="app-callback-expired">Call back when a request expires</label>
      </div>
      <label for="app-token-length">Code length</label>
      <input
        id="app-token-length"
        type="number"
        min={6}
        max={8}
        required
        value={fields.token_length}
        onInput={text('token_length')}
      />
      <label for="app-sms-per-hour">Codes sent per hour</label>
      <input
        id="app-sms-per-hour"
        type="number"
        min={0}
        aria-describedby="app-limits-hint"
        value={fields.sms_per_hour}
        onInput={text('sms_per_hour')}
      />
      <label for="app-sms-per-day">Codes sent per day</label>
      <input
        id="app-sms-per-day"
        type="number"
        min={0}
        aria-describedby="app-limits-hint"
        value={fields.sms_per_day}
        onInput={text('sms_per_day')}
      />
      <p id="app-limits-hint" class="hint">
        SMS and voice codes. Empty: the server's default.
      </p>
      <label for="app-sms-countries">Countries codes may be sent to</label>
      <input
        id="app-sms-countries"
        aria-describedby="app-sms-countries-hint"
        autoCapitalize="characters"
        spellcheck={false}
        value={fields.sms_countries}
        onInput={text('sms_countries')}
      />
      <p id="app-sms-countries-hint" class="hint">
        Two-letter country codes, separated by commas (US, FR). Empty: every country.
      </p>
      <label for="app-user-verification">User verification on approvals</label>
      <select
        id="app-user-verification"
        value={fields.user_verification}
        onChange={(event) =>
          set('user_verification', event.currentTarget.value as AppSettings['user_verification'])
        }
      >
        {USER_VERIFICATION.map((value) => (
          <option key={value} value={value}>
            {value[0]?.toUpperCase()}
            {value.slice(1)}
          </option>
        ))}
      </select>
      <button type="submit" class="button" disabled={busy}>
        {submitLabel}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

/** An app's settings to read (a viewer's view). */
export function AppSettingsList({ app }: { app: AppSettings }) {
  return (
    <dl class="pairs">
      <div>
        <dt>Name</dt>
        <dd>
          <ShownText text={app.name} />
        </dd>
      </div>
      <div>
        <dt>Number matching</dt>
        <dd>{app.number_matching === 'off' ? 'Off' : `${app.number_matching} digits`}</dd>
      </div>
      <div>
        <dt>Callback URL</dt>
        <dd>
          <ShownText text={app.callback_url} />
        </dd>
      </div>
      <div>
        <dt>Call back when a request expires</dt>
        <dd>{app.callback_expired ? 'Yes' : 'No'}</dd>
      </div>
      <div>
        <dt>Code length</dt>
        <dd>{app.token_length}</dd>
      </div>
      <div>
        <dt>Codes sent per hour / day</dt>
        <dd>
          {app.sms_per_hour} / {app.sms_per_day}
        </dd>
      </div>
      <div>
        <dt>Countries</dt>
        <dd>{app.sms_countries === 'all' ? 'Every country' : app.sms_countries.join(', ')}</dd>
      </div>
      <div>
        <dt>User verification</dt>
        <dd>{app.user_verification}</dd>
      </div>
    </dl>
  );
}
