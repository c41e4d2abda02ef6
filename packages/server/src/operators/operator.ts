/** What an operator may do in the console and its API (issue 17): see and change, or only see. */
export const OPERATOR_ROLES = ['admin', 'viewer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** A person who runs the service, signed in to the console with a passkey. */
export interface Operator {
  readonly id: string;
  readonly email: string;
  readonly role: OperatorRole;
  readonly createdAt: number;
}

/**
 * What a console route needs from its caller: `read`, any signed-in operator; `change`, an admin, with the
 * session's CSRF token; `dangerous`, a change that also needs a passkey assertion made in the last few
 * minutes (rotate or delete a key, delete a user, add or remove an operator).
 */
export type ConsoleAccess = 'read' | 'change' | 'dangerous';

/** The audit log's actor for an operator: `operator:<email>`. */
export const operatorActor = (operator: Pick<Operator, 'email'>): string => `operator:${operator.email}`;
