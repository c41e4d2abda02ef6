import type { Catalog } from './catalog.js';

/** An app's invitation to enroll this device (D15). */
export const invitation = {
  en: {
    title: 'An invitation',
    opening: 'Opening the invitation…',
    invited:
      '{{app}} invited you to approve its sign-ins and payments with this device. We will text a code to {{phone}}.',
    sendCode: 'Text me the code',
    sending: 'Sending the code…',
    codeLabel: 'The code we texted you',
    enroll: 'Add this device',
    enrolling: 'Adding this device…',
    done: 'This device now approves sign-ins and payments for {{app}}.',
    refused:
      'This invitation has expired, was replaced by a newer one, or was already used. Ask the app for a new one.',
    wrongCode: 'That code is not the one we texted. Send a new code and try again.',
    failed: 'This device could not be added: {{problem}}',
    elsewhere: 'This invitation is for the Countersign service at {{host}}. Open it in the browser there.',
  },
  es: {
    title: 'Una invitación',
    opening: 'Abriendo la invitación…',
    invited:
      '{{app}} te invita a aprobar sus inicios de sesión y pagos con este dispositivo. Enviaremos un código por SMS a {{phone}}.',
    sendCode: 'Enviarme el código',
    sending: 'Enviando el código…',
    codeLabel: 'El código que te enviamos',
    enroll: 'Añadir este dispositivo',
    enrolling: 'Añadiendo este dispositivo…',
    done: 'Este dispositivo aprueba ahora los inicios de sesión y pagos de {{app}}.',
    refused:
      'Esta invitación ha caducado, fue sustituida por otra más reciente o ya se usó. Pide una nueva a la aplicación.',
    wrongCode: 'Ese no es el código que te enviamos. Pide un código nuevo e inténtalo otra vez.',
    failed: 'No se pudo añadir este dispositivo: {{problem}}',
    elsewhere: 'Esta invitación es para el servicio Countersign en {{host}}. Ábrela en el navegador allí.',
  },
} satisfies Catalog;
