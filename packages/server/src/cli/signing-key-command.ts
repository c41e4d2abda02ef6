import type { Command } from 'commander';
import type { SigningKeyInfo } from '../receipts/signing-keys.js';
import { cliActor } from './cli-actor.js';
import { openServer, output, type Terminal, UsageError } from './output.js';

const DAY_MS = 86_400_000;
/** How long a key that no longer signs stays published, unless the rotation says otherwise. */
const DEFAULT_OVERLAP_DAYS = 30;
/** Ten years: an overlap past it is a typo, not a plan. */
const MAX_OVERLAP_DAYS = 3_650;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A key as `signing-key list --json` prints it. */
function keyDocument(key: SigningKeyInfo) {
  return { kid: key.kid, created_at: iso(key.createdAt), state: key.state, retire_at: iso(key.retireAt) };
}

function keyLine(key: SigningKeyInfo): string {
  const until =
    key.retireAt === null ? '' : `  ${key.state === 'retired' ? 'retired' : 'until'} ${iso(key.retireAt)}`;
  return `${key.kid}  ${key.state.padEnd(9)}  created ${iso(key.createdAt)}${until}`;
}

/**
 * `--overlap-days N`: how long the key before stays published, 0 to 3650 days. 0 is for a key that leaked:
 * it leaves the key set at once, and receipts it signed stop verifying.
 */
function overlapDays(value: unknown): number {
  const text = String(value);
  if (!/^(0|[1-9]\d{0,3})$/.test(text) || Number(text) > MAX_OVERLAP_DAYS) {
    throw new UsageError(`--overlap-days is a number of days from 0 to ${MAX_OVERLAP_DAYS}, got "${text}"`);
  }
  return Number(text);
}

export function addSigningKeyCommand(program: Command, terminal: Terminal): void {
  const signingKey = program
    .command('signing-key')
    .description('the key that signs receipts and audit heads, published at /.well-known/jwks.json');

  signingKey
    .command('list')
    .description(
      'every key kept, the signing one first: active, published (until its overlap ends) or retired',
    )
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const keys = await (await openServer(terminal)).withServices((s) => s.receipts.list());
      output(terminal, options.json === true, keys.map(keyDocument), () => keys.map(keyLine).join('\n'));
    });

  signingKey
    .command('rotate')
    .description(
      'make a new key the signing key; the one before stays published for --overlap-days, then retires',
    )
    .option(
      '--overlap-days <n>',
      'how long receipts signed by the key before still verify (0: a leaked key, gone at once)',
      String(DEFAULT_OVERLAP_DAYS),
    )
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      const days = overlapDays(options.overlapDays);
      const rotated = await (await openServer(terminal)).withServices(async (s) => {
        const done = await s.receipts.rotate(days * DAY_MS);
        // Only the kids, which are public (the JWKS shows them): never a key.
        await s.audit.record({
          actor: cliActor(),
          from: 'cli',
          action: 'signing_key.rotate',
          target: { type: 'signing_key', id: done.active.kid },
          before: { kid: done.previous.kid },
          after: {
            kid: done.active.kid,
            overlap_days: days,
            previous_retire_at: iso(done.previous.retireAt),
          },
        });
        return done;
      });
      output(
        terminal,
        options.json === true,
        { active: keyDocument(rotated.active), previous: keyDocument(rotated.previous) },
        () =>
          [
            `Receipts are signed with key ${rotated.active.kid} now.`,
            rotated.previous.state === 'retired'
              ? `Key ${rotated.previous.kid} is retired: receipts it signed no longer verify against the key set.`
              : `Key ${rotated.previous.kid} stays published until ${iso(rotated.previous.retireAt)}: receipts it signed verify until then.`,
          ].join('\n'),
      );
    });
}
