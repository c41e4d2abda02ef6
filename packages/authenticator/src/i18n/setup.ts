import type { Catalog } from './catalog.js';

/** Setting up: the welcome screen, enrolling from a link, losing the last account, and the HTTPS page. */
export const setup = {
  en: {
    welcomeTitle: 'Set up this authenticator',
    welcomeIntro:
      'Countersign shows you exactly what an app asks you to confirm, and signs your answer with a key that never leaves this device.',
    welcomeStep1:
      'In the app you use — your bank, a shop, an admin console — choose to add an authenticator.',
    welcomeStep2: 'Open the link it gives you on this device, or scan its QR code with this device’s camera.',
    welcomePaste: 'Or paste the enrollment link',
    setUp: 'Set up',
    settingUp: 'Setting up this device…',
    setUpDone: 'This device is set up.',
    setUpDoneFor: 'This device is set up for {{apps}}.',
    otherService:
      'This link is for the Countersign service at {{host}}. This authenticator talks only to {{here}}: open the link in the browser to set it up there.',
    removedSelf: 'This device was removed from {{label}}. Its key for it is gone.',
    removedLast: 'This device was removed. Its key is gone; open a new enrollment link to set it up again.',
    emptied: 'Every account was removed. Add one to use this authenticator again.',
    insecureTitle: 'This page needs HTTPS',
    insecureWhy:
      'The authenticator keeps a signing key in this browser, and browsers hand out keys only to pages served over https:// (or from this device’s own localhost). This page was opened at {{origin}}, over plain HTTP.',
    insecureHow: 'To use it from a phone, put HTTPS in front of Countersign and open the link again over it:',
    insecureStep1:
      'On the computer running Countersign, start an HTTPS proxy, for example Caddy with the project’s Caddyfile:',
    insecureStep2: 'Start Countersign with that address:',
    insecureStep2After: 'and make the phone trust the proxy’s certificate.',
    insecureStep3: 'Open the enrollment link again: it now starts with https://.',
    insecureReadme: 'The README’s “Try it on your phone” section walks through it step by step.',
  },
  es: {
    welcomeTitle: 'Configura este autenticador',
    welcomeIntro:
      'Countersign te muestra exactamente lo que una aplicación te pide confirmar y firma tu respuesta con una clave que nunca sale de este dispositivo.',
    welcomeStep1:
      'En la aplicación que usas (tu banco, una tienda, una consola de administración), elige añadir un autenticador.',
    welcomeStep2: 'Abre en este dispositivo el enlace que te da o escanea su código QR con la cámara.',
    welcomePaste: 'O pega el enlace de registro',
    setUp: 'Configurar',
    settingUp: 'Configurando este dispositivo…',
    setUpDone: 'Este dispositivo está configurado.',
    setUpDoneFor: 'Este dispositivo está configurado para {{apps}}.',
    otherService:
      'Este enlace es del servicio Countersign de {{host}}. Este autenticador solo se comunica con {{here}}: abre el enlace en el navegador para configurarlo allí.',
    removedSelf: 'Este dispositivo se eliminó de {{label}}. Su clave para esa cuenta ya no existe.',
    removedLast:
      'Este dispositivo se eliminó. Su clave ya no existe; abre un nuevo enlace de registro para volver a configurarlo.',
    emptied: 'Se eliminaron todas las cuentas. Añade una para volver a usar este autenticador.',
    insecureTitle: 'Esta página necesita HTTPS',
    insecureWhy:
      'El autenticador guarda una clave de firma en este navegador, y los navegadores solo dan claves a páginas servidas por https:// (o desde el propio localhost de este dispositivo). Esta página se abrió en {{origin}}, por HTTP sin cifrar.',
    insecureHow:
      'Para usarlo desde un teléfono, pon HTTPS delante de Countersign y vuelve a abrir el enlace por HTTPS:',
    insecureStep1:
      'En el ordenador donde se ejecuta Countersign, inicia un proxy HTTPS, por ejemplo Caddy con el Caddyfile del proyecto:',
    insecureStep2: 'Inicia Countersign con esa dirección:',
    insecureStep2After: 'y haz que el teléfono confíe en el certificado del proxy.',
    insecureStep3: 'Vuelve a abrir el enlace de registro: ahora empieza por https://.',
    insecureReadme: 'La sección «Try it on your phone» del README lo explica paso a paso.',
  },
} as const satisfies Catalog;
