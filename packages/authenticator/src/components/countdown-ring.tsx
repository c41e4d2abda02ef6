const RADIUS = 16;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;

/** A ring that empties as `fraction` (1 → 0) of a period is left. Decorative: the text beside it says the same. */
export function CountdownRing({ fraction, urgent }: { fraction: number; urgent: boolean }) {
  const left = Math.min(1, Math.max(0, fraction));
  return (
    <svg
      class={urgent ? 'ring ring-urgent' : 'ring'}
      viewBox="0 0 40 40"
      aria-hidden="true"
      focusable="false"
    >
      <circle class="ring-track" cx="20" cy="20" r={RADIUS} />
      <circle
        class="ring-left"
        cx="20"
        cy="20"
        r={RADIUS}
        stroke-dasharray={CIRCUMFERENCE}
        stroke-dashoffset={CIRCUMFERENCE * (1 - left)}
        transform="rotate(-90 20 20)"
      />
    </svg>
  );
}
