import QRCode from 'qrcode';

const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/;

/**
 * The QR code the service sent when it is a PNG data URL, else one the bank draws itself: a page never
 * embeds an image of another kind or from another origin because a service said so.
 */
export async function qrImage(fromService: string, content: string): Promise<string> {
  if (PNG_DATA_URL.test(fromService)) return fromService;
  return QRCode.toDataURL(content, { margin: 1, width: 300 });
}
