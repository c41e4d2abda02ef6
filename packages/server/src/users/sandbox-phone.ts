import { type PhoneNumber, parseCallingCode } from './phone-number.js';

const KEYPAD: Record<string, string> = {};
for (const [digit, letters] of Object.entries({
  2: 'ABC',
  3: 'DEF',
  4: 'GHI',
  5: 'JKL',
  6: 'MNO',
  7: 'PQRS',
  8: 'TUV',
  9: 'WXYZ',
})) {
  for (const letter of letters) KEYPAD[letter] = digit;
}

/**
 * Authy's sandbox phone rule (docs/sandbox.md): separators dropped, letters read as keypad digits, a
 * leading `+{cc}` dropped; any 8 to 15 digits are a number. Test numbers like 111-111-1111 pass.
 */
export function parseSandboxPhone(cellphone: string, countryCode: string): PhoneNumber | undefined {
  const cc = parseCallingCode(countryCode);
  if (cc === undefined || cellphone.length > 40) return undefined;
  let text = cellphone.trim().replace(/[\s\-.()]/g, '');
  if (text.startsWith(`+${cc}`)) text = text.slice(cc.length + 1);
  const national = text.toUpperCase().replace(/[A-Z]/g, (letter) => KEYPAD[letter] ?? letter);
  if (!/^\d{8,15}$/.test(national)) return undefined;
  return {
    countryCode: cc,
    national,
    e164: `+${cc}${national}`,
    valid: true,
    type: undefined,
    country: undefined,
    international: `+${cc} ${national}`,
  };
}
