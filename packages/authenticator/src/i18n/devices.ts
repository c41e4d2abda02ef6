import type { Catalog } from './catalog.js';

/** Each enrollment's list of devices. Device names are what the service stores, passed in as values. */
export const devices = {
  en: {
    title: 'Devices',
    titleFor: 'Devices for',
    thisDevice: 'This device',
    added: 'Added {{date}}',
    addedUsed: 'Added {{date}}, last used {{used}}',
    remove: 'Remove…',
    removeOther: 'Remove',
    removeSelf: 'Remove this device',
    now: 'now',
    removed: '{{name}} was removed. It can no longer answer requests.',
  },
  es: {
    title: 'Dispositivos',
    titleFor: 'Dispositivos de',
    thisDevice: 'Este dispositivo',
    added: 'Añadido el {{date}}',
    addedUsed: 'Añadido el {{date}}, usado por última vez el {{used}}',
    remove: 'Eliminar…',
    removeOther: 'Eliminar',
    removeSelf: 'Eliminar este dispositivo',
    now: 'ahora',
    removed: 'Se eliminó {{name}}. Ya no puede responder solicitudes.',
  },
} as const satisfies Catalog;
