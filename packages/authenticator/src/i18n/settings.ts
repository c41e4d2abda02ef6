import type { Catalog } from './catalog.js';

/** The screen lock (user verification, D14) and notifications panels. */
export const settings = {
  en: {
    lockTitle: 'Screen lock',
    lockOff:
      'Make approvals ask for your fingerprint, face or screen lock, so that only you can approve, even if someone else holds this phone unlocked.',
    lockOn: 'Screen lock is on: approving asks for your fingerprint, face or screen lock.',
    lockUnavailable:
      'This browser cannot check your fingerprint, face or screen lock, so approvals rely on this device alone. Apps that require the check refuse approvals from here.',
    lockCodes: 'Also ask before showing codes',
    codesLocked: 'Codes are locked behind the screen lock.',
    codesUnlocked: 'Codes show without the screen lock.',
    useLock: 'Use screen lock',
    notificationsTitle: 'Notifications',
    pushOff: 'Get a notification when a request arrives, even while the authenticator is closed.',
    pushOn:
      'Notifications are on: this device tells you when a request arrives, even while the authenticator is closed.',
    pushDenied:
      'Notifications are blocked for this site. Allow them in this browser’s site settings, then try again.',
    pushUnsupported:
      'This browser cannot show the authenticator’s notifications, so keep it open to see requests as they arrive. On an iPhone or iPad, add it to the Home Screen first.',
    pushDismissed: 'Notifications are still off: the browser’s question was closed without an answer.',
    pushNoWorker:
      'The authenticator’s background worker is not running yet, so notifications cannot be turned on. Reload the page, then try again.',
    pushUnavailable:
      'This browser’s push service did not set up notifications. Try again later; until then, requests appear while the authenticator is open.',
    turnOnPush: 'Turn on notifications',
  },
  es: {
    lockTitle: 'Bloqueo de pantalla',
    lockOff:
      'Haz que aprobar pida tu huella, tu cara o el bloqueo de pantalla, para que solo tú puedas aprobar aunque otra persona tenga este teléfono desbloqueado.',
    lockOn:
      'El bloqueo de pantalla está activado: para aprobar se te pedirá la huella, la cara o el bloqueo de pantalla.',
    lockUnavailable:
      'Este navegador no puede comprobar tu huella, tu cara ni el bloqueo de pantalla, así que las aprobaciones dependen solo de este dispositivo. Las aplicaciones que exigen esa comprobación rechazarán las aprobaciones hechas desde aquí.',
    lockCodes: 'Pedirlo también antes de mostrar los códigos',
    codesLocked: 'Los códigos quedan protegidos con el bloqueo de pantalla.',
    codesUnlocked: 'Los códigos se muestran sin el bloqueo de pantalla.',
    useLock: 'Usar el bloqueo de pantalla',
    notificationsTitle: 'Notificaciones',
    pushOff: 'Recibe una notificación cuando llegue una solicitud, incluso con el autenticador cerrado.',
    pushOn:
      'Las notificaciones están activadas: este dispositivo te avisará cuando llegue una solicitud, incluso con el autenticador cerrado.',
    pushDenied:
      'Las notificaciones están bloqueadas para este sitio. Permítelas en los ajustes del sitio del navegador y vuelve a intentarlo.',
    pushUnsupported:
      'Este navegador no puede mostrar las notificaciones del autenticador, así que mantenlo abierto para ver las solicitudes cuando lleguen. En un iPhone o iPad, añádelo primero a la pantalla de inicio.',
    pushDismissed:
      'Las notificaciones siguen desactivadas: se cerró la pregunta del navegador sin responder.',
    pushNoWorker:
      'El proceso en segundo plano del autenticador aún no está en marcha, así que no se pueden activar las notificaciones. Recarga la página y vuelve a intentarlo.',
    pushUnavailable:
      'El servicio de notificaciones de este navegador no pudo activarlas. Inténtalo más tarde; mientras tanto, las solicitudes aparecerán con el autenticador abierto.',
    turnOnPush: 'Activar las notificaciones',
  },
} as const satisfies Catalog;
