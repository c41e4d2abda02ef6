import { getCountryCallingCode, isSupportedCountry } from 'libphonenumber-js/max';
import type { App } from '../apps/app.js';
import type { UsageCounter } from '../apps/usage-counter.js';
import type { Clock } from '../lib/clock.js';
import { readEmail } from './email.js';
import type { ImportRow } from './import-file.js';
import { maskForStatus } from './phone-number.js';
import { readPhone } from './phone-rule.js';
import type { ImportReads, KnownIdentity, NewLink, UserRepository } from './user.repository.js';
import { namespaceOf, type UserService } from './user.service.js';
import { readUserId } from './user-id.js';

/** Why a row of an import file is refused. */
export type RefusalReason =
  | 'malformed_id'
  | 'malformed_phone'
  | 'malformed_email'
  | 'duplicate_in_file'
  | 'id_bound_to_another_phone'
  | 'phone_bound_to_another_id';

/**
 * A refused row: its line, its id (`null` when it is not one: the column may hold anything, a phone number
 * too, and is not echoed), why, and a sentence that never holds the phone number in full.
 */
export interface RefusedRow {
  readonly line: number;
  readonly authyId: string | null;
  readonly reason: RefusalReason;
  readonly message: string;
}

/** What an import did, or (a dry run, or any row refused) would have done. */
export interface ImportReport {
  readonly rows: number;
  /** New identities, with the file's ids, linked to the app. */
  readonly created: number;
  /** Identities that existed with the same id and phone (another app's, D8), now linked to the app too. */
  readonly linked: number;
  /** Links that existed with another email: the email is the file's now, as `users/new` would set it. */
  readonly emailsUpdated: number;
  /** Links that existed exactly so (a re-run). */
  readonly unchanged: number;
  /** The highest id of the file's rows, `null` for an empty file. */
  readonly highestId: number | null;
  readonly refused: readonly RefusedRow[];
  /** Whether anything was written: not a dry run, no row refused, and not everything unchanged (a re-run). */
  readonly written: boolean;
}

/** A row that reads well: the identity it names and the email of its link. */
interface ReadRow {
  readonly source: ImportRow;
  readonly identity: KnownIdentity;
  readonly email: string;
}

type Action = 'create' | 'link' | 'email' | 'unchanged';

interface Plan {
  readonly rows: number;
  readonly actions: ReadonlyArray<{ row: ReadRow; action: Action }>;
  readonly refused: RefusedRow[];
  readonly highestId: number | null;
}

const phoneKey = (i: Pick<KnownIdentity, 'namespace' | 'countryCode' | 'phone'>) =>
  `${i.namespace}:${i.countryCode}:${i.phone}`;

/** `+1 XXX-XXX-0123`: how the import's report names a number, as `users list` does. */
const masked = (i: Pick<KnownIdentity, 'countryCode' | 'phone'>) =>
  `+${i.countryCode} ${maskForStatus(i.phone)}`;

/** A calling code (`1`, `+44`), or an ISO 3166 alpha-2 country (`US`), as an app may have stored either. */
function callingCodeOf(text: string): string {
  const upper = text.toUpperCase();
  return /^[A-Z]{2}$/.test(upper) && isSupportedCountry(upper) ? getCountryCallingCode(upper) : text;
}

export interface UserImportOptions {
  readonly repository: Pick<UserRepository, 'readForImport' | 'writeImport'>;
  readonly users: Pick<UserService, 'newSeed'>;
  readonly usage: UsageCounter;
  readonly clock: Clock;
}

/**
 * Imports an app's users with the Authy ids it already stores (issue 20): each row becomes what `users/new`
 * would have written for it (D8: one identity per phone number, linked to the app), but with the file's id.
 * All or nothing: any refused row, and nothing is written; the rows are read and written in one transaction.
 * A re-run of the same file changes nothing.
 */
export class UserImport {
  constructor(private readonly options: UserImportOptions) {}

  /** Checks every row and, unless `dryRun` or a row is refused, writes them all in one transaction. */
  async run(app: App, rows: readonly ImportRow[], dryRun: boolean): Promise<ImportReport> {
    const { repository } = this.options;
    if (dryRun)
      return repository.readForImport(async (reads) => report(await this.plan(app, rows, reads), false));
    const done = await repository.writeImport(async (writes) => {
      const plan = await this.plan(app, rows, writes);
      if (plan.refused.length > 0 || plan.actions.every((a) => a.action === 'unchanged'))
        return report(plan, false);
      const now = this.options.clock.now();
      const created = plan.actions.filter((a) => a.action === 'create').map((a) => a.row);
      // First, so that a registration on another instance meanwhile never takes one of the file's ids.
      const highestCreated = created.reduce((highest, row) => Math.max(highest, row.identity.id), 0);
      if (highestCreated > 0) await writes.keepIdsAbove(highestCreated);
      await writes.insertIdentities(
        created.map((row) => row.identity),
        now,
      );
      const links: NewLink[] = plan.actions
        .filter((a) => a.action === 'create' || a.action === 'link')
        .map(({ row }) => ({
          userId: row.identity.id,
          email: row.email,
          seedCt: this.options.users.newSeed(app.id, row.identity.id),
        }));
      await writes.insertLinks(app.id, links, now);
      for (const { row } of plan.actions.filter((a) => a.action === 'email'))
        await writes.setEmail(app.id, row.identity.id, row.email);
      return report(plan, true);
    });
    // Counted once committed, as users/new counts each link it creates.
    if (done.written) this.options.usage.count(app.id, 'users', done.created + done.linked);
    return done;
  }

  /** Reads each row, then decides it against the file's other rows and the store. */
  private async plan(app: App, rows: readonly ImportRow[], reads: ImportReads): Promise<Plan> {
    const namespace = namespaceOf(app);
    const refused: RefusedRow[] = [];
    const refuse = (row: ImportRow, reason: RefusalReason, message: string) =>
      refused.push({
        line: row.line,
        authyId: reason === 'malformed_id' ? null : row.authyId,
        reason,
        message,
      });
    const good: ReadRow[] = [];
    const lineOfId = new Map<number, number>();
    const lineOfPhone = new Map<string, number>();
    let highestId: number | null = null;
    for (const row of rows) {
      const id = readUserId(row.authyId);
      if (id === undefined) {
        refuse(row, 'malformed_id', 'authy_id is not a whole number from 1 to 2147483647');
        continue;
      }
      highestId = Math.max(highestId ?? 0, id);
      const phone = readPhone(app, row.cellphone, callingCodeOf(row.countryCode));
      if (phone === undefined || !phone.valid) {
        refuse(row, 'malformed_phone', 'cellphone is not a valid number under country_code');
        continue;
      }
      const email = readEmail(row.email);
      if (email === undefined) {
        refuse(row, 'malformed_email', 'email is not an email address');
        continue;
      }
      const identity = { id, namespace, countryCode: phone.countryCode, phone: phone.national };
      const sameId = lineOfId.get(id);
      const samePhone = lineOfPhone.get(phoneKey(identity));
      if (sameId !== undefined || samePhone !== undefined) {
        refuse(
          row,
          'duplicate_in_file',
          sameId !== undefined
            ? `line ${sameId} has the same authy_id`
            : `line ${samePhone} has the same phone number ${masked(identity)}`,
        );
        continue;
      }
      lineOfId.set(id, row.line);
      lineOfPhone.set(phoneKey(identity), row.line);
      good.push({ source: row, identity, email });
    }

    const byId = new Map(
      (await reads.identitiesById(good.map((r) => r.identity.id))).map((i) => [i.id, i] as const),
    );
    const byPhone = new Map<string, KnownIdentity>();
    const phonesByCode = new Map<string, string[]>();
    for (const { identity } of good) {
      const list = phonesByCode.get(identity.countryCode) ?? [];
      list.push(identity.phone);
      phonesByCode.set(identity.countryCode, list);
    }
    for (const [countryCode, phones] of phonesByCode)
      for (const found of await reads.identitiesByPhone(namespace, countryCode, phones))
        byPhone.set(phoneKey(found), found);
    const emails = await reads.linkEmails(
      app.id,
      good.filter((r) => byId.has(r.identity.id)).map((r) => r.identity.id),
    );

    const actions: Array<{ row: ReadRow; action: Action }> = [];
    for (const row of good) {
      const { source } = row;
      const known = byId.get(row.identity.id);
      const owner = byPhone.get(phoneKey(row.identity));
      if (known !== undefined && phoneKey(known) !== phoneKey(row.identity)) {
        refuse(
          source,
          'id_bound_to_another_phone',
          known.namespace === namespace
            ? `Authy id ${known.id} is the phone number ${masked(known)}`
            : `Authy id ${known.id} is a phone number of another app’s sandbox or of the live apps`,
        );
      } else if (owner !== undefined && owner.id !== row.identity.id) {
        refuse(
          source,
          'phone_bound_to_another_id',
          `the phone number ${masked(row.identity)} is Authy id ${owner.id}`,
        );
      } else if (known === undefined) {
        actions.push({ row, action: 'create' });
      } else {
        const email = emails.get(known.id);
        actions.push({
          row,
          action: email === undefined ? 'link' : email === row.email ? 'unchanged' : 'email',
        });
      }
    }
    refused.sort((a, b) => a.line - b.line);
    return { rows: rows.length, actions, refused, highestId };
  }
}

function report(plan: Plan, written: boolean): ImportReport {
  const count = (action: Action) => plan.actions.filter((a) => a.action === action).length;
  return {
    rows: plan.rows,
    created: count('create'),
    linked: count('link'),
    emailsUpdated: count('email'),
    unchanged: count('unchanged'),
    highestId: plan.highestId,
    refused: plan.refused,
    written,
  };
}
