import { displayHash as protocolDisplayHash } from '@countersign/protocol';

/** What the device showed the user: the app's name, the message and the details. */
export interface DisplayedContent {
  readonly appName: string;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
}

/**
 * The `display_hash` a device signs for what it showed: the protocol's `displayHash`, given the SDK's
 * camelCase view of a request (`appName`, as `ApprovalRequest` has it).
 */
export function displayHash(displayed: DisplayedContent): string {
  return protocolDisplayHash({
    app_name: displayed.appName,
    message: displayed.message,
    details: displayed.details,
  });
}
