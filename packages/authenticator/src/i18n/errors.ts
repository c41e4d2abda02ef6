import type { Catalog } from './catalog.js';

/** What went wrong, in words for the user: what happened and what to do (`describe-error.ts`). */
export const errors = {
  en: {
    offline: 'Countersign could not be reached. Check your connection and try again.',
    numberNeeded: 'Type the number shown where you started this, then approve.',
    passkeyCancelledAnswer: 'Not approved: the screen lock check was cancelled. Approve again to retry.',
    passkeyCancelledCodes: 'The codes stay locked: the screen lock check was cancelled. Try again.',
    passkeyCancelled: 'Nothing changed: the screen lock check was cancelled. Try again.',
    unknown: 'Something went wrong on this device. Reload the page and try again.',
    invalidLink:
      'That is not an enrollment link. It looks like https://…/authenticator/#enroll=… — ask the app for one.',
    invalidTotp: 'This account cannot be added: {{reason}}.',
    notEnrolled: 'This authenticator is not set up yet.',
    enrollUnauthorized: 'The service did not accept this enrollment. Ask the app for a new link.',
    unauthorized:
      'The service no longer recognises this device: it may have been removed, or this device’s clock is wrong.',
    linkUsed: 'This link has expired or was already used. Ask the app for a new one.',
    pushRefused:
      'Countersign does not accept this browser’s push service, so notifications cannot be turned on here.',
    badRequest: 'The service refused this. Reload the page and try again.',
    gone: 'That is no longer there.',
    screenLockRequired:
      'This app asks you to approve with your screen lock. Turn it on under Screen lock, then approve again.',
    forbidden: 'The service refused this.',
    rateLimited: 'Too many attempts. Wait a minute, then try again.',
    server: 'The service had a problem. Try again in a moment.',
    answerExpired: 'This request expired before your answer arrived.',
    answerConflict: 'This request was already answered, perhaps on another device.',
    answerNotFound: 'This request no longer exists.',
  },
  es: {
    offline: 'No se pudo contactar con Countersign. Comprueba tu conexión e inténtalo de nuevo.',
    numberNeeded: 'Escribe el número que aparece donde iniciaste esto y luego aprueba.',
    passkeyCancelledAnswer:
      'No se aprobó: se canceló la comprobación del bloqueo de pantalla. Vuelve a aprobar para reintentarlo.',
    passkeyCancelledCodes:
      'Los códigos siguen bloqueados: se canceló la comprobación del bloqueo de pantalla. Inténtalo de nuevo.',
    passkeyCancelled:
      'No ha cambiado nada: se canceló la comprobación del bloqueo de pantalla. Inténtalo de nuevo.',
    unknown: 'Algo falló en este dispositivo. Recarga la página e inténtalo de nuevo.',
    invalidLink:
      'Eso no es un enlace de registro. Tiene este aspecto: https://…/authenticator/#enroll=… — pídele uno a la aplicación.',
    invalidTotp: 'No se puede añadir esta cuenta: {{reason}}.',
    notEnrolled: 'Este autenticador todavía no está configurado.',
    enrollUnauthorized: 'El servicio no aceptó este registro. Pide un enlace nuevo a la aplicación.',
    unauthorized:
      'El servicio ya no reconoce este dispositivo: puede que se haya eliminado o que la hora de este dispositivo no sea correcta.',
    linkUsed: 'Este enlace ha caducado o ya se usó. Pide uno nuevo a la aplicación.',
    pushRefused:
      'Countersign no acepta el servicio de notificaciones de este navegador, así que aquí no se pueden activar.',
    badRequest: 'El servicio lo rechazó. Recarga la página e inténtalo de nuevo.',
    gone: 'Eso ya no existe.',
    screenLockRequired:
      'Esta aplicación pide que apruebes con el bloqueo de pantalla. Actívalo en «Bloqueo de pantalla» y vuelve a aprobar.',
    forbidden: 'El servicio lo rechazó.',
    rateLimited: 'Demasiados intentos. Espera un minuto y vuelve a intentarlo.',
    server: 'El servicio tuvo un problema. Inténtalo de nuevo en un momento.',
    answerExpired: 'Esta solicitud caducó antes de que llegara tu respuesta.',
    answerConflict: 'Esta solicitud ya se respondió, quizá en otro dispositivo.',
    answerNotFound: 'Esta solicitud ya no existe.',
  },
} as const satisfies Catalog;
