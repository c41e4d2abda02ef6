import type { Catalog } from './catalog.js';

/**
 * The accounts panel: each account with its codes, renaming, moving and removing, and the codes' lock.
 * Account labels and app names are the user's or the app's own words, passed in as values.
 */
export const accounts = {
  en: {
    title: 'Accounts',
    empty: 'No accounts yet. Open an enrollment link from an app, or add a code below.',
    whereCountersign: 'Countersign at {{host}}',
    whereTotp: 'Code for another site',
    removeNothingLost: 'Another account here still answers the same app, so nothing is lost.',
    removeOnlySecret:
      'This is the only copy of this code’s secret here. Once removed, codes for it cannot be made again unless you set it up anew on that site.',
    removeLastWay:
      'This is the last way this authenticator answers {{apps}}. Removing it revokes this device’s key for {{apps}} at once; to answer its requests again you will need a new enrollment link from the app.',
    nameTooLong: 'A name has at most 100 characters.',
    renamedBack: 'The account has its own name again.',
    renamed: 'Renamed to {{name}}.',
    moved: '{{label}} moved to position {{position}} of {{count}}.',
    removed: '{{label}} was removed.',
    newName: 'New name for',
    save: 'Save',
    removing: 'Removing…',
    removeNow: 'Remove',
    rename: 'Rename',
    moveUp: 'Move up',
    moveDown: 'Move down',
    remove: 'Remove…',
    copy: 'Copy',
    copied: 'Copied',
    copyFor: 'code for',
    copiedNotice: 'Code for {{name}} copied.',
    copyRefused: 'This browser did not allow copying. Read the code from the screen.',
    secondsLeft_one: '{{count}} second left',
    secondsLeft_other: '{{count}} seconds left',
    usedOnce: 'Already used? Wait for the next code in {{count}} s.',
    codesTitle: 'Codes',
    codesLocked: 'Codes are locked: showing them asks for your fingerprint, face or screen lock.',
    showCodes: 'Show codes',
  },
  es: {
    title: 'Cuentas',
    empty: 'Aún no hay cuentas. Abre un enlace de registro de una aplicación o añade un código más abajo.',
    whereCountersign: 'Countersign en {{host}}',
    whereTotp: 'Código de otro sitio',
    removeNothingLost:
      'Otra cuenta de aquí sigue respondiendo a la misma aplicación, así que no se pierde nada.',
    removeOnlySecret:
      'Esta es la única copia aquí del secreto de este código. Si la eliminas, no podrás generar más códigos a menos que lo vuelvas a configurar en ese sitio.',
    removeLastWay:
      'Es la última forma que tiene este autenticador de responder a {{apps}}. Al eliminarla, la clave de este dispositivo para {{apps}} se revoca al momento; para volver a responder a sus solicitudes necesitarás un nuevo enlace de registro de la aplicación.',
    nameTooLong: 'Un nombre tiene como máximo 100 caracteres.',
    renamedBack: 'La cuenta vuelve a tener su nombre original.',
    renamed: 'Nuevo nombre: {{name}}.',
    moved: '{{label}} está ahora en la posición {{position}} de {{count}}.',
    removed: 'Se eliminó {{label}}.',
    newName: 'Nuevo nombre para',
    save: 'Guardar',
    removing: 'Eliminando…',
    removeNow: 'Eliminar',
    rename: 'Cambiar nombre',
    moveUp: 'Subir',
    moveDown: 'Bajar',
    remove: 'Eliminar…',
    copy: 'Copiar',
    copied: 'Copiado',
    copyFor: 'código de',
    copiedNotice: 'Se copió el código de {{name}}.',
    copyRefused: 'Este navegador no permitió copiar. Lee el código en la pantalla.',
    secondsLeft_one: 'queda {{count}} segundo',
    secondsLeft_other: 'quedan {{count}} segundos',
    usedOnce: '¿Ya lo usaste? Espera al siguiente código dentro de {{count}} s.',
    codesTitle: 'Códigos',
    codesLocked:
      'Los códigos están bloqueados: para verlos se te pedirá la huella, la cara o el bloqueo de pantalla.',
    showCodes: 'Ver códigos',
  },
} as const satisfies Catalog;
