import { t } from './i18n/i18n.js';

/** "4:05" for 245 seconds; "1:02:03" past an hour. */
export function clockDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** "4 minutes 5 seconds" ("4 minutos 5 segundos"), for screen readers. */
export function spokenDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  const parts = [];
  if (minutes > 0) parts.push(t('minutes', { count: minutes }));
  if (rest > 0 || minutes === 0) parts.push(t('seconds', { count: rest }));
  return parts.join(' ');
}

/** The local time of day of an ISO timestamp, e.g. "14:02", as the browser's locale writes it. */
export function timeOfDay(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
