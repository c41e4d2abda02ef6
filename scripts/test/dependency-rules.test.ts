/**
 * The import rules of `npm run lint` (`.dependency-cruiser.cjs`) fail on a violation of each rule. A small tree
 * laid out like the repository (a service cut by feature, an SDK, a device core, the authenticator, the bank
 * demo, and stand-ins for the libraries the rules name) passes the lint's own depcruise command, run there
 * with the repository's configuration. A copy with one planted import per rule, each in a file of its own,
 * fails it: every rule reports exactly the modules its plant makes guilty, and nothing else is reported.
 * (Two runs, not one per rule: each run spends a second or two starting up.)
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CONFIG = '.dependency-cruiser.cjs';
/** The files the configuration reads, copied as they are. */
const CONFIG_FILES = [CONFIG, 'tsconfig.depcruise.json', 'tsconfig.base.json'];
/** The command `npm run lint` runs (npm puts `node_modules/.bin` on its path). */
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const run = promisify(execFile);

/** The depcruise command of `npm run lint`, as its arguments. */
function lintArguments(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const command = (scripts.lint ?? '')
    .split('&&')
    .map((part) => part.trim())
    .find((part) => part.startsWith('depcruise '));
  if (command === undefined) throw new Error('npm run lint runs no depcruise command');
  return command.split(/\s+/).slice(1);
}

/** A library the rules name, as an installed package: enough for the resolver. */
function library(name: string, main: string, exports: string): Record<string, string> {
  return {
    [`node_modules/${name}/package.json`]: JSON.stringify({
      name,
      main,
      types: main.replace(/\.js$/, '.d.ts'),
    }),
    [`node_modules/${name}/${main}`]: `${exports}\n`,
    [`node_modules/${name}/${main.replace(/\.js$/, '.d.ts')}`]: `${exports}\n`,
  };
}

/** A tree that keeps every rule: the repository's layout, a file or two per folder. */
const CLEAN: Record<string, string> = {
  ...library('fastify', 'fastify.js', 'export default function fastify() {}'),
  ...library('@fastify/static', 'index.js', 'export default function serveStatic() {}'),
  ...library('kysely', 'index.js', 'export const sql = {};'),
  ...library('pg', 'index.js', 'export default {};'),
  ...library('better-sqlite3', 'index.js', 'export default function Database() {}'),
  'packages/server/src/index.ts': "export { buildApp } from './app/build-app.js';\n",
  'packages/server/src/app/build-app.ts': [
    "import fastify from 'fastify';",
    "import serveStatic from '@fastify/static';",
    "import { registerUserRoutes } from '../users/user.routes.js';",
    "import { createServices } from './services.js';",
    'export function buildApp() {',
    '  const app = fastify();',
    '  registerUserRoutes(app, createServices(), serveStatic);',
    '  return app;',
    '}',
  ].join('\n'),
  'packages/server/src/app/services.ts': [
    "import { TokenService } from '../tokens/token.service.js';",
    "import { UserRepository } from '../users/user.repository.js';",
    "import { UserService } from '../users/user.service.js';",
    'export function createServices() {',
    '  const users = new UserService(new UserRepository());',
    '  return { users, tokens: new TokenService(users) };',
    '}',
  ].join('\n'),
  'packages/server/src/http/route.ts':
    "import type fastify from 'fastify';\nexport type Http = typeof fastify;\n",
  'packages/server/src/server/start-server.ts':
    "import { buildApp } from '../app/build-app.js';\nexport const startServer = () => buildApp();\n",
  'packages/server/src/db/database.ts': "import { sql } from 'kysely';\nexport const store = sql;\n",
  'packages/server/src/users/user.repository.ts': [
    "import { sql } from 'kysely';",
    "import { store } from '../db/database.js';",
    'export class UserRepository {',
    '  readonly query = [sql, store];',
    '}',
  ].join('\n'),
  'packages/server/src/users/user.service.ts': [
    "import type { UserRepository } from './user.repository.js';",
    'export class UserService {',
    '  constructor(readonly users: UserRepository) {}',
    '}',
  ].join('\n'),
  'packages/server/src/users/user.routes.ts': [
    "import type fastify from 'fastify';",
    "import type { Http } from '../http/route.js';",
    "import type { UserService } from './user.service.js';",
    'export function registerUserRoutes(app: unknown, services: { users: UserService }, plugin: unknown) {',
    '  return [app as ReturnType<typeof fastify> as unknown as Http, services, plugin];',
    '}',
  ].join('\n'),
  'packages/server/src/tokens/token.service.ts': [
    "import type { UserService } from '../users/user.service.js';",
    'export class TokenService {',
    '  constructor(readonly users: UserService) {}',
    '}',
  ].join('\n'),
  'packages/server/src/push/push-notifier.ts': [
    '/** What the notifier logs through. */',
    'export interface Log {',
    '  warn(details: object, message: string): void;',
    '}',
    'export function startPushNotifier(log: Log) {',
    '  return log;',
    '}',
  ].join('\n'),
  'packages/server/src/events/postgres-event-bus.ts':
    "import { sql } from 'kysely';\nimport pg from 'pg';\nexport const bus = [sql, pg];\n",
  'packages/server/src/cli/main.ts': [
    "import { startServer } from '../server/start-server.js';",
    "import { appsCommand } from './apps-command.js';",
    "import { devCommand } from './dev-command.js';",
    'export const commands = [startServer, appsCommand, devCommand];',
  ].join('\n'),
  'packages/server/src/cli/apps-command.ts':
    "import { withServices } from './open-services.js';\nexport const appsCommand = withServices;\n",
  'packages/server/src/cli/open-services.ts':
    "import { createServices } from '../app/services.js';\nexport const withServices = createServices;\n",
  'packages/server/src/cli/dev-command.ts':
    "import { startServer } from '../server/start-server.js';\nexport const devCommand = startServer;\n",
  'packages/server/test/harness.ts':
    "import { buildApp } from '../src/index.js';\nexport const app = buildApp;\n",
  'packages/device/src/index.ts': "export const deviceCore = 'device';\n",
  'packages/client/src/index.ts': "export { createClient } from './client/create-client.js';\n",
  'packages/client/src/client/create-client.ts': 'export const createClient = () => ({});\n',
  // Tests may start the service; only sources are held to the rules.
  'packages/client/test/support.ts':
    "import { buildApp } from '@countersign/server';\nexport const app = buildApp;\n",
  'packages/authenticator/src/main.tsx':
    "import { deviceCore } from '@countersign/device';\nexport const app = deviceCore;\n",
  'examples/bank/src/db/open-bank-database.ts':
    "import Database from 'better-sqlite3';\nexport const open = () => Database;\n",
  'examples/bank/src/http/send-page.ts':
    "import type fastify from 'fastify';\nexport type Reply = typeof fastify;\n",
  'examples/bank/src/accounts/account.routes.ts': [
    "import type fastify from 'fastify';",
    "import type { Reply } from '../http/send-page.js';",
    'export type Routes = [typeof fastify, Reply];',
  ].join('\n'),
  'examples/bank/src/start-bank.ts':
    "import fastify from 'fastify';\nexport const startBank = () => fastify();\n",
};

interface Plant {
  rule: string;
  /** What the planted import breaks, in words. */
  what: string;
  /** The planted file and its text (a file of the clean tree, changed, or a new one). */
  file: string;
  text: string;
  /** What the rule must report, and only that: the modules (or folders) the plant makes guilty. */
  guilty: string[];
}

const prepend = (file: string, lines: string[]) => ({
  file,
  text: `${lines.join('\n')}\n${CLEAN[file] ?? ''}`,
});

const PLANTS: Plant[] = [
  {
    rule: 'no-server-code-outside-the-server',
    what: 'the SDK imports a type of the service by its package name',
    file: 'packages/client/src/leak.ts',
    text: "import type { buildApp } from '@countersign/server';\nexport type App = ReturnType<typeof buildApp>;\n",
    guilty: ['packages/client/src/leak.ts'],
  },
  {
    rule: 'no-other-feature-repository',
    what: "tokens imports the users' repository (a type only)",
    ...prepend('packages/server/src/tokens/token.service.ts', [
      "import type { UserRepository } from '../users/user.repository.js';",
      'export type Users = UserRepository;',
    ]),
    guilty: ['packages/server/src/tokens/token.service.ts'],
  },
  {
    rule: 'store-libraries-only-in-repositories',
    what: 'a module of a feature that is not its repository imports a Kysely type',
    file: 'packages/server/src/users/user-cache.ts',
    text: "import type { sql } from 'kysely';\nexport type Sql = typeof sql;\n",
    guilty: ['packages/server/src/users/user-cache.ts'],
  },
  {
    rule: 'fastify-only-in-routes-and-the-http-layer',
    what: "push logs through Fastify's logger type",
    ...prepend('packages/server/src/push/push-notifier.ts', [
      "import type fastify from 'fastify';",
      'export type Logger = ReturnType<typeof fastify>;',
    ]),
    guilty: ['packages/server/src/push/push-notifier.ts'],
  },
  {
    rule: 'cli-commands-load-no-http-stack',
    what: 'a database command gets its services from the module that builds the HTTP app',
    ...prepend('packages/server/src/cli/open-services.ts', [
      "import { buildApp } from '../app/build-app.js';",
      'buildApp();',
    ]),
    // The command that uses it loads the HTTP stack too; `main.ts`, which serves, may.
    guilty: ['packages/server/src/cli/apps-command.ts', 'packages/server/src/cli/open-services.ts'],
  },
  {
    rule: 'no-cycles-between-folders',
    what: 'the users folder imports tokens, which imports users',
    ...prepend('packages/server/src/users/user.routes.ts', [
      "import type { TokenService } from '../tokens/token.service.js';",
      'export type Tokens = TokenService;',
    ]),
    guilty: ['packages/server/src/tokens', 'packages/server/src/users'],
  },
];

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Writes `files` to a new folder and runs the lint's depcruise command in it. */
async function lint(files: Record<string, string>): Promise<{ failed: boolean; output: string }> {
  const folder = mkdtempSync(join(tmpdir(), 'countersign-depcruise-'));
  folders.push(folder);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  for (const file of CONFIG_FILES) copyFileSync(join(ROOT, file), join(folder, file));
  try {
    const { stdout, stderr } = await run(process.execPath, [DEPCRUISE, ...lintArguments()], { cwd: folder });
    return { failed: false, output: stdout + stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof code !== 'number') throw error;
    return { failed: true, output: stdout + stderr };
  }
}

/** The violations an `err` report lists: the rule and the module (or folder) it holds guilty. */
function violations(output: string): Array<{ rule: string; from: string }> {
  return output.split('\n').flatMap((line) => {
    const match = /^\s*error (\S+): (\S+)/.exec(line);
    return match === null ? [] : [{ rule: match[1] ?? '', from: match[2] ?? '' }];
  });
}

const planted = Object.fromEntries(PLANTS.map((p) => [p.file, p.text]));
let clean: ReturnType<typeof lint>;
let broken: ReturnType<typeof lint>;
beforeAll(() => {
  clean = lint(CLEAN);
  broken = lint({ ...CLEAN, ...planted });
  // Both run at once; each test awaits the one it reads.
  clean.catch(() => {});
  broken.catch(() => {});
});

describe('the import rules of npm run lint fail on a violation of each', () => {
  it('every rule of .dependency-cruiser.cjs has a planted violation below, each in a file of its own', () => {
    const config = createRequire(import.meta.url)(join(ROOT, CONFIG)) as {
      forbidden: Array<{ name: string }>;
    };
    expect(PLANTS.map((p) => p.rule).sort()).toEqual(config.forbidden.map((r) => r.name).sort());
    expect(new Set(PLANTS.map((p) => p.file)).size).toBe(PLANTS.length);
  });

  it('the tree without the plants passes: its layout keeps every rule', async () => {
    const { failed, output } = await clean;
    expect(violations(output)).toEqual([]);
    expect(failed, output).toBe(false);
    expect(output).toMatch(/no dependency violations found \(\d+ modules/);
  });

  it('the tree with the plants fails, and reports nothing but what was planted', async () => {
    const { failed, output } = await broken;
    expect(failed, output).toBe(true);
    const rules = new Set(PLANTS.map((p) => p.rule));
    expect(violations(output).filter((v) => !rules.has(v.rule))).toEqual([]);
  });

  it.each(PLANTS)('$rule: fails when $what', async (plant) => {
    const { output } = await broken;
    const reported = violations(output)
      .filter((v) => v.rule === plant.rule)
      .map((v) => v.from);
    expect([...new Set(reported)].sort(), output).toEqual(plant.guilty);
  });
});
