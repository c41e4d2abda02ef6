import { adminQuery, dropStaleTestDatabases } from './test-database.js';

/**
 * Before the PostgreSQL project runs: the server must answer (a missing PostgreSQL fails the run once, with
 * the command that starts it, instead of failing every test), and databases left by killed runs go.
 */
export default async function setup(): Promise<void> {
  await adminQuery('SELECT 1');
  await dropStaleTestDatabases(60 * 60_000);
}
