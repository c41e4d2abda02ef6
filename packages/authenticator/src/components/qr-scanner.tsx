import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/i18n.js';

/** How often a camera frame is looked at for a QR code. */
const SCAN_EVERY_MS = 200;
/** Frames are scaled down to this width first: plenty for a QR code held to the camera, and quick. */
const SCAN_WIDTH = 640;

/** Why the camera could not be used, in words for the user. */
function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return t('add:cameraNotAllowed');
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return t('add:cameraMissing');
  if (name === 'NotReadableError') return t('add:cameraBusy');
  return t('add:cameraFailed');
}

/**
 * The camera's picture while it looks for a QR code. Mounted only once the user tapped Scan, so the browser
 * asks for the camera then and never before; the camera is stopped as soon as a code is read, on Cancel,
 * and whenever this goes away. The decoder (jsQR) is loaded with it, not with the app.
 */
export function QrScanner({
  onResult,
  onCancel,
}: {
  onResult: (text: string) => void;
  onCancel: () => void;
}) {
  const videoRef = useRef<HTMLVideoElement>(null);
  // The latest handler, read when a code is found: a new function from the parent need not restart the camera.
  const resultRef = useRef(onResult);
  resultRef.current = onResult;
  const [problem, setProblem] = useState<string | null>(null);
  const [looking, setLooking] = useState(false);

  useEffect(() => {
    let stream: MediaStream | undefined;
    let timer = 0;
    let over = false;
    const stop = () => {
      over = true;
      window.clearInterval(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };

    void (async () => {
      if (navigator.mediaDevices?.getUserMedia === undefined) {
        setProblem(t('add:cameraUnsupported'));
        return;
      }
      try {
        const [{ default: jsQR }, media] = await Promise.all([
          import('jsqr'),
          navigator.mediaDevices.getUserMedia({
            video: { facingMode: { ideal: 'environment' } },
            audio: false,
          }),
        ]);
        stream = media;
        if (over) return stop();
        const video = videoRef.current;
        if (video === null) return stop();
        video.srcObject = media;
        await video.play();
        setLooking(true);
        const canvas = document.createElement('canvas');
        const context = canvas.getContext('2d', { willReadFrequently: true });
        if (context === null) throw new Error('no 2D canvas');
        timer = window.setInterval(() => {
          if (over || video.videoWidth === 0) return;
          const scale = Math.min(1, SCAN_WIDTH / video.videoWidth);
          canvas.width = Math.round(video.videoWidth * scale);
          canvas.height = Math.round(video.videoHeight * scale);
          context.drawImage(video, 0, 0, canvas.width, canvas.height);
          const image = context.getImageData(0, 0, canvas.width, canvas.height);
          const found = jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' });
          if (found !== null && found.data !== '') {
            stop();
            resultRef.current(found.data);
          }
        }, SCAN_EVERY_MS);
      } catch (caught) {
        stop();
        setProblem(cameraProblem(caught));
      }
    })();
    return stop;
  }, []);

  return (
    <div class="scanner">
      {problem === null ? (
        <>
          <video ref={videoRef} class="scanner-video" muted playsInline aria-label={t('add:cameraPicture')} />
          <p class="muted" role="status">
            {looking ? t('add:cameraHold') : t('add:cameraStarting')}
          </p>
        </>
      ) : (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <button type="button" class="button-quiet" onClick={onCancel}>
        {problem === null ? t('add:stopScanning') : t('close')}
      </button>
    </div>
  );
}
