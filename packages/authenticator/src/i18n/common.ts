import type { Catalog } from './catalog.js';

/** Strings the whole app shares: the header, the notices, the buttons every screen has. */
export const common = {
  en: {
    online: 'Online',
    offline: 'Offline',
    dismiss: 'Dismiss',
    cancel: 'Cancel',
  },
  es: {
    online: 'En línea',
    offline: 'Sin conexión',
    dismiss: 'Cerrar',
    cancel: 'Cancelar',
  },
} as const satisfies Catalog;
