// The tablet's two full-screen moments around the idle timer (docs/tablet.md):
// - while the screen is idle (at home after the timeout, or looping its attract nodes),
//   an invitation to start, in Kazakh and Russian; a tap anywhere sends `home`;
// - when a state says the idle reset is near (`idle_in` seconds), a "still there?"
//   dialog counting down, with a big button sending `stay`. It closes when a state
//   without `idle_in` arrives.
// Both make the rest of the page inert, take the focus, and give it back on closing.
import { t, tf } from './i18n.js';

const $ = (id) => document.getElementById(id);

export class Overlays {
  /**
   * opts: { app (the page's main element, made inert under an overlay),
   *         onStart(button), onStay(button) }: the commands, sent by the page.
   */
  constructor({ app, onStart, onStay }) {
    this.app = app;
    this.invite = $('invite');
    this.inviteBtn = $('invite-btn');
    this.still = $('still');
    this.stillTitle = $('still-title');
    this.stillHint = $('still-hint');
    this.stillCount = $('still-count');
    this.stay = $('stay');
    this.deadline = 0; // performance.now() of the reset, while the dialog is open
    this.seq = -1; // the state whose `idle_in` set the deadline
    this.timer = 0;
    this.lang = 'kk';
    this.returnFocus = null;
    // The invitation speaks both languages, whatever the screen's.
    for (const part of this.invite.querySelectorAll('.invite-part[lang]')) {
      part.querySelector('.invite-title').textContent = t(part.lang, 'welcome');
      part.querySelector('.invite-hint').textContent = t(part.lang, 'welcomeHint');
    }
    this.inviteBtn.addEventListener('click', () => {
      if (!this.inviteBtn.disabled) onStart(this.inviteBtn);
    });
    this.stay.addEventListener('click', () => {
      if (!this.stay.disabled) onStay(this.stay);
    });
    // Escape answers the dialog as "stay": a keyboard user keeps the screen. Tab stays
    // in the open overlay (its one button), never leaving for the inert page or <body>.
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.still.hidden && !this.stay.disabled) onStay(this.stay);
      const open = !this.still.hidden ? this.stay : !this.invite.hidden ? this.inviteBtn : null;
      if (e.key === 'Tab' && open) {
        e.preventDefault();
        open.focus({ preventScroll: true });
      }
    });
  }

  /** Shows what state `s` asks for (`null`: neither), in UI language `L`. */
  render(s, L, online) {
    this.lang = L;
    const idle = !!s && s.idle === true;
    const warn = !!s && !idle && Number.isFinite(s.idle_in) && s.idle_in >= 0;
    this.inviteBtn.disabled = !online;
    this.stay.disabled = !online;
    if (warn && s.seq !== this.seq) {
      this.seq = s.seq;
      this.deadline = performance.now() + s.idle_in * 1000;
    }
    if (!warn) this.seq = -1;
    // Where the focus was, taken before the page goes inert (which drops it to <body>);
    // given back once the page is usable again (not inert, its buttons enabled).
    const a = document.activeElement;
    if ((idle || warn) && !this.app.inert && a && this.app.contains(a)) this.returnFocus = a;
    this.app.inert = idle || warn;
    this.show(this.invite, idle);
    this.show(this.still, warn);
    document.documentElement.dataset.overlay = idle ? 'invite' : warn ? 'still' : '';
    this.stillTitle.textContent = t(L, 'stillThere');
    this.stay.textContent = t(L, 'stay');
    if (warn) {
      this.tick();
      if (!this.timer) this.timer = setInterval(() => this.tick(), 250);
    } else if (this.timer) {
      clearInterval(this.timer);
      this.timer = 0;
    }
  }

  /** The seconds left on the dialog. */
  tick() {
    const left = Math.max(0, Math.ceil((this.deadline - performance.now()) / 1000));
    const txt = String(left);
    if (this.stillCount.textContent !== txt) {
      this.stillCount.textContent = txt;
      this.stillHint.textContent = tf(this.lang, 'stillHint', left);
    }
  }

  show(el, on) {
    if (el.hidden === !on) return;
    el.hidden = !on;
    if (on) {
      const target = el === this.still ? this.stay : this.inviteBtn;
      target.focus({ preventScroll: true });
    } else if (this.invite.hidden && this.still.hidden) {
      const r = this.returnFocus;
      this.returnFocus = null;
      // The control focused before, if still there and usable; else the first usable
      // one of the page (home), never <body>.
      for (const c of [r, ...this.app.querySelectorAll('button')]) {
        if (!c || !c.isConnected || c.disabled || c.closest('[hidden]')) continue;
        c.focus({ preventScroll: true });
        if (document.activeElement === c) return;
      }
    }
  }
}
