import { invalidField, type JobDefinition } from '../../libs/domain/index.js';
import { destinationAddressPolicy, hostOf, refusalOf, resolveChecked, webhookAddressPolicy, type AddressPolicy } from '../../libs/net/index.js';
import { isIP } from 'node:net';

/** The operator's address settings, as control applies them to a job's URLs. */
export interface AddressSettings {
  allowPrivateWebhooks: boolean;
  allowLinkLocalDestinations: boolean;
}

/** How long a create waits for the webhook host's DNS answer before accepting it unresolved. */
const CREATE_RESOLVE_TIMEOUT_MS = 3000;

/**
 * Refuses, as INVALID_ARGUMENT naming the field, a job whose URLs lead where the operator's policy
 * forbids: a `notification_webhook` whose host is, or resolves to (any of its addresses), a refused
 * address, and a `destination_endpoint` that is a refused IP literal (a destination host name is
 * resolved and checked when a run or dry run uses it). A webhook host that does not resolve yet is
 * accepted: every delivery resolves and checks it again.
 */
export async function checkJobAddresses(definition: JobDefinition, settings: AddressSettings): Promise<void> {
  if (definition.destination_endpoint !== undefined) {
    const host = hostOf(new URL(definition.destination_endpoint));
    const reason = isIP(host) ? refusalOf(host, destinationAddressPolicy(settings.allowLinkLocalDestinations)) : undefined;
    if (reason) throw invalidField('destination_endpoint', `refused: ${host} is a ${reason} address (an operator may allow it with ferry.destinations.allow_link_local)`);
  }
  if (definition.notification_webhook !== undefined) {
    const policy: AddressPolicy = webhookAddressPolicy(settings.allowPrivateWebhooks);
    const resolved = await resolveChecked(hostOf(new URL(definition.notification_webhook)), policy, CREATE_RESOLVE_TIMEOUT_MS);
    if (!resolved.ok && resolved.refused) {
      throw invalidField('notification_webhook', `${resolved.error}; webhooks go to public addresses${settings.allowPrivateWebhooks ? '' : ' (an operator may allow private networks with ferry.webhooks.allow_private_networks)'}`);
    }
  }
}
