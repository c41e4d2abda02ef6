import type { Catalog } from './catalog.js';

/** Adding another device from this one, and this device joining from another's link. */
export const admission = {
  en: {
    addDevice: 'Add another device',
    addDeviceHint:
      'Open this link or scan the code on the new device. It makes a key of its own; you approve it here. The link works once, for 10 minutes.',
    qrLabel: 'QR code of the link for the new device',
    waitingForClaim: 'Waiting for the new device to open the link…',
    claimed: '“{{name}}” wants to join these accounts.',
    compare: 'Approve only if the new device shows this same code:',
    approve: 'Approve',
    approveWithPasskey: 'Approve with screen lock',
    deny: 'Deny',
    approved: '{{name}} was added. It can answer requests now.',
    denied: 'The new device was not added.',
    expired: 'The link expired before a device opened it. Start again.',
    failed: 'The device could not be added: {{problem}}',
    joinTitle: 'Joining from your other device',
    joining: 'Opening the link…',
    joinCompare: 'Check that your other device shows this code, and approve it there:',
    joinWaiting: 'Waiting for the approval…',
    joined: 'This device was added. It answers requests for {{apps}} now.',
    joinDenied: 'Your other device did not approve this one.',
    joinExpired: 'The approval did not come within 10 minutes. Ask your other device for a new link.',
    joinFailed: 'This device could not join: {{problem}}',
    joinElsewhere:
      'This link is for the Countersign service at {{host}}. Open it in the browser to join there.',
    linkRefused: 'This link has expired or was already used. Ask your other device for a new one.',
  },
  es: {
    addDevice: 'Añadir otro dispositivo',
    addDeviceHint:
      'Abre este enlace o escanea el código en el dispositivo nuevo. Crea su propia clave; tú lo apruebas aquí. El enlace sirve una vez, durante 10 minutos.',
    qrLabel: 'Código QR del enlace para el dispositivo nuevo',
    waitingForClaim: 'Esperando a que el dispositivo nuevo abra el enlace…',
    claimed: '«{{name}}» quiere unirse a estas cuentas.',
    compare: 'Aprueba solo si el dispositivo nuevo muestra este mismo código:',
    approve: 'Aprobar',
    approveWithPasskey: 'Aprobar con el bloqueo de pantalla',
    deny: 'Rechazar',
    approved: '{{name}} se añadió. Ya puede responder solicitudes.',
    denied: 'El dispositivo nuevo no se añadió.',
    expired: 'El enlace caducó antes de que un dispositivo lo abriera. Vuelve a empezar.',
    failed: 'No se pudo añadir el dispositivo: {{problem}}',
    joinTitle: 'Uniéndose desde tu otro dispositivo',
    joining: 'Abriendo el enlace…',
    joinCompare: 'Comprueba que tu otro dispositivo muestra este código y apruébalo allí:',
    joinWaiting: 'Esperando la aprobación…',
    joined: 'Este dispositivo se añadió. Ya responde solicitudes de {{apps}}.',
    joinDenied: 'Tu otro dispositivo no aprobó este.',
    joinExpired: 'La aprobación no llegó en 10 minutos. Pide un enlace nuevo a tu otro dispositivo.',
    joinFailed: 'Este dispositivo no pudo unirse: {{problem}}',
    joinElsewhere:
      'Este enlace es del servicio Countersign en {{host}}. Ábrelo en el navegador para unirte allí.',
    linkRefused: 'Este enlace caducó o ya se usó. Pide uno nuevo a tu otro dispositivo.',
  },
} as const satisfies Catalog;
