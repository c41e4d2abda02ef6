import { BankConfigError, loadBankConfig } from './config/bank-config.js';
import { startBank } from './start-bank.js';

/** `npm start -w @countersign/example-bank`: the bank alone, against the service its environment names. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadBankConfig>;
  try {
    config = loadBankConfig();
  } catch (error) {
    if (!(error instanceof BankConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const bank = await startBank(config);
  process.stdout.write(`Countersign Bank is running at ${bank.url} (security service: ${config.apiUrl})\n`);
  const stop = () => {
    bank.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

await main();
