/**
 * Who may import what: house rules 1 and 3 of docs/architecture.md, checked by `npm run lint`
 * (`depcruise --config .dependency-cruiser.cjs packages examples`). Only the sources of each workspace are
 * cruised (`src/`): tests may reach across packages. Type-only imports count, since a type ties a module to
 * the layer it comes from as much as a value does. TypeScript resolves through `tsconfig.depcruise.json`, which
 * maps the workspace packages to their sources. `scripts/test/dependency-rules.test.ts` plants a violation of
 * each rule and checks that the run fails naming it. No exceptions: fix the import.
 */
const SERVER = '^packages/server/src/';
/**
 * The service's HTTP layer: the shared plumbing, the app that assembles it and the code that listens, and the
 * console's access check (its cookie, origin and CSRF rules, which every console route file runs). The
 * metrics server (operations/metrics-server.ts) answers with node:http alone, so it is not part of it.
 */
const SERVER_HTTP_LAYER = [
  `${SERVER}http/`,
  `${SERVER}app/build-app\\.ts$`,
  `${SERVER}server/`,
  `${SERVER}console/console-access\\.ts$`,
];
/** The bank demo's HTTP layer, cut the same way. */
const BANK_HTTP_LAYER = [
  '^examples/bank/src/http/',
  '^examples/bank/src/app/',
  '^examples/bank/src/start-bank\\.ts$',
];
const FASTIFY = '(^|/)node_modules/(fastify|@fastify/[^/]+)/';
/** The store's libraries: the query builder and the two drivers (with their type packages). */
const STORE_LIBRARIES = '(^|/)node_modules/(@types/)?(kysely|pg|better-sqlite3)/';

module.exports = {
  forbidden: [
    {
      name: 'no-server-code-outside-the-server',
      comment:
        'Apps, browsers and the SDK (every workspace but packages/server) never import the service: what they share with it lives in a package both import.',
      severity: 'error',
      from: { path: '^(packages|examples)/[^/]+/src/', pathNot: '^packages/server/' },
      to: { path: ['^packages/server/', '^@countersign/server($|/)'] },
    },
    {
      name: 'no-other-feature-repository',
      comment:
        'A feature folder reaches another feature through its service or a narrow interface, never its repository. app/ and cli/ assemble the features, so they may.',
      severity: 'error',
      from: { path: `${SERVER}([^/]+)/`, pathNot: `${SERVER}(app|cli)/` },
      to: { path: `${SERVER}[^/]+/[^/]+\\.repository\\.ts$`, pathNot: `${SERVER}$1/` },
    },
    {
      name: 'store-libraries-only-in-repositories',
      comment:
        'Only repositories (*.repository.ts) and the store layer (db/) import Kysely or a database driver; events/postgres-event-bus.ts too, because NOTIFY rides in the statement or transaction of the change it announces and LISTEN needs a connection of its own.',
      severity: 'error',
      from: {
        path: '^(packages|examples)/[^/]+/src/',
        pathNot: [
          '\\.repository\\.ts$',
          `${SERVER}db/`,
          '^examples/bank/src/db/',
          `${SERVER}events/postgres-event-bus\\.ts$`,
        ],
      },
      to: { path: STORE_LIBRARIES },
    },
    {
      name: 'fastify-only-in-routes-and-the-http-layer',
      comment:
        'Only route files (*.routes.ts) and the HTTP layer import Fastify or a @fastify/ plugin; services, workers and repositories speak in domain types (a logger is not a FastifyBaseLogger).',
      severity: 'error',
      from: {
        path: ['^packages/server/src/', '^examples/bank/src/'],
        pathNot: ['\\.routes\\.ts$', ...SERVER_HTTP_LAYER, ...BANK_HTTP_LAYER],
      },
      to: { path: FASTIFY },
    },
    {
      name: 'cli-commands-load-no-http-stack',
      comment:
        'A command that works on the database loads no HTTP stack. Only the modules that start the server may reach Fastify: cli/main.ts (which holds serve) and cli/dev-command.ts; every other command module, and what opens the database for them, must not.',
      severity: 'error',
      from: { path: `${SERVER}cli/`, pathNot: `${SERVER}cli/(main|dev-command)\\.ts$` },
      to: { path: '(^|/)node_modules/fastify/', reachable: true },
    },
    {
      name: 'no-cycles-between-folders',
      comment:
        'Folders depend on each other in one direction: a cycle between two folders means a rule with two owners.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(packages|examples)/' },
      to: { circular: true },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(packages|examples)/[^/]+/(?!src(/|$))' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
