import type { Catalog } from './catalog.js';

/** The Backup panel and "Restore from a backup" (issue 16, item 3 b–c). */
export const backup = {
  en: {
    title: 'Backup',
    explain:
      'A backup file holds your other sites’ codes and the list of apps this authenticator answers. It never holds this device’s keys: after a restore, each app enrolls you again.',
    onlyHere_one:
      'If you lose this phone, you can no longer answer: {{apps}}. Add another device or ask the app to enroll you again.',
    onlyHere_other:
      'If you lose this phone, you can no longer answer: {{apps}}. Add another device or ask the apps to enroll you again.',
    othersAnswer: 'Every app this authenticator answers has another device of yours too.',
    checking: 'Checking which apps have another device…',
    uncheckable: 'Could not ask {{apps}} which other devices you have.',
    passphrase: 'Passphrase',
    passphraseHint:
      'At least {{min}} characters. Without it the backup cannot be opened, and nobody can recover it for you.',
    passphraseAgain: 'Passphrase again',
    download: 'Download the backup',
    encrypting: 'Encrypting the backup… this takes a moment.',
    downloaded: 'Backup downloaded. Keep the file and its passphrase somewhere other than this phone.',
    tooShort: 'The passphrase needs at least {{min}} characters.',
    tooLong: 'The passphrase can have at most {{max}} characters.',
    mismatch: 'The two passphrases differ. Type the same one twice.',
    failed: 'The backup could not be made. Reload the page and try again.',
    restoreFailed: 'The backup could not be restored. Reload the page and try again.',
    restoreTitle: 'Restore from a backup',
    restoreExplain:
      'Adds the codes of a backup made with Countersign to this authenticator, and lists the apps to enroll with again.',
    file: 'Backup file',
    restorePassphrase: 'The backup’s passphrase',
    restore: 'Restore',
    decrypting: 'Opening the backup… this takes a moment.',
    chooseFile: 'Choose the backup file first.',
    wrongPassphrase: 'This passphrase does not open the backup. Nothing was added; check it and try again.',
    unreadable:
      'This file is not a Countersign backup, or it is damaged or cut short. Nothing was added; choose the file again.',
    unsupported:
      'This backup was made by a newer Countersign or with settings it does not accept. Nothing was added.',
    restored_one: 'Restored {{count}} account.',
    restored_other: 'Restored {{count}} accounts.',
    duplicates_one: '{{count}} account was already here.',
    duplicates_other: '{{count}} accounts were already here.',
    reenrollTitle: 'Enroll again with these apps',
    reenrollHint:
      'Their keys stayed on the old device. In each app, add this authenticator again: through its enrollment link, or by signing up with your phone number. Ask the app to remove the old device.',
    continue: 'Continue',
  },
  es: {
    title: 'Copia de seguridad',
    explain:
      'Una copia de seguridad guarda los códigos de tus otros sitios y la lista de apps a las que responde este autenticador. Nunca guarda las claves de este dispositivo: tras restaurarla, cada app te vuelve a inscribir.',
    onlyHere_one:
      'Si pierdes este teléfono, ya no podrás responder a: {{apps}}. Añade otro dispositivo o pide a la app que te vuelva a inscribir.',
    onlyHere_other:
      'Si pierdes este teléfono, ya no podrás responder a: {{apps}}. Añade otro dispositivo o pide a las apps que te vuelvan a inscribir.',
    othersAnswer: 'Cada app a la que responde este autenticador tiene también otro dispositivo tuyo.',
    checking: 'Comprobando qué apps tienen otro dispositivo…',
    uncheckable: 'No se pudo preguntar a {{apps}} qué otros dispositivos tienes.',
    passphrase: 'Frase de contraseña',
    passphraseHint:
      'Al menos {{min}} caracteres. Sin ella la copia no se puede abrir, y nadie puede recuperarla por ti.',
    passphraseAgain: 'Repite la frase de contraseña',
    download: 'Descargar la copia',
    encrypting: 'Cifrando la copia… tarda un momento.',
    downloaded:
      'Copia descargada. Guarda el archivo y su frase de contraseña en otro lugar que no sea este teléfono.',
    tooShort: 'La frase de contraseña necesita al menos {{min}} caracteres.',
    tooLong: 'La frase de contraseña puede tener como máximo {{max}} caracteres.',
    mismatch: 'Las dos frases de contraseña no coinciden. Escribe la misma dos veces.',
    failed: 'No se pudo hacer la copia. Recarga la página e inténtalo de nuevo.',
    restoreFailed: 'No se pudo restaurar la copia. Recarga la página e inténtalo de nuevo.',
    restoreTitle: 'Restaurar una copia de seguridad',
    restoreExplain:
      'Añade a este autenticador los códigos de una copia hecha con Countersign, y enumera las apps en las que volver a inscribirte.',
    file: 'Archivo de la copia',
    restorePassphrase: 'La frase de contraseña de la copia',
    restore: 'Restaurar',
    decrypting: 'Abriendo la copia… tarda un momento.',
    chooseFile: 'Elige primero el archivo de la copia.',
    wrongPassphrase:
      'Esta frase de contraseña no abre la copia. No se ha añadido nada; revísala e inténtalo de nuevo.',
    unreadable:
      'Este archivo no es una copia de Countersign, o está dañado o incompleto. No se ha añadido nada; vuelve a elegir el archivo.',
    unsupported:
      'Esta copia la hizo un Countersign más reciente o con ajustes que no acepta. No se ha añadido nada.',
    restored_one: 'Se ha restaurado {{count}} cuenta.',
    restored_other: 'Se han restaurado {{count}} cuentas.',
    duplicates_one: '{{count}} cuenta ya estaba aquí.',
    duplicates_other: '{{count}} cuentas ya estaban aquí.',
    reenrollTitle: 'Vuelve a inscribirte en estas apps',
    reenrollHint:
      'Sus claves se quedaron en el dispositivo anterior. En cada app, añade de nuevo este autenticador: con su enlace de inscripción o registrándote con tu número de teléfono. Pide a la app que quite el dispositivo anterior.',
    continue: 'Continuar',
  },
} as const satisfies Catalog;
