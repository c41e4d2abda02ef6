/** A customer of the bank, linked to their user at the security service by `authyId`. */
export interface Account {
  readonly id: number;
  readonly email: string;
  readonly authyId: number;
  readonly countryCode: string;
  readonly cellphone: string;
  readonly createdAt: number;
}

/** What registration needs, once the form is valid. */
export interface NewAccount {
  readonly email: string;
  readonly password: string;
  readonly cellphone: string;
  readonly countryCode: string;
}
