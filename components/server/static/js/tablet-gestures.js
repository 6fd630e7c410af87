// The tablet's touch handling (docs/tablet.md):
// - a control shows at once that it is pressed (on pointerdown; the command goes on click);
// - a horizontal swipe anywhere on the slide panel, its buttons included, turns the
//   page or slide; the click a swipe ends with on a button is dropped (a tap without
//   movement stays a click).

/** A swipe: at least this far sideways (px), and mostly sideways. */
export const SWIPE_PX = 60;

/** Shows `.pressed` on the button under a finger from pointerdown until shortly after it lifts. */
export function pressFeedback() {
  let pressed = null;
  document.addEventListener(
    'pointerdown',
    (e) => {
      const b = e.target.closest && e.target.closest('button');
      if (!b || b.disabled) return;
      if (pressed) pressed.classList.remove('pressed');
      pressed = b;
      b.classList.add('pressed');
    },
    { passive: true },
  );
  const release = () => {
    const b = pressed;
    pressed = null;
    if (b) setTimeout(() => b !== pressed && b.classList.remove('pressed'), 140);
  };
  document.addEventListener('pointerup', release, { passive: true });
  document.addEventListener('pointercancel', release, { passive: true });
}

/**
 * Swipes on `panel`: `onSwipe(+1)` for a swipe left (read on), `onSwipe(-1)` for right.
 * The panel keeps vertical scrolling (`touch-action: pan-y` on it and its buttons), so a
 * sideways finger is not taken by the browser. The pointer's end is watched on the whole
 * document: a mouse (or a finger after pointer capture is lost) may lift off the panel.
 */
export function swipes(panel, onSwipe) {
  let start = null;
  let swallow = false; // the click that follows a swipe on a button
  panel.addEventListener(
    'pointerdown',
    (e) => {
      swallow = false;
      start = e.isPrimary ? { x: e.clientX, y: e.clientY, id: e.pointerId } : null;
    },
    { passive: true },
  );
  document.addEventListener(
    'pointerup',
    (e) => {
      const sw = start;
      start = null;
      if (!sw || sw.id !== e.pointerId) return;
      const dx = e.clientX - sw.x;
      const dy = e.clientY - sw.y;
      if (Math.abs(dx) < SWIPE_PX || Math.abs(dx) < 1.5 * Math.abs(dy)) return;
      swallow = true;
      // A click comes right after pointerup, if at all (a finger that moved has none):
      // the flag does not outlive this input.
      setTimeout(() => (swallow = false), 0);
      onSwipe(dx < 0 ? 1 : -1);
    },
    { passive: true, capture: true },
  );
  document.addEventListener('pointercancel', () => (start = null), { passive: true });
  panel.addEventListener(
    'click',
    (e) => {
      if (!swallow) return;
      swallow = false;
      e.preventDefault();
      e.stopPropagation();
    },
    { capture: true },
  );
}
