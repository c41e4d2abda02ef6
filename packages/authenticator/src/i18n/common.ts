import type { Catalog } from './catalog.js';

/** Strings the whole app shares: the header, the notices, the buttons every screen has, durations. */
export const common = {
  en: {
    online: 'Online',
    offline: 'Offline',
    partlyOffline: 'Partly offline',
    offlineBanner: 'You’re offline. Codes still work; requests will appear when you’re back online.',
    silentBanner_one:
      '{{hosts}} is not answering. Codes still work; its requests will appear once it answers again.',
    silentBanner_other:
      '{{hosts}} are not answering. Codes still work; their requests will appear once they answer again.',
    dismiss: 'Dismiss',
    dismissNotice: 'Dismiss this message',
    cancel: 'Cancel',
    close: 'Close',
    loading: 'Loading…',
    opening: 'Opening…',
    checking: 'Checking…',
    brokenTitle: 'This browser cannot keep the authenticator’s key',
    brokenText:
      'The authenticator keeps its key in this browser’s storage, which is turned off here (private browsing often does this). Open this page in a normal window.',
    hiddenCharacter: 'hidden character {{label}}',
    hiddenCharacterTitle: '{{label}}: {{kind}} that could hide or reorder text',
    minutes_one: '{{count}} minute',
    minutes_other: '{{count}} minutes',
    seconds_one: '{{count}} second',
    seconds_other: '{{count}} seconds',
  },
  es: {
    online: 'En línea',
    offline: 'Sin conexión',
    partlyOffline: 'Conexión parcial',
    offlineBanner:
      'No tienes conexión. Los códigos siguen funcionando; las solicitudes aparecerán cuando vuelvas a estar en línea.',
    silentBanner_one:
      '{{hosts}} no responde. Los códigos siguen funcionando; sus solicitudes aparecerán cuando vuelva a responder.',
    silentBanner_other:
      '{{hosts}} no responden. Los códigos siguen funcionando; sus solicitudes aparecerán cuando vuelvan a responder.',
    dismiss: 'Cerrar',
    dismissNotice: 'Cerrar este mensaje',
    cancel: 'Cancelar',
    close: 'Cerrar',
    loading: 'Cargando…',
    opening: 'Abriendo…',
    checking: 'Comprobando…',
    brokenTitle: 'Este navegador no puede guardar la clave del autenticador',
    brokenText:
      'El autenticador guarda su clave en el almacenamiento del navegador, que aquí está desactivado (suele pasar en la navegación privada). Abre esta página en una ventana normal.',
    hiddenCharacter: 'carácter oculto {{label}}',
    hiddenCharacterTitle: '{{label}}: {{kind}} que podría ocultar o reordenar el texto',
    minutes_one: '{{count}} minuto',
    minutes_other: '{{count}} minutos',
    seconds_one: '{{count}} segundo',
    seconds_other: '{{count}} segundos',
  },
} as const satisfies Catalog;
