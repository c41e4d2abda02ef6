import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.js';

/** What the device showed the user: the app's name, the message and the details. */
export interface DisplayedContent {
  readonly appName: string;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
}

/** `B64U(SHA256(JCS({app_name, message, details})))`, the `display_hash` a device signs. */
export function displayHash(displayed: DisplayedContent): string {
  return createHash('sha256')
    .update(
      canonicalJson({ app_name: displayed.appName, message: displayed.message, details: displayed.details }),
      'utf8',
    )
    .digest('base64url');
}
