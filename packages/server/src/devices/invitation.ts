/** How an enrollment invitation reached its user (D15): by SMS, or exported for the app's own e-mail. */
export type InvitationVia = 'sms' | 'export';

/** Where an invitation's sending stands: an SMS handed to the message worker, refused, or exported. */
export type SendState = 'queued' | 'sent' | 'failed' | 'exported';
