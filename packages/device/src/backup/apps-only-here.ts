import type { AccountFailure, EnrolledApp, Wallet, WalletAccount } from '../wallet.js';

/** An app that only this authenticator answers for the user: losing it leaves the app unreachable. */
export type AppOnlyHere = { account: WalletAccount & { kind: 'countersign' }; app: EnrolledApp };

/**
 * The apps that only this authenticator can answer: no enrollment answering the app (the same service, app
 * and user) has, in its service's list of the user's devices (`GET /device/v1/devices`, which shows the
 * devices answering the same app), a device that is not this wallet's own. An enrollment whose service
 * cannot be reached is a failure beside the others, and its apps are not named, since it could not tell.
 * Each app is named once, with the first enrollment answering it.
 */
export async function appsOnlyHere(
  wallet: Wallet,
): Promise<{ apps: AppOnlyHere[]; failures: AccountFailure[] }> {
  const enrollments = (await wallet.enrollments()).flatMap(({ account, device }) =>
    account.kind === 'countersign' ? [{ account, device }] : [],
  );
  const held = new Set(enrollments.map(({ account }) => `${account.server} ${account.device_id}`));
  const settled = await Promise.allSettled(enrollments.map(({ device }) => device.devices()));
  const failures: AccountFailure[] = [];
  /** Per enrollment: whether a device the wallet does not hold answers its apps; unknown when unreachable. */
  const elsewhere = settled.map((outcome, index) => {
    const account = enrollments[index]?.account;
    if (outcome.status === 'fulfilled')
      return outcome.value.some(({ device_id }) => !held.has(`${account?.server} ${device_id}`));
    if (account !== undefined) failures.push({ account, error: outcome.reason });
    return undefined;
  });
  const sameApp = (a: AppOnlyHere, b: AppOnlyHere) =>
    a.account.server === b.account.server &&
    a.app.app_id === b.app.app_id &&
    a.app.authy_id === b.app.authy_id;
  const answering = enrollments.flatMap(({ account }, index) =>
    account.apps.map((app) => ({ account, app, elsewhere: elsewhere[index] })),
  );
  const apps: AppOnlyHere[] = [];
  for (const candidate of answering) {
    if (apps.some((named) => sameApp(named, candidate))) continue;
    const all = answering.filter((other) => sameApp(other, candidate));
    if (all.every((other) => other.elsewhere === false))
      apps.push({ account: candidate.account, app: candidate.app });
  }
  return { apps, failures };
}
