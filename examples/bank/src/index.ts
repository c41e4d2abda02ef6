export type { Account } from './accounts/account.js';
export type { BankDeps, BankOptions } from './app/build-bank.js';
export { buildBank, DEFAULT_APPROVAL_SECONDS } from './app/build-bank.js';
export { BankConfigError, loadBankConfig } from './config/bank-config.js';
export type {
  ApprovalOutcome,
  Countersign,
  ReceiptCheck,
} from './countersign/countersign.js';
export { createCountersign } from './countersign/sdk-countersign.js';
export { DEFAULT_BANK_PORT, type RunningBank, type StartBankOptions, startBank } from './start-bank.js';
