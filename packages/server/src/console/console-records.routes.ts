import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AuditEntry } from '../audit/audit-entry.js';
import { AUDIT_EXPORT_TYPE, auditExportLines } from '../audit/audit-export.js';
import type { AuditVerdict } from '../audit/audit-log.js';
import { queryOf } from '../http/request-input.js';
import { Text } from '../http/schemas.js';
import { isoTime } from '../operators/iso-time.js';
import { consoleRoute } from './console.routes.js';
import { DEFAULT_LIMIT, IsoTime, Limit, StoreId, timeOf } from './console-input.js';

const eventsQuery = queryOf(
  Type.Object({
    type: Type.Optional(Text(100, 1)),
    app_id: Type.Optional(StoreId),
    user_id: Type.Optional(StoreId),
    before: Type.Optional(IsoTime),
    limit: Type.Optional(Limit),
  }),
);
const auditQuery = queryOf(
  Type.Object({
    action: Type.Optional(Text(100, 1)),
    actor: Type.Optional(Text(300, 1)),
    target_id: Type.Optional(Text(100, 1)),
    after: Type.Optional(IsoTime),
    limit: Type.Optional(Limit),
  }),
);
const noQuery = queryOf(Type.Object({}));

/** An audit entry as the console lists it: the chain's fields, its time in ISO 8601. */
const entryDocument = (entry: AuditEntry) => ({ ...entry, at: isoTime(entry.at) });

/** What `AuditLog.verify` found, in the console's spelling. */
function verdictDocument(verdict: AuditVerdict) {
  return verdict.ok
    ? { ok: true, entries: verdict.entries, last_seq: verdict.lastSeq, heads: verdict.heads }
    : { ok: false, kind: verdict.kind, seq: verdict.seq, message: verdict.message };
}

/**
 * The console's records (docs/console-api.md): security events, newest first, and the audit log with the
 * verdict of its chain, and its export exactly as `countersign audit export --jsonl` writes it.
 */
export function registerConsoleRecordRoutes(fastify: FastifyInstance): void {
  const { securityEvents, audit } = fastify.services;

  consoleRoute(fastify, 'GET', '/console/api/security-events', 'read', async (request) => {
    const query = eventsQuery(request);
    const events = await securityEvents.list({
      ...(query.type !== undefined && { type: query.type }),
      ...(query.app_id !== undefined && { appId: query.app_id }),
      ...(query.user_id !== undefined && { userId: query.user_id }),
      ...(query.before !== undefined && { before: timeOf('before', query.before) }),
      limit: query.limit ?? DEFAULT_LIMIT,
    });
    return {
      events: events.map((e) => ({
        id: e.id,
        type: e.type,
        app_id: e.appId,
        user_id: e.userId,
        device_id: e.deviceId,
        detail: e.detail,
        created_at: isoTime(e.createdAt),
      })),
    };
  });

  consoleRoute(fastify, 'GET', '/console/api/audit', 'read', async (request) => {
    const query = auditQuery(request);
    const [entries, verdict] = await Promise.all([
      audit.list({
        ...(query.action !== undefined && { action: query.action }),
        ...(query.actor !== undefined && { actor: query.actor }),
        ...(query.target_id !== undefined && { targetId: query.target_id }),
        ...(query.after !== undefined && { since: timeOf('after', query.after) }),
        limit: query.limit ?? DEFAULT_LIMIT,
      }),
      audit.verify(),
    ]);
    return { entries: entries.map(entryDocument), verified: verdictDocument(verdict) };
  });

  consoleRoute(fastify, 'GET', '/console/api/audit/export', 'read', async (request, reply) => {
    noQuery(request);
    return reply
      .type(AUDIT_EXPORT_TYPE)
      .header('content-disposition', 'attachment; filename="countersign-audit.jsonl"')
      .send(Readable.from(auditExportLines(audit)));
  });
}
