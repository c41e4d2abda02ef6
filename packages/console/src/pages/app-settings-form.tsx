import { useState } from 'preact/hooks';
import { ErrorNote, useAction } from '../components/common.js';
import { ShownText } from '../components/shown-text.js';
import { type AppSettings, NUMBER_MATCHING, USER_VERIFICATION } from '../types.js';

/** A new app's settings: the service's defaults. */
export const NEW_APP: AppSettings = {
  name: '',
  number_matching: 'off',
  callback_url: null,
  token_length: 6,
  sms_per_hour: null,
  sms_per_day: null,
  sms_countries: null,
  user_verification: 'preferred',
};

/** The form's text for a setting that may be unset (`null`: the server's default). */
const text = (value: number | string | null) => (value === null ? '' : String(value));
const numberOrNull = (value: string) => (value.trim() === '' ? null : Number(value));

/** `US, fr` → `['US', 'FR']`; empty → `null` (every country). */
export function parseCountries(value: string): string[] | null {
  const codes = value
    .split(/[\s,]+/)
    .map((code) => code.trim().toUpperCase())
    .filter((code) => code !== '');
  return codes.length === 0 ? null : codes;
}

/** An app's settings as a form; `onSave` sends them. */
export function AppSettingsForm({
  initial,
  submitLabel,
  onSave,
}: {
  initial: AppSettings;
  submitLabel: string;
  onSave: (settings: AppSettings) => Promise<void>;
}) {
  const [name, setName] = useState(initial.name);
  const [numberMatching, setNumberMatching] = useState<AppSettings['number_matching']>(
    initial.number_matching,
  );
  const [callbackUrl, setCallbackUrl] = useState(text(initial.callback_url));
  const [tokenLength, setTokenLength] = useState(String(initial.token_length));
  const [perHour, setPerHour] = useState(text(initial.sms_per_hour));
  const [perDay, setPerDay] = useState(text(initial.sms_per_day));
  const [countries, setCountries] = useState((initial.sms_countries ?? []).join(', '));
  const [uv, setUv] = useState<AppSettings['user_verification']>(initial.user_verification);
  const { busy, error, run } = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    void run(() =>
      onSave({
        name: name.trim(),
        number_matching: numberMatching,
        callback_url: callbackUrl.trim() === '' ? null : callbackUrl.trim(),
        token_length: Number(tokenLength),
        sms_per_hour: numberOrNull(perHour),
        sms_per_day: numberOrNull(perDay),
        sms_countries: parseCountries(countries),
        user_verification: uv,
      }),
    );
  };
  const input = (setter: (value: string) => void) => (event: Event) =>
    setter((event.currentTarget as HTMLInputElement).value);

  return (
    <form class="form" onSubmit={submit}>
      <label for="app-name">Name</label>
      <input id="app-name" required maxLength={100} value={name} onInput={input(setName)} />
      <label for="app-number-matching">Number matching</label>
      <select
        id="app-number-matching"
        value={numberMatching}
        onChange={(event) => setNumberMatching(event.currentTarget.value as AppSettings['number_matching'])}
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
        value={callbackUrl}
        onInput={input(setCallbackUrl)}
      />
      <p id="app-callback-url-hint" class="hint">
        Empty: no callbacks.
      </p>
      <label for="app-token-length">Code length</label>
      <input
        id="app-token-length"
        type="number"
        min={6}
        max={10}
        required
        value={tokenLength}
        onInput={input(setTokenLength)}
      />
      <label for="app-sms-per-hour">Codes sent per hour</label>
      <input
        id="app-sms-per-hour"
        type="number"
        min={0}
        aria-describedby="app-limits-hint"
        value={perHour}
        onInput={input(setPerHour)}
      />
      <label for="app-sms-per-day">Codes sent per day</label>
      <input
        id="app-sms-per-day"
        type="number"
        min={0}
        aria-describedby="app-limits-hint"
        value={perDay}
        onInput={input(setPerDay)}
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
        value={countries}
        onInput={input(setCountries)}
      />
      <p id="app-sms-countries-hint" class="hint">
        Two-letter country codes, separated by commas (US, FR). Empty: every country.
      </p>
      <label for="app-user-verification">User verification on approvals</label>
      <select
        id="app-user-verification"
        value={uv}
        onChange={(event) => setUv(event.currentTarget.value as AppSettings['user_verification'])}
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
        <dt>Code length</dt>
        <dd>{app.token_length}</dd>
      </div>
      <div>
        <dt>Codes sent per hour / day</dt>
        <dd>
          {app.sms_per_hour ?? 'default'} / {app.sms_per_day ?? 'default'}
        </dd>
      </div>
      <div>
        <dt>Countries</dt>
        <dd>{app.sms_countries === null ? 'Every country' : app.sms_countries.join(', ')}</dd>
      </div>
      <div>
        <dt>User verification</dt>
        <dd>{app.user_verification}</dd>
      </div>
    </dl>
  );
}
