import { useMemo } from 'preact/hooks';
import QRCode from 'qrcode';

/**
 * A QR code of `text` drawn as SVG from the modules `qrcode` computes: no image URL, so the page's
 * Content-Security-Policy (`img-src 'self'`) holds, and nothing is built from markup strings.
 */
export function QrCode({ text, label, size = 220 }: { text: string; label: string; size?: number }) {
  const { count, path } = useMemo(() => {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const parts: string[] = [];
    for (let row = 0; row < modules.size; row += 1) {
      for (let column = 0; column < modules.size; column += 1) {
        if (modules.get(row, column)) parts.push(`M${column + 2} ${row + 2}h1v1h-1z`);
      }
    }
    return { count: modules.size + 4, path: parts.join('') };
  }, [text]);
  return (
    <svg
      class="qr"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${count} ${count}`}
      width={size}
      height={size}
      shape-rendering="crispEdges"
    >
      <rect width={count} height={count} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
