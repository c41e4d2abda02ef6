/**
 * Each table has one writing repository (issue 15): a rule with one owner. Every statement of the service
 * that inserts into, updates or deletes from a table is found in the source, and the files that hold them
 * must be exactly the owner listed here. A new writer of a table goes through its owner's interface, or
 * this list changes on purpose. Migrations change the schema, not the data, and are left out.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

const OWNERS: Record<string, string> = {
  activities: 'users/user.repository.ts',
  api_keys: 'apps/app.repository.ts',
  app_users: 'users/user.repository.ts',
  approval_requests: 'approvals/approval.repository.ts',
  apps: 'apps/app.repository.ts',
  audit_checkpoints: 'audit/audit.repository.ts',
  audit_heads: 'audit/audit.repository.ts',
  audit_log: 'audit/audit.repository.ts',
  operators: 'operators/operator.repository.ts',
  operator_setup_links: 'operators/operator.repository.ts',
  operator_passkeys: 'operators/operator.repository.ts',
  operator_recovery_codes: 'operators/operator.repository.ts',
  operator_sessions: 'operators/operator.repository.ts',
  operator_challenges: 'operators/operator.repository.ts',
  device_admissions: 'devices/admission.repository.ts',
  device_nonces: 'devices/device.repository.ts',
  enrollment_invitations: 'devices/invitation.repository.ts',
  device_passkeys: 'devices/passkey.repository.ts',
  devices: 'devices/device.repository.ts',
  enrollments: 'devices/device.repository.ts',
  message_queue: 'messaging/message-queue.repository.ts',
  meta: 'db/meta.repository.ts',
  otp_codes: 'tokens/token.repository.ts',
  outbox: 'messaging/outbox.repository.ts',
  phone_enrollments: 'devices/device.repository.ts',
  phone_verifications: 'phones/phone-verification.repository.ts',
  rate_limits: 'http/rate-limit.repository.ts',
  security_events: 'operations/security-event.repository.ts',
  send_budgets: 'messaging/send-budget.repository.ts',
  signing_keys: 'receipts/signing-key.repository.ts',
  usage_monthly: 'apps/usage.repository.ts',
  users: 'users/user.repository.ts',
  verification_counts: 'overview/verification-count.repository.ts',
  verify_access_tokens: 'verify/factor.repository.ts',
  verify_challenges: 'verify/factor.repository.ts',
  verify_entities: 'verify/factor.repository.ts',
  verify_factors: 'verify/factor.repository.ts',
  verify_sends: 'verify/verification.repository.ts',
  verify_services: 'verify/verify-service.repository.ts',
  verify_verifications: 'verify/verification.repository.ts',
  verify_webhooks: 'verify/verify-webhook.repository.ts',
  webhook_attempts: 'webhooks/webhook-event.repository.ts',
  webhook_events: 'webhooks/webhook-event.repository.ts',
};

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (relative(SRC, path) !== join('db', 'migrations')) yield* sources(path);
    } else if (name.endsWith('.ts')) yield path;
  }
}

/** The files that write each table, by table. */
function writers(): Record<string, string[]> {
  const found: Record<string, Set<string>> = {};
  for (const path of sources(SRC)) {
    const text = readFileSync(path, 'utf8');
    for (const [, table] of text.matchAll(
      /\.(?:insertInto|updateTable|deleteFrom|mergeInto)\(\s*'([a-z_]+)'/g,
    )) {
      found[table as string] ??= new Set();
      found[table as string]?.add(relative(SRC, path));
    }
  }
  return Object.fromEntries(Object.entries(found).map(([table, files]) => [table, [...files].sort()]));
}

describe('one writing repository per table', () => {
  it('every table the service writes is written by its one owner, and by no other file', () => {
    const expected = Object.fromEntries(Object.entries(OWNERS).map(([table, owner]) => [table, [owner]]));
    expect(writers()).toEqual(expected);
  });
});
