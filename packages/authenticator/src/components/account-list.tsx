import type { AccountCode, Wallet, WalletAccount } from '@countersign/device';
import { revealInvisible } from '@countersign/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../describe-error.js';
import { useCodes } from '../hooks/use-codes.js';
import { t } from '../i18n/i18n.js';
import { CodeRow } from './code-row.js';
import { ShownText } from './shown-text.js';

interface AccountListProps {
  wallet: Wallet;
  now: number;
  /** Changes whenever accounts are added, renamed, moved or removed. */
  accountsVersion: number;
  /** Accounts were renamed, moved or removed here. */
  onChanged: () => void;
  /** The last account was removed: nothing is left to show. */
  onEmptied: () => void;
  announce: (text: string) => void;
}

/** Where an account answers: the Countersign service's host, or that it is another site's code. */
function whereOf(account: WalletAccount): string {
  return account.kind === 'countersign'
    ? t('accounts:whereCountersign', { host: new URL(account.server).host })
    : t('accounts:whereTotp');
}

/**
 * What removing the account costs, said before it is done: the apps it is the last way to answer here, or
 * the third-party secret that exists nowhere else in this authenticator.
 */
function removalWarning(account: WalletAccount, last: readonly string[]): string {
  if (last.length === 0) return t('accounts:removeNothingLost');
  if (account.kind === 'totp') return t('accounts:removeOnlySecret');
  return t('accounts:removeLastWay', { apps: last.map(revealInvisible).join(', ') });
}

type Mode =
  | { readonly kind: 'idle' }
  | { readonly kind: 'renaming' }
  | { readonly kind: 'confirming'; readonly last: readonly string[] }
  | { readonly kind: 'busy' };

function AccountItem({
  wallet,
  account,
  codes,
  index,
  count,
  onChanged,
  onRemoved,
  announce,
}: {
  wallet: Wallet;
  account: WalletAccount;
  codes: readonly AccountCode[];
  index: number;
  count: number;
  onChanged: (focus?: string) => void;
  onRemoved: (account: WalletAccount) => void;
  announce: (text: string) => void;
}) {
  const [mode, setMode] = useState<Mode>({ kind: 'idle' });
  const [name, setName] = useState(account.label);
  const [error, setError] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const id = `account-${account.id}`;

  useEffect(() => {
    if (mode.kind === 'renaming') nameRef.current?.select();
    if (mode.kind === 'confirming') confirmRef.current?.focus();
  }, [mode.kind]);

  /** Puts focus back on one of this item's buttons once the form that held it is gone. */
  const refocus = (which: string) =>
    window.setTimeout(() => document.querySelector<HTMLElement>(`#${id} .${which}`)?.focus(), 0);

  const rename = async (event: Event) => {
    event.preventDefault();
    try {
      await wallet.rename(account.id, name);
    } catch {
      setError(t('accounts:nameTooLong'));
      return;
    }
    setError(null);
    setMode({ kind: 'idle' });
    onChanged(`${id} .account-rename`);
    announce(
      name.trim() === ''
        ? t('accounts:renamedBack')
        : t('accounts:renamed', { name: revealInvisible(name.trim()) }),
    );
  };

  const move = async (by: -1 | 1) => {
    await wallet.move(account.id, index + by);
    const edge = (by < 0 && index + by === 0) || (by > 0 && index + by === count - 1);
    // At the top or bottom, the button that moved it is disabled: focus its other one.
    const which = by < 0 ? (edge ? 'account-down' : 'account-up') : edge ? 'account-up' : 'account-down';
    onChanged(`${id} .${which}`);
    announce(t('accounts:moved', { label: revealInvisible(account.label), position: index + by + 1, count }));
  };

  const askRemove = async () => {
    setError(null);
    try {
      setMode({ kind: 'confirming', last: await wallet.lastWayFor(account.id) });
    } catch (caught) {
      setError(describeError(caught, 'devices'));
    }
  };

  const remove = async () => {
    setMode({ kind: 'busy' });
    try {
      await wallet.remove(account.id);
    } catch (caught) {
      setError(describeError(caught, 'devices'));
      setMode({ kind: 'idle' });
      return;
    }
    onRemoved(account);
  };

  return (
    <li class="account" id={id} aria-labelledby={`${id}-name`}>
      <div class="account-head">
        <h3 id={`${id}-name`} class="account-name">
          <ShownText text={account.label} />
        </h3>
        <p class="muted account-where">{whereOf(account)}</p>
      </div>
      {codes.length > 0 && (
        <ul class="codes">
          {codes.map((code) => (
            <CodeRow
              key={`${code.account.id}\n${code.name}`}
              code={code}
              named={codes.length > 1 || code.name !== account.label}
              announce={announce}
            />
          ))}
        </ul>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {mode.kind === 'renaming' ? (
        <form class="field" onSubmit={rename}>
          <label for={`${id}-rename`}>
            {t('accounts:newName')} <ShownText text={account.label} />
          </label>
          <div class="field-row">
            <input
              id={`${id}-rename`}
              ref={nameRef}
              type="text"
              maxLength={100}
              autoComplete="off"
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
            />
            <button type="submit" class="button button-approve">
              {t('accounts:save')}
            </button>
          </div>
          <button
            type="button"
            class="button-quiet"
            onClick={() => {
              setMode({ kind: 'idle' });
              setName(account.label);
              refocus('account-rename');
            }}
          >
            {t('cancel')}
          </button>
        </form>
      ) : mode.kind === 'confirming' || mode.kind === 'busy' ? (
        <div class="account-confirm">
          <p
            id={`${id}-warning`}
            class={mode.kind === 'confirming' && mode.last.length > 0 ? 'warning' : 'muted'}
          >
            {mode.kind === 'confirming' ? removalWarning(account, mode.last) : t('accounts:removing')}
          </p>
          <div class="account-actions">
            <button
              type="button"
              class="button button-deny"
              ref={confirmRef}
              aria-describedby={`${id}-warning`}
              aria-disabled={mode.kind === 'busy' ? 'true' : undefined}
              onClick={() => void (mode.kind === 'confirming' && remove())}
            >
              {t('accounts:removeNow')} <ShownText text={account.label} />
            </button>
            <button
              type="button"
              class="button-quiet"
              onClick={() => {
                setMode({ kind: 'idle' });
                refocus('account-remove');
              }}
            >
              {t('cancel')}
            </button>
          </div>
        </div>
      ) : (
        <div class="account-actions">
          <button
            type="button"
            class="button-quiet account-rename"
            onClick={() => setMode({ kind: 'renaming' })}
          >
            {t('accounts:rename')}
            <span class="visually-hidden"> {revealInvisible(account.label)}</span>
          </button>
          <button
            type="button"
            class="button-quiet account-up"
            disabled={index === 0}
            onClick={() => void move(-1)}
          >
            {t('accounts:moveUp')}
            <span class="visually-hidden"> {revealInvisible(account.label)}</span>
          </button>
          <button
            type="button"
            class="button-quiet account-down"
            disabled={index === count - 1}
            onClick={() => void move(1)}
          >
            {t('accounts:moveDown')}
            <span class="visually-hidden"> {revealInvisible(account.label)}</span>
          </button>
          <button type="button" class="button-quiet account-remove" onClick={() => void askRemove()}>
            {t('accounts:remove')}
            <span class="visually-hidden"> {revealInvisible(account.label)}</span>
          </button>
        </div>
      )}
    </li>
  );
}

/**
 * Every account in the user's order, each with its live codes: the Countersign enrollments (one code per
 * app they answer for) and third-party accounts. Each can be renamed, moved and removed; removing the last
 * way to answer an app says so before it is done.
 */
export function AccountList({
  wallet,
  now,
  accountsVersion,
  onChanged,
  onEmptied,
  announce,
}: AccountListProps) {
  const { codes, error } = useCodes(wallet, now, accountsVersion);
  const [accounts, setAccounts] = useState<readonly WalletAccount[] | null>(null);
  const focusNext = useRef<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let live = true;
    wallet
      .accounts()
      .then((list) => {
        if (live) setAccounts(list);
      })
      .catch(() => undefined); // the codes' error says it
    return () => {
      live = false;
    };
  }, [wallet, accountsVersion]);

  // After a move or a rename, focus the button the user is on, wherever its item now is.
  useEffect(() => {
    const selector = focusNext.current;
    if (selector === null) return;
    focusNext.current = null;
    document.querySelector<HTMLElement>(`#${selector}`)?.focus();
  }, [accounts]);

  const changed = (focus?: string) => {
    focusNext.current = focus ?? null;
    onChanged();
  };

  const removed = async (account: WalletAccount) => {
    announce(t('accounts:removed', { label: revealInvisible(account.label) }));
    if (await wallet.isEmpty()) onEmptied();
    else {
      onChanged();
      headingRef.current?.focus();
    }
  };

  return (
    <section class="panel" aria-labelledby="accounts-title">
      <h2 id="accounts-title" tabIndex={-1} ref={headingRef}>
        {t('accounts:title')}
      </h2>
      {error !== null && codes === null ? (
        <p class="error" role="alert">
          {describeError(error, 'load')}
        </p>
      ) : accounts === null || codes === null ? (
        <p class="muted">{t('loading')}</p>
      ) : accounts.length === 0 ? (
        <p class="empty">{t('accounts:empty')}</p>
      ) : (
        <ol class="accounts">
          {accounts.map((account, index) => (
            <AccountItem
              key={account.id}
              wallet={wallet}
              account={account}
              codes={codes.filter((code) => code.account.id === account.id)}
              index={index}
              count={accounts.length}
              onChanged={changed}
              onRemoved={(gone) => void removed(gone)}
              announce={announce}
            />
          ))}
        </ol>
      )}
    </section>
  );
}
