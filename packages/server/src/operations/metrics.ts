import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** What the metrics read when they are scraped. Each source is optional: an instance on SQLite has no bus. */
export interface MetricSources {
  /** Callback events due for delivery now (the outbox backlog). */
  readonly webhooksDue: () => Promise<number>;
  readonly bus?: { listening(): boolean; reconnects(): number };
}

/** The service's Prometheus metrics, in a registry of their own (tests build many apps in one process). */
export interface Metrics {
  readonly registry: Registry;
  /** Counts one answered HTTP request under its route pattern, never its URL (no ids, no keys). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Adds the Node.js process metrics (CPU, memory, event loop); only the entry point wants them. */
  collectProcessMetrics(): void;
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'countersign_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'countersign_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  new Gauge({
    name: 'countersign_webhook_events_due',
    help: 'Callback events due for delivery (-1 when the database cannot be read)',
    registers: [registry],
    async collect() {
      this.set(await sources.webhooksDue().catch(() => -1));
    },
  });
  const bus = sources.bus;
  if (bus !== undefined) {
    new Gauge({
      name: 'countersign_event_bus_listening',
      help: '1 while the event bus listens on its PostgreSQL connection, else 0',
      registers: [registry],
      collect() {
        this.set(bus.listening() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'countersign_event_bus_reconnects',
      help: 'Times the event bus lost its listening connection and listens again',
      registers: [registry],
      collect() {
        this.set(bus.reconnects());
      },
    });
  }
  let processMetrics = false;
  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      durations.observe({ method, route }, seconds);
    },
    collectProcessMetrics() {
      if (processMetrics) return;
      processMetrics = true;
      collectDefaultMetrics({ register: registry });
    },
  };
}
