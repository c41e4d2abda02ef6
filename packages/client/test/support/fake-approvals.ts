import type http from 'node:http';
import { type FakeService, sendJson, startFakeService } from './fake-service.js';

export const KEY = 'fake-api-key';
export const UUID = '550e8400-e29b-41d4-a716-446655440000';

type Status = 'pending' | 'approved' | 'denied' | 'expired';

/** What the fake service offers beyond plain Authy polling. */
export interface FakeApprovalsOptions {
  /** Serves `GET …/{uuid}/events`; otherwise that route is an unknown route (404). */
  readonly stream: boolean;
  /** Honours `?wait=`; otherwise it is ignored, as a plain Authy service would. */
  readonly longPoll: boolean;
}

/** A fake approval request service holding one request, whose status the test changes. */
export interface FakeApprovals extends FakeService {
  setStatus(status: Status): void;
  /** When the status last changed (ms). */
  changedAt(): number;
  /** Fails the next `count` status reads with this HTTP status. */
  failNext(count: number, status: number): void;
  /** Ends the next `count` event streams right after their first event, the request still pending. */
  dropNextStreams(count: number): void;
}

function body(status: Status): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    approval_request: {
      _app_name: 'Fake Bank',
      _app_serial_id: 1,
      _authy_id: '42',
      _id: UUID.replaceAll('-', ''),
      _user_email: 'payer@example.com',
      app_id: '1',
      created_at: now,
      notified: false,
      processed_at: status === 'pending' ? null : now,
      seconds_to_expire: 600,
      status,
      updated_at: now,
      user_id: '42',
      uuid: UUID,
    },
    success: true,
  };
}

const NOT_FOUND = {
  message: 'Approval request not found.',
  success: false,
  errors: { message: 'Approval request not found.' },
  error_code: '60049',
};

/** Starts the fake on loopback. */
export async function startFakeApprovals(options: FakeApprovalsOptions): Promise<FakeApprovals> {
  let status: Status = 'pending';
  let changedAt = Date.now();
  let failures = 0;
  let failureStatus = 503;
  let drops = 0;
  const listeners = new Set<() => void>();

  const answerEvents = (response: http.ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/event-stream', connection: 'close' });
    const send = () => response.write(`event: status\ndata: ${JSON.stringify(body(status))}\n\n`);
    send();
    if (status !== 'pending' || drops > 0) {
      drops = Math.max(0, drops - 1);
      response.end();
      return;
    }
    const listener = () => {
      send();
      if (status !== 'pending') done();
    };
    const done = () => {
      listeners.delete(listener);
      if (!response.writableEnded) response.end();
    };
    listeners.add(listener);
    response.on('close', done);
  };

  const service = await startFakeService((request, response) => {
    const url = new URL(request.url, 'http://fake');
    if (request.headers['x-authy-api-key'] !== KEY) {
      sendJson(response, 401, { message: 'Invalid API key', success: false, error_code: '60001' });
      return;
    }
    const match = /^\/onetouch\/json\/approval_requests\/([^/]+)(\/events)?$/.exec(url.pathname);
    if (match === null || request.method !== 'GET') {
      sendJson(response, 404, {
        message: `Route ${request.method}:${url.pathname} not found`,
        statusCode: 404,
      });
      return;
    }
    if (match[2] !== undefined && !options.stream) {
      sendJson(response, 404, { message: `Route GET:${url.pathname} not found`, statusCode: 404 });
      return;
    }
    if (match[1] !== UUID) {
      sendJson(response, 404, NOT_FOUND);
      return;
    }
    if (failures > 0) {
      failures -= 1;
      sendJson(response, failureStatus, {
        message: 'Service unavailable',
        success: false,
        error_code: '60000',
      });
      return;
    }
    if (match[2] !== undefined) {
      answerEvents(response);
      return;
    }
    const wait = Number(url.searchParams.get('wait') ?? '0');
    if (!options.longPoll || wait <= 0 || status !== 'pending') {
      sendJson(response, 200, body(status));
      return;
    }
    const answer = () => {
      clearTimeout(timer);
      listeners.delete(answer);
      if (!response.writableEnded) sendJson(response, 200, body(status));
    };
    const timer = setTimeout(answer, wait * 1000);
    listeners.add(answer);
    response.on('close', () => {
      clearTimeout(timer);
      listeners.delete(answer);
    });
  });

  return {
    ...service,
    setStatus(next) {
      status = next;
      changedAt = Date.now();
      for (const listener of [...listeners]) listener();
    },
    changedAt: () => changedAt,
    dropNextStreams(count) {
      drops = count;
    },
    failNext(count, httpStatus) {
      failures = count;
      failureStatus = httpStatus;
    },
  };
}
