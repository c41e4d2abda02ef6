/** A user as one app knows them: the global identity joined with the app's link. */
export interface AppUser {
  readonly appId: number;
  readonly userId: number;
  readonly email: string;
  readonly countryCode: string;
  readonly phone: string;
  readonly confirmed: boolean;
  readonly totpConfirmed: boolean;
  readonly createdAt: number;
}
