import type { Device } from './countersign.js';

/** The longest device name the bank shows; a device names itself, so its name is kept short. */
const NAME_MAX = 80;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Unix seconds to ms; `null` for 0 ("never") and for anything that is not a time. */
const moment = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value * 1000 : null;

/**
 * The devices of a `users/{id}/status` answer (`status.detailed_devices`), read defensively: an entry that is
 * not an object with an id is left out, every other field may be missing. Authy's own status had no such
 * list, so a service without one yields none.
 */
export function detailedDevices(raw: unknown): Device[] {
  const status = typeof raw === 'object' && raw !== null ? (raw as { status?: unknown }).status : undefined;
  const list =
    typeof status === 'object' && status !== null
      ? (status as { detailed_devices?: unknown }).detailed_devices
      : undefined;
  if (!Array.isArray(list)) return [];
  const devices: Device[] = [];
  for (const entry of list as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const fields = entry as Record<string, unknown>;
    const id = text(fields.device_id);
    if (id === undefined || id === '') continue;
    const name = (text(fields.name) ?? '').trim();
    devices.push({
      id,
      name: name.length > NAME_MAX ? `${name.slice(0, NAME_MAX - 1)}…` : name,
      platform: text(fields.os_type) ?? '',
      enrolledBy: text(fields.registration_method) ?? '',
      createdAt: moment(fields.creation_date),
      lastSeenAt: moment(fields.last_sync_date),
    });
  }
  return devices;
}
