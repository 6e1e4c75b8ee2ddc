import { refusalOf, webhookAddressPolicy } from '../net/index.js';

/** Why an address may not receive webhooks by default, or undefined when it is public. */
export function refusedAddressReason(address: string): string | undefined {
  return refusalOf(address, webhookAddressPolicy(false));
}
